// Creation ops, copies, casts and the raw helpers of iter.h.
#include <cmath>
#include <cstring>
#include <optional>

#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes {
namespace detail {

Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  const size_t lead = shape.size() - t.shape().size();
  Shape s(shape.size(), 0);
  for (size_t i = 0; i < t.shape().size(); ++i)
    s[lead + i] = t.shape()[i] == shape[lead + i] ? t.strides()[i] : 0;
  return s;
}

void copy_into(const Tensor& dst, const Tensor& src) {
  const Shape src_strides = broadcast_strides(src, dst.shape());
  dispatch_all(dst.dtype(), [&](auto dtag) {
    using D = decltype(dtag);
    dispatch_all(src.dtype(), [&](auto stag) {
      using S = decltype(stag);
      D* d = static_cast<D*>(dst.storage()->data()) + dst.offset();
      const S* s = static_cast<const S*>(src.storage()->data()) + src.offset();
      for_each_run<2>(dst.shape(), {dst.strides(), src_strides}, [&](auto off, int64_t n, auto inner) {
        D* dp = d + off[0];
        const S* sp = s + off[1];
        if (inner[0] == 1 && inner[1] == 1 && std::is_same_v<D, S>) {
          std::memcpy(dp, sp, static_cast<size_t>(n) * sizeof(D));
        } else {
          for (int64_t i = 0; i < n; ++i) dp[i * inner[0]] = convert<D>(sp[i * inner[1]]);
        }
      });
    });
  });
}

Tensor materialize(const Tensor& x) {
  if (x.is_contiguous()) return x.detach();
  Tensor out = empty(x.shape(), x.dtype());
  copy_into(out, x);
  return out;
}

Tensor raw_expand(const Tensor& x, const Shape& shape) {
  return make_view(x, shape, broadcast_strides(x, shape), x.offset());
}

Tensor raw_select(const Tensor& x, int64_t dim, int64_t index) {
  Shape shape = x.shape(), strides = x.strides();
  const int64_t off = x.offset() + index * strides[dim];
  shape.erase(shape.begin() + dim);
  strides.erase(strides.begin() + dim);
  return make_view(x, shape, strides, off);
}

Tensor raw_slice(const Tensor& x, int64_t dim, int64_t start, int64_t stop, int64_t step) {
  Shape shape = x.shape(), strides = x.strides();
  const int64_t len = stop > start ? (stop - start + step - 1) / step : 0;
  const int64_t off = x.offset() + (len > 0 ? start * strides[dim] : 0);
  shape[dim] = len;
  strides[dim] *= step;
  return make_view(x, shape, strides, off);
}

DType floating_dtype(const char* op, std::initializer_list<Tensor> operands) {
  std::optional<DType> dt;
  for (const Tensor& t : operands) {
    if (!t.defined()) continue;
    if (!is_floating_point(t.dtype()))
      fail<TypeError>(op, ": expected floating-point tensors, got dtype ", dtype_name(t.dtype()), " (shape ",
                      shape_str(t.shape()), ")");
    dt = dt ? promote_types(*dt, t.dtype()) : t.dtype();
  }
  return dt.value_or(kDefaultFloat);
}

Tensor to_floating(const Tensor& x) { return is_floating_point(x.dtype()) ? x : to_dtype(x, kDefaultFloat); }

void check_inplace(const Tensor& t, const char* op) {
  if (grad_enabled() && t.requires_grad())
    fail<RuntimeError>(op, ": in-place change of a tensor that requires grad (shape ", shape_str(t.shape()),
                       "); do it under no_grad() or on a detached tensor");
}

}  // namespace detail

using detail::copy_into;

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (category(a) != category(b)) return category(a) > category(b) ? a : b;
  return itemsize(a) > itemsize(b) ? a : b;  // same category: the wider type
}

namespace {
// torch's combine_categories: the higher-ranked operands' dtype, unless the lower-ranked ones
// are of a higher category.
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower || is_floating_point(*higher)) return higher;
  if (*higher == DType::bool_ || is_floating_point(*lower)) return promote_types(*higher, *lower);
  return higher;
}
}  // namespace

DType result_type(const std::vector<Tensor>& operands) {
  std::optional<DType> dimmed, zero_dim, wrapped;
  auto join = [](std::optional<DType>& acc, DType d) { acc = acc ? promote_types(*acc, d) : d; };
  for (const Tensor& t : operands) {
    if (!t.defined()) continue;
    if (t.impl()->wrapped_number) join(wrapped, is_floating_point(t.dtype()) ? kDefaultFloat : t.dtype());
    else if (t.dim() == 0) join(zero_dim, t.dtype());
    else join(dimmed, t.dtype());
  }
  return combine(dimmed, combine(zero_dim, wrapped)).value_or(kDefaultFloat);
}

namespace {
template <class T>
Tensor make_wrapped(T value) {
  Tensor t = empty({}, dtype_of<T>());
  *t.data<T>() = value;
  t.impl()->wrapped_number = true;
  return t;
}
}  // namespace

Tensor wrapped_number(double value) { return make_wrapped(value); }
Tensor wrapped_number(int64_t value) { return make_wrapped(value); }
Tensor wrapped_number(bool value) { return make_wrapped(value); }

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  fill_(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }
Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(double start, double end, double step, DType dtype) {
  if (step == 0 || !std::isfinite(step) || !std::isfinite(start) || !std::isfinite(end))
    fail<ValueError>("arange: start, end and step must be finite and step non-zero (got ", start, ", ", end,
                     ", ", step, ")");
  const double count = std::ceil((end - start) / step);
  if (count > 1e15) fail<ValueError>("arange: ", count, " elements is too many");
  if (dtype == DType::bool_) fail<TypeError>("arange: dtype bool is not supported");
  const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  Tensor t = empty({n}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  if (steps < 0) fail<ValueError>("linspace: steps must be non-negative, got ", steps);
  if (dtype == DType::bool_) fail<TypeError>("linspace: dtype bool is not supported");
  Tensor t = empty({steps}, dtype);
  const double delta = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    // Fill symmetrically from both ends so the last value is exactly `end`.
    for (int64_t i = 0; i < steps; ++i)
      p[i] = convert<T>(i < steps / 2 ? start + delta * static_cast<double>(i)
                                          : end - delta * static_cast<double>(steps - 1 - i));
  });
  return t;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (m < 0) m = n;
  if (n < 0) fail<ValueError>("eye: n must be non-negative, got ", n);
  Tensor t = zeros({n, m}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return t;
}

namespace {
void check_random_dtype(DType dtype, const char* op) {
  if (!is_floating_point(dtype))
    fail<TypeError>(op, ": dtype ", dtype_name(dtype), " is not supported; samples are float32 or float64");
}
}  // namespace

Tensor randn(const Shape& shape, DType dtype, Generator* gen) {
  check_random_dtype(dtype, "randn");
  Tensor t = empty(shape, dtype);
  (gen ? *gen : current_generator()).fill_normal(t);
  return t;
}

Tensor rand(const Shape& shape, DType dtype, Generator* gen) {
  check_random_dtype(dtype, "rand");
  Tensor t = empty(shape, dtype);
  (gen ? *gen : current_generator()).fill_uniform(t);
  return t;
}

Tensor from_values(const std::vector<double>& values, const Shape& shape, DType dtype) {
  if (shape_numel(shape) != static_cast<int64_t>(values.size()))
    fail<ValueError>("from_values: ", values.size(), " values for shape ", shape_str(shape));
  Tensor t = empty(shape, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = convert<T>(values[i]);
  });
  return t;
}

Tensor clone(const Tensor& x) {
  Tensor out = empty(x.shape(), x.dtype());
  copy_into(out, x);
  record("clone", out, {x}, [](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{g}; });
  return out;
}

Tensor contiguous(const Tensor& x) { return x.is_contiguous() ? x : clone(x); }

Tensor to_dtype(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor out = empty(x.shape(), dtype);
  copy_into(out, x);
  const DType from = x.dtype();
  record("to_dtype", out, {x},
         [from](const Tensor& g, const NeedsGrad&) { return std::vector<Tensor>{to_dtype(g, from)}; });
  return out;
}

Tensor& copy_(Tensor& dst, const Tensor& src) {
  detail::check_inplace(dst, "copy_");
  if (broadcast_shapes(dst.shape(), src.shape(), "copy_") != dst.shape())
    fail<ValueError>("copy_: source of shape ", shape_str(src.shape()), " does not broadcast to ",
                     shape_str(dst.shape()));
  // A source sharing memory with the destination (e.g. a transposed view of it) is copied first.
  Tensor s = src;
  if (src.storage() == dst.storage()) {
    s = empty(src.shape(), src.dtype());
    copy_into(s, src);
  }
  copy_into(dst, s);
  dst.storage()->bump_version();
  return dst;
}

Tensor& fill_(Tensor& dst, double value) {
  detail::check_inplace(dst, "fill_");
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(dst.storage()->data()) + dst.offset();
    const T v = convert<T>(value);
    detail::for_each_run<1>(dst.shape(), {dst.strides()}, [&](auto off, int64_t n, auto inner) {
      for (int64_t i = 0; i < n; ++i) p[off[0] + i * inner[0]] = v;
    });
  });
  dst.storage()->bump_version();
  return dst;
}

Tensor& zero_(Tensor& dst) { return fill_(dst, 0.0); }

}  // namespace varbayes
