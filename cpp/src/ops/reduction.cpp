// Reductions over dimensions: sum, mean, var, max, min, logsumexp, sum_to.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;
enum class Kind { sum, max, min };

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

// Folds v into a running extreme; NaN wins, as in NumPy (once NaN, it stays).
template <class T>
inline T fold_extreme(T best, T v, Kind kind) {
  return (v != v || (kind == Kind::max ? v > best : v < best)) ? v : best;
}

// Reduces the leading `rows` rows of a contiguous (rows, cols) array column-wise (e.g. a bias
// gradient over the batch): whole rows are accumulated, so no transposed copy is needed.
template <class T>
void reduce_columns(const T* in, int64_t rows, int64_t cols, T* out, Kind kind) {
  constexpr int64_t kBlock = 512;  // columns per accumulator block: stays in L1
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (rows * cols >= detail::kParallelGrain && blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t j0 = b * kBlock, n = std::min(kBlock, cols - j0);
    double acc[kBlock];
    T best[kBlock];
    for (int64_t j = 0; j < n; ++j) {
      acc[j] = 0.0;
      best[j] = in[j0 + j];
    }
    for (int64_t i = 0; i < rows; ++i) {
      const T* row = in + i * cols + j0;
      if (kind == Kind::sum) {
        for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<double>(row[j]);
      } else {
        for (int64_t j = 0; j < n; ++j) best[j] = fold_extreme(best[j], row[j], kind);
      }
    }
    for (int64_t j = 0; j < n; ++j) out[j0 + j] = kind == Kind::sum ? static_cast<T>(acc[j]) : best[j];
  }
}

// Reduces each of `rows` contiguous rows of length n.
template <class T>
void reduce_rows(const T* in, int64_t rows, int64_t n, T* out, Kind kind) {
#pragma omp parallel for schedule(static) if (rows * n >= detail::kParallelGrain && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = in + r * n;
    if (kind == Kind::sum) {
      // Float32 sums accumulate in double for accuracy; simd lets the compiler reassociate.
      double acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(p[i]);
      out[r] = static_cast<T>(acc);
    } else {
      T best = p[0];
      for (int64_t i = 1; i < n; ++i) best = fold_extreme(best, p[i], kind);
      out[r] = best;
    }
  }
}

// Raw reduction over `dims`. Leading dims of a contiguous tensor are reduced column-wise in
// place; otherwise the kept dims (in order) form the output rows and the reduced dims are moved
// last (a copy only when the layout needs one) and reduced per row.
Tensor reduce_raw(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, Kind kind, const char* op) {
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count == 0 && kind != Kind::sum)
    fail<ValueError>(op, ": cannot reduce over an empty dimension (shape ", shape_str(x.shape()), ")");
  Tensor out = empty(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  bool leading = x.is_contiguous() && !dims.empty() && static_cast<int64_t>(dims.size()) < x.dim();
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

Tensor extremum(const Tensor& x, std::vector<int64_t> dims0, bool keepdim, Kind kind, const char* op) {
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
  Tensor y = reduce_raw(x, dims, keepdim, Kind::sum, "sum");
  record("sum", y, {x}, [shape = x.shape(), dims](const Tensor& g, const NeedsGrad&) {
    return grads{expand_back(g, shape, dims)};
  });
  return y;
}

Tensor mean(const Tensor& x, std::vector<int64_t> dims0, bool keepdim) {
  const auto dims = normalize_dims(x, std::move(dims0), "mean");
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count == 0) fail<ValueError>("mean: reduction over zero elements (shape ", shape_str(x.shape()), ")");
  return sum(x, dims, keepdim) / static_cast<double>(count);
}

Tensor var(const Tensor& x, std::vector<int64_t> dims0, int64_t correction, bool keepdim) {
  const auto dims = normalize_dims(x, std::move(dims0), "var");
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (count - correction <= 0)
    fail<ValueError>("var: ", count, " elements with correction ", correction, " leave no degrees of freedom");
  const Tensor d = x - mean(x, dims, true);
  return sum(d * d, dims, keepdim) / static_cast<double>(count - correction);
}

Tensor max(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extremum(x, std::move(dims), keepdim, Kind::max, "max");
}

Tensor min(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return extremum(x, std::move(dims), keepdim, Kind::min, "min");
}

Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims0, bool keepdim) {
  const auto dims = normalize_dims(x, std::move(dims0), "logsumexp");
  Tensor m = reduce_raw(x.detach(), dims, true, Kind::max, "logsumexp");
  // An infinite maximum would give inf - inf; shifting by 0 there keeps the exact answer.
  m = where(compare(abs(m), scalar_tensor(INFINITY, m.dtype()), Compare::eq), scalar_tensor(0.0, m.dtype()), m);
  const Tensor r = log(sum(exp(x - m), dims, true)) + m;
  return keepdim ? r : reshape(r, reduced_shape(x.shape(), dims, false));
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
