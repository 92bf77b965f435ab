// Views (reshape, transpose, permute, slice, select, expand, squeeze) and copies that change
// shape (index_select, cat, stack). Views share storage with their input.
#include <algorithm>
#include <numeric>

#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {

namespace {

using grads = std::vector<Tensor>;

// Replaces a single -1 by the size that keeps numel; checks the total.
Shape infer_shape(Shape shape, int64_t numel, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) fail<ValueError>(op, ": only one dimension can be -1, got ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      fail<ValueError>(op, ": invalid size ", shape[i], " in shape ", shape_str(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      fail<ValueError>(op, ": shape ", shape_str(shape), " is invalid for ", numel, " elements");
    shape[infer] = numel / known;
  } else if (known != numel) {
    fail<ValueError>(op, ": shape ", shape_str(shape), " is invalid for ", numel, " elements");
  }
  return shape;
}

// Strides that view x's memory with `shape`, if they exist (PyTorch's computeStride rule:
// each group of new dims must map onto a run of old dims that is contiguous within itself).
std::optional<Shape> view_strides(const Tensor& x, const Shape& shape) {
  const Shape& old = x.shape();
  const Shape& os = x.strides();
  Shape ns(shape.size());
  if (x.numel() == 0 || old.empty()) {
    ns = contiguous_strides(shape);
    return ns;
  }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_stride = os.back();  // stride of the innermost dim of the current chunk
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old.size()) - 1; d >= 0; --d) {
    tensor_numel *= old[d];
    if (d == 0 || (old[d - 1] != 1 && os[d - 1] != tensor_numel * chunk_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        ns[view_d] = view_numel * chunk_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_stride = os[d - 1];
        tensor_numel = view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

Tensor reshape_vjp_record(const char* name, Tensor y, const Tensor& x) {
  record(name, y, {x}, [shape = x.shape()](const Tensor& g, const NeedsGrad&) { return grads{reshape(g, shape)}; });
  return y;
}

// Normalises Python-style slice bounds for a dimension of size n.
std::pair<int64_t, int64_t> clip_bounds(int64_t start, int64_t stop, int64_t n) {
  auto fix = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  return {fix(start), fix(stop)};
}

}  // namespace

Tensor view(const Tensor& x, Shape shape0) {
  const Shape shape = infer_shape(std::move(shape0), x.numel(), "view");
  const auto st = view_strides(x, shape);
  if (!st)
    fail<ValueError>("view: shape ", shape_str(shape), " is not compatible with the strides of a tensor of shape ",
                     shape_str(x.shape()), "; use reshape() (which copies)");
  return reshape_vjp_record("view", make_view(x, shape, *st, x.offset()), x);
}

Tensor reshape(const Tensor& x, Shape shape0) {
  const Shape shape = infer_shape(std::move(shape0), x.numel(), "reshape");
  if (shape == x.shape()) return x;
  const auto st = view_strides(x, shape);
  const Tensor y = st ? make_view(x, shape, *st, x.offset()) : make_view(detail::materialize(x), shape,
                                                                         contiguous_strides(shape), 0);
  return reshape_vjp_record("reshape", y, x);
}

Tensor permute(const Tensor& x, std::vector<int64_t> dims) {
  if (static_cast<int64_t>(dims.size()) != x.dim())
    fail<ValueError>("permute: ", dims.size(), " dims given for a tensor with ", x.dim(), " dimensions");
  std::vector<int64_t> inverse(dims.size(), -1);
  Shape shape(dims.size()), strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], x.dim(), "permute");
    if (inverse[d] != -1) fail<ValueError>("permute: dimension ", d, " repeated");
    inverse[d] = static_cast<int64_t>(i);
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  Tensor y = make_view(x, shape, strides, x.offset());
  record("permute", y, {x}, [inverse](const Tensor& g, const NeedsGrad&) { return grads{permute(g, inverse)}; });
  return y;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
  std::vector<int64_t> dims(x.dim());
  std::iota(dims.begin(), dims.end(), 0);
  if (x.dim() == 0) return x;
  std::swap(dims[wrap_dim(d0, x.dim(), "transpose")], dims[wrap_dim(d1, x.dim(), "transpose")]);
  return permute(x, dims);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t stop, int64_t step) {
  if (x.dim() == 0) fail<IndexError>("slice: cannot slice a 0-d tensor");
  dim = wrap_dim(dim, x.dim(), "slice");
  if (step <= 0) fail<ValueError>("slice: step must be positive, got ", step);
  const auto [b, e] = clip_bounds(start, stop, x.shape()[dim]);
  Tensor y = detail::raw_slice(x, dim, b, e, step);
  record("slice", y, {x}, [shape = x.shape(), dtype = x.dtype(), dim, b, e, step](const Tensor& g, const NeedsGrad&) {
    Tensor gx = zeros(shape, dtype);
    detail::copy_into(detail::raw_slice(gx, dim, b, e, step), g);
    return grads{gx};
  });
  return y;
}

Tensor select(const Tensor& x, int64_t dim, int64_t index) {
  if (x.dim() == 0) fail<IndexError>("select: cannot index a 0-d tensor");
  dim = wrap_dim(dim, x.dim(), "select");
  const int64_t n = x.shape()[dim];
  if (index < -n || index >= n)
    fail<IndexError>("index ", index, " is out of range for dimension ", dim, " of size ", n);
  if (index < 0) index += n;
  Tensor y = detail::raw_select(x, dim, index);
  record("select", y, {x}, [shape = x.shape(), dtype = x.dtype(), dim, index](const Tensor& g, const NeedsGrad&) {
    Tensor gx = zeros(shape, dtype);
    detail::copy_into(detail::raw_select(gx, dim, index), g);
    return grads{gx};
  });
  return y;
}

Tensor expand(const Tensor& x, Shape shape) {
  if (shape.size() < x.shape().size())
    fail<ValueError>("expand: cannot expand shape ", shape_str(x.shape()), " to fewer dimensions ", shape_str(shape));
  const size_t lead = shape.size() - x.shape().size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (i < lead) fail<ValueError>("expand: -1 is not allowed for a new leading dimension");
      shape[i] = x.shape()[i - lead];
    }
    if (i >= lead && x.shape()[i - lead] != 1 && x.shape()[i - lead] != shape[i])
      fail<ValueError>("expand: shape ", shape_str(x.shape()), " cannot be expanded to ", shape_str(shape));
  }
  shape_numel(shape);
  if (shape == x.shape()) return x;
  Tensor y = detail::raw_expand(x, shape);
  record("expand", y, {x}, [xs = x.shape()](const Tensor& g, const NeedsGrad&) { return grads{sum_to(g, xs)}; });
  return y;
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
  dim = wrap_dim(dim, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + dim, 1);
  return reshape(x, shape);
}

Tensor squeeze(const Tensor& x, std::optional<int64_t> dim) {
  Shape shape;
  const int64_t only = dim ? wrap_dim(*dim, x.dim(), "squeeze") : -1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (x.shape()[d] != 1 || (dim && d != only)) shape.push_back(x.shape()[d]);
  return reshape(x, shape);
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = wrap_dim(start_dim, x.dim(), "flatten");
  end_dim = wrap_dim(end_dim, x.dim(), "flatten");
  if (start_dim > end_dim) fail<ValueError>("flatten: start_dim ", start_dim, " after end_dim ", end_dim);
  Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= x.shape()[d];
  shape.push_back(n);
  shape.insert(shape.end(), x.shape().begin() + end_dim + 1, x.shape().end());
  return reshape(x, shape);
}

Tensor index_select(const Tensor& x, int64_t dim, const std::vector<int64_t>& index) {
  if (x.dim() == 0) fail<IndexError>("index_select: cannot index a 0-d tensor");
  dim = wrap_dim(dim, x.dim(), "index_select");
  const int64_t n = x.shape()[dim];
  std::vector<int64_t> idx(index);
  for (int64_t& i : idx) {
    if (i < -n || i >= n)
      fail<IndexError>("index_select: index ", i, " is out of range for dimension ", dim, " of size ", n);
    if (i < 0) i += n;
  }
  Shape shape = x.shape();
  shape[dim] = static_cast<int64_t>(idx.size());
  Tensor y = empty(shape, x.dtype());
  const int64_t count = static_cast<int64_t>(idx.size());
#pragma omp parallel for schedule(static) num_threads(cpu::get_num_threads()) if (y.numel() >= detail::kParallelGrain)
  for (int64_t k = 0; k < count; ++k) detail::copy_into(detail::raw_select(y, dim, k), detail::raw_select(x, dim, idx[k]));
  record("index_select", y, {x}, [shape = x.shape(), dtype = x.dtype(), dim, idx](const Tensor& g, const NeedsGrad&) {
    Tensor gx = zeros(shape, dtype);
    for (size_t k = 0; k < idx.size(); ++k) {
      Tensor dst = detail::raw_select(gx, dim, idx[k]);
      add_(dst, detail::raw_select(g, dim, static_cast<int64_t>(k)));
    }
    return grads{gx};
  });
  return y;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) fail<ValueError>("cat: expected a non-empty list of tensors");
  const Tensor& first = xs[0];
  if (first.dim() == 0) fail<ValueError>("cat: zero-dimensional tensors cannot be concatenated; use stack");
  dim = wrap_dim(dim, first.dim(), "cat");
  DType dtype = first.dtype();
  Shape shape = first.shape();
  shape[dim] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    dtype = promote_types(dtype, t.dtype());
    bool ok = t.dim() == first.dim();
    for (int64_t d = 0; ok && d < t.dim(); ++d) ok = d == dim || t.shape()[d] == first.shape()[d];
    if (!ok)
      fail<ValueError>("cat: tensor ", i, " has shape ", shape_str(t.shape()), ", incompatible with ",
                       shape_str(first.shape()), " along dimension ", dim);
    shape[dim] += t.shape()[dim];
  }
  Tensor y = empty(shape, dtype);
  std::vector<int64_t> starts;
  std::vector<DType> dtypes;
  int64_t pos = 0;
  for (const Tensor& t : xs) {
    starts.push_back(pos);
    dtypes.push_back(t.dtype());
    detail::copy_into(detail::raw_slice(y, dim, pos, pos + t.shape()[dim], 1), t);
    pos += t.shape()[dim];
  }
  std::vector<Tensor> inputs(xs.begin(), xs.end());
  record("cat", y, inputs, [starts, dtypes, dim](const Tensor& g, const NeedsGrad& n) {
    grads out(starts.size());
    for (size_t i = 0; i < starts.size(); ++i) {
      if (!n[i]) continue;
      const int64_t stop = i + 1 < starts.size() ? starts[i + 1] : g.shape()[dim];
      out[i] = to_dtype(clone(detail::raw_slice(g, dim, starts[i], stop, 1)), dtypes[i]);
    }
    return out;
  });
  return y;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  if (xs.empty()) fail<ValueError>("stack: expected a non-empty list of tensors");
  dim = wrap_dim(dim, xs[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].shape() != xs[0].shape())
      fail<ValueError>("stack: tensor ", i, " has shape ", shape_str(xs[i].shape()), ", expected ",
                       shape_str(xs[0].shape()));
    expanded.push_back(unsqueeze(xs[i], dim));
  }
  return cat(expanded, dim);
}

}  // namespace varbayes
