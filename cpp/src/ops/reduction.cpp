// Reductions over dimensions: sum, mean, var, max, min, logsumexp, sum_to.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;
using cpu::Reduce;

// Sorted unique wrapped dims; empty input means all dims.
std::vector<int64_t> normalize_dims(const Tensor& x, std::vector<int64_t> dims, const char* op) {
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) dims.push_back(d);
    return dims;
  }
  for (int64_t& d : dims) d = wrap_dim(d, x.dim(), op);
  std::sort(dims.begin(), dims.end());
  if (std::adjacent_find(dims.begin(), dims.end()) != dims.end())
    fail<ValueError>(op, ": a dimension is repeated in the reduction dims");
  if (x.dim() == 0) dims.clear();
  return dims;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    const bool reduced = std::binary_search(dims.begin(), dims.end(), d);
    if (!reduced) out.push_back(shape[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// Reduces the leading `rows` rows of a contiguous (rows, cols) array column-wise (e.g. a bias
// gradient over the batch), in parallel over ranges of columns (each column is reduced on its
// own, so the split does not change the result; the kernel blocks its columns for L1).
template <class T>
void reduce_columns(const T* in, int64_t rows, int64_t cols, T* out, Reduce kind) {
  const auto fn = cpu::reduce_kernels<T>(cpu::kernels()).columns;
  detail::parallel_rows(cols, rows, [&](int64_t j0, int64_t j1) { fn(kind, in + j0, rows, j1 - j0, cols, out + j0); });
}

// Reduces each of `rows` contiguous rows of length n, in parallel over rows.
template <class T>
void reduce_rows(const T* in, int64_t rows, int64_t n, T* out, Reduce kind) {
  const auto fn = cpu::reduce_kernels<T>(cpu::kernels()).rows;
  detail::parallel_rows(rows, n, [&](int64_t r0, int64_t r1) { fn(kind, in + r0 * n, r1 - r0, n, out + r0); });
}

// Reduces each of `rows` contiguous rows of length n of an integer or bool tensor (no SIMD
// kernel); sums wrap around on overflow, as PyTorch's.
void reduce_rows_integer(const Tensor& in, int64_t rows, int64_t n, const Tensor& out, Reduce kind) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      const T* p = in.data<T>();
      T* o = out.data<T>();
      for (int64_t r = 0; r < rows; ++r, p += n) {
        if (kind == Reduce::sum) {
          uint64_t acc = 0;
          for (int64_t i = 0; i < n; ++i) acc += static_cast<uint64_t>(p[i]);
          o[r] = static_cast<T>(acc);
        } else {
          o[r] = kind == Reduce::max ? *std::max_element(p, p + n) : *std::min_element(p, p + n);
        }
      }
    }
  });
}

// Raw reduction over `dims`. Leading dims of a contiguous tensor are reduced column-wise in
// place; otherwise the kept dims (in order) form the output rows and the reduced dims are moved
// last (a copy only when the layout needs one) and reduced per row. Sums of integer and bool
// tensors are int64, as PyTorch's.
Tensor reduce_raw(const Tensor& x0, const std::vector<int64_t>& dims, bool keepdim, Reduce kind, const char* op) {
  const bool floating = is_floating_point(x0.dtype());
  const Tensor x = !floating && kind == Reduce::sum ? to_dtype(x0, DType::int64) : x0;
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count == 0 && kind != Reduce::sum)
    fail<ValueError>(op, ": cannot reduce over an empty dimension (shape ", shape_str(x.shape()), ")");
  Tensor out = empty(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  bool leading = floating && x.is_contiguous() && !dims.empty() && static_cast<int64_t>(dims.size()) < x.dim();
  for (size_t i = 0; leading && i < dims.size(); ++i) leading = dims[i] == static_cast<int64_t>(i);
  if (leading && count > 0) {
    dispatch_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      reduce_columns(x.data<T>(), count, out.numel(), out.data<T>(), kind);
    });
    return out;
  }
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) perm.push_back(d);
  perm.insert(perm.end(), dims.begin(), dims.end());
  Shape pshape, pstrides;
  for (int64_t d : perm) {
    pshape.push_back(x.shape()[d]);
    pstrides.push_back(x.strides()[d]);
  }
  const Tensor xp = detail::materialize(make_view(x, pshape, pstrides, x.offset()));
  if (!floating) {
    reduce_rows_integer(xp, out.numel(), count, out, kind);
    return out;
  }
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    reduce_rows(xp.data<T>(), out.numel(), count, out.data<T>(), kind);
  });
  return out;
}

// g (reduced shape, keepdim or not) brought back to x's shape as a broadcast view.
Tensor expand_back(const Tensor& g, const Shape& xshape, const std::vector<int64_t>& dims) {
  return expand(reshape(g, reduced_shape(xshape, dims, true)), xshape);
}

Tensor extremum(const Tensor& x, std::vector<int64_t> dims0, bool keepdim, Reduce kind, const char* op) {
  const auto dims = normalize_dims(x, std::move(dims0), op);
  Tensor y = reduce_raw(x, dims, keepdim, kind, op);
  record(op, y, {x}, [x = Saved(x), y = Saved(y), dims](const Tensor& g, const NeedsGrad&) {
    // The gradient is shared evenly between tied extreme values (as PyTorch's amax/amin).
    const Tensor xv = x.get();
    const Tensor mask = compare(xv, expand_back(y.get(), xv.shape(), dims), Compare::eq);
    const Tensor count = sum(mask, dims, true);
    return grads{mask * expand_back(g, xv.shape(), dims) / count};
  });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x, std::vector<int64_t> dims0, bool keepdim) {
  const auto dims = normalize_dims(x, std::move(dims0), "sum");
  Tensor y = reduce_raw(x, dims, keepdim, Reduce::sum, "sum");
  record("sum", y, {x}, [shape = x.shape(), dims](const Tensor& g, const NeedsGrad&) {
    return grads{expand_back(g, shape, dims)};
  });
  return y;
}

Tensor mean(const Tensor& x, std::vector<int64_t> dims0, bool keepdim) {
  detail::floating_dtype("mean", {x});
  const auto dims = normalize_dims(x, std::move(dims0), "mean");
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count == 0) fail<ValueError>("mean: reduction over zero elements (shape ", shape_str(x.shape()), ")");
  return sum(x, dims, keepdim) / static_cast<double>(count);
}

Tensor var(const Tensor& x, std::vector<int64_t> dims0, int64_t correction, bool keepdim) {
  detail::floating_dtype("var", {x});
  const auto dims = normalize_dims(x, std::move(dims0), "var");
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count - correction <= 0)
    fail<ValueError>("var: ", count, " elements with correction ", correction, " leave no degrees of freedom");
  const Tensor d = x - mean(x, dims, true);
  return sum(d * d, dims, keepdim) / static_cast<double>(count - correction);
}

Tensor std_(const Tensor& x, std::vector<int64_t> dims, int64_t correction, bool keepdim) {
  return sqrt(var(x, std::move(dims), correction, keepdim));
}

Tensor max(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extremum(x, std::move(dims), keepdim, Reduce::max, "max");
}

Tensor min(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extremum(x, std::move(dims), keepdim, Reduce::min, "min");
}

Tensor logsumexp(const Tensor& x0, std::vector<int64_t> dims0, bool keepdim) {
  const Tensor x = detail::to_floating(x0);
  const auto dims = normalize_dims(x, std::move(dims0), "logsumexp");
  if (dims.size() == 1 && dims[0] == x.dim() - 1 && x.is_contiguous() && x.numel() > 0) {
    // The last dimension of a contiguous tensor: one fused kernel pass per row.
    const int64_t n = x.shape().back();
    Tensor r = empty(reduced_shape(x.shape(), dims, true), x.dtype());
    dispatch_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const auto fn = cpu::reduce_kernels<T>(cpu::kernels()).logsumexp;
      const T* in = x.data<T>();
      T* out = r.data<T>();
      detail::parallel_rows(r.numel(), n, [&](int64_t r0, int64_t r1) { fn(in + r0 * n, r1 - r0, n, out + r0); });
    });
    record("logsumexp", r, {x}, [x = Saved(x), r = Saved(r)](const Tensor& g, const NeedsGrad&) {
      return grads{exp(x.get() - r.get()) * g};  // softmax(x) g
    });
    return keepdim ? r : reshape(r, reduced_shape(x.shape(), dims, false));
  }
  Tensor m = reduce_raw(x.detach(), dims, true, Reduce::max, "logsumexp");
  // An infinite maximum would give inf - inf; shifting by 0 there keeps the exact answer.
  m = where(compare(abs(m), scalar_tensor(INFINITY, m.dtype()), Compare::eq), scalar_tensor(0.0, m.dtype()), m);
  const Tensor r = log(sum(exp(x - m), dims, true)) + m;
  return keepdim ? r : reshape(r, reduced_shape(x.shape(), dims, false));
}

Tensor any(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  NoGradGuard no_grad;
  return compare(sum(to_dtype(x.detach(), DType::bool_), std::move(dims), keepdim), wrapped_number(int64_t{0}),
                 Compare::gt);
}

Tensor all(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  NoGradGuard no_grad;
  return compare(sum(logical_not(x), std::move(dims), keepdim), wrapped_number(int64_t{0}), Compare::eq);
}

namespace {
Tensor arg_extremum(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_max, const char* op) {
  if (x.numel() == 0) fail<ValueError>(op, ": cannot reduce an empty tensor (shape ", shape_str(x.shape()), ")");
  const Tensor xv = x.dim() == 0 ? reshape(x.detach(), {1}) : x.detach();
  Tensor rows;  // (outer, n): one row per result element
  Shape out_shape;
  if (!dim) {
    rows = reshape(detail::materialize(xv), {1, x.numel()});
    out_shape = keepdim ? Shape(x.shape().size(), 1) : Shape{};
  } else {
    const int64_t d = wrap_dim(*dim, xv.dim(), op);
    std::vector<int64_t> perm;  // the kept dims in order, then d
    for (int64_t k = 0; k < xv.dim(); ++k)
      if (k != d) perm.push_back(k);
    perm.push_back(d);
    rows = reshape(detail::materialize(permute(xv, perm)), {-1, xv.shape()[d]});
    out_shape = x.dim() == 0 ? Shape{} : reduced_shape(x.shape(), {d}, keepdim);
  }
  const int64_t outer = rows.shape()[0], n = rows.shape()[1];
  Tensor out = empty({outer}, DType::int64);
  int64_t* po = out.data<int64_t>();
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = rows.data<T>();
    for (int64_t r = 0; r < outer; ++r, p += n) {
      int64_t best = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (p[i] != p[i]) {  // NaN wins (floating types only)
          best = i;
          break;
        }
        if (is_max ? p[i] > p[best] : p[i] < p[best]) best = i;
      }
      po[r] = best;
    }
  });
  return reshape(out, out_shape);
}

std::pair<Tensor, Tensor> extremum_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max, const char* op) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(x.dim(), 1), op);
  const Tensor idx = arg_extremum(x, d, true, is_max, op);
  if (x.dim() == 0) return {x, reshape(idx, {})};
  // The selected element of each row, differentiably: other elements are masked out, so the
  // gradient reaches only the selected one (as torch's max(dim), unlike amax's even split).
  Shape line(x.dim(), 1);
  line[d] = x.shape()[d];
  const Tensor mask = compare(reshape(arange(0, static_cast<double>(x.shape()[d]), 1, DType::int64), line), idx,
                              Compare::eq);
  Tensor values = to_dtype(sum(where(mask, x, wrapped_number(int64_t{0})), {d}, keepdim), x.dtype());
  return {values, keepdim ? idx : reshape(idx, reduced_shape(x.shape(), {d}, false))};
}
}  // namespace

// torch refuses argmax/argmin of bool tensors (but not max(x, dim), which returns the indices).
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  if (x.dtype() == DType::bool_) fail<TypeError>("argmax: not supported for bool tensors; convert with .long()");
  return arg_extremum(x, dim, keepdim, true, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  if (x.dtype() == DType::bool_) fail<TypeError>("argmin: not supported for bool tensors; convert with .long()");
  return arg_extremum(x, dim, keepdim, false, "argmin");
}
std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(x, dim, keepdim, true, "max");
}
std::pair<Tensor, Tensor> min_dim(const Tensor& x, int64_t dim, bool keepdim) {
  return extremum_dim(x, dim, keepdim, false, "min");
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const size_t lead = x.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t d = 0; d < x.shape().size(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(static_cast<int64_t>(d));
  if (x.shape().size() < shape.size() || broadcast_shapes(shape, x.shape(), "sum_to") != x.shape())
    fail<ValueError>("sum_to: shape ", shape_str(x.shape()), " cannot be summed to ", shape_str(shape));
  return reshape(dims.empty() ? x : sum(x, dims, true), shape);
}

}  // namespace varbayes
