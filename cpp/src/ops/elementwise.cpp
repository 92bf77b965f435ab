// Elementwise unary and binary ops (broadcasting), comparisons, where, clamp and in-place arithmetic.
#include <cmath>
#include <limits>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "ops/pointwise.h"
#include "varbayes/ops.h"

namespace varbayes {

using cpu::Binary;
using cpu::Unary;
using detail::binary_kernel;
using detail::broadcast_map;
using detail::for_each_run;
using detail::materialize;
using detail::promoted;
using detail::scalar_like;
using detail::unary_kernel;
using grads = std::vector<Tensor>;

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      fail<ValueError>(op, ": shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace detail {

Tensor unary_kernel(Unary op, const Tensor& x) {
  const Tensor xc = materialize(x);
  Tensor out = empty(x.shape(), x.dtype());
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const auto fn = cpu::unary_fn<T>(cpu::kernels());
    const T* in = xc.data<T>();
    T* o = out.data<T>();
    detail::parallel_chunks(x.numel(), [&](int64_t b, int64_t e) { fn(op, in + b, o + b, e - b); });
  });
  return out;
}

Tensor binary_kernel(Binary op, const Tensor& a, const Tensor& b, const char* name) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty(shape, a.dtype());
  dispatch_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const auto fn = cpu::binary_fn<T>(cpu::kernels());
    const T* pa = static_cast<const T*>(a.storage()->data()) + a.offset();
    const T* pb = static_cast<const T*>(b.storage()->data()) + b.offset();
    T* po = out.data<T>();
    if (a.shape() == shape && b.shape() == shape && a.is_contiguous() && b.is_contiguous()) {
      detail::parallel_chunks(out.numel(), [&](int64_t s, int64_t e) { fn(op, pa + s, 1, pb + s, 1, po + s, e - s); });
      return;
    }
    for_each_run<3>(shape, {out.strides(), detail::broadcast_strides(a, shape), detail::broadcast_strides(b, shape)},
                    [&](auto off, int64_t n, auto inner) {
                      fn(op, pa + off[1], inner[1], pb + off[2], inner[2], po + off[0], n);
                    });
  });
  return out;
}

std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b) {
  const DType d = detail::promote(a.dtype(), b.dtype());
  return {to_dtype(a, d), to_dtype(b, d)};
}

Tensor scalar_like(const Tensor& t, double v) { return scalar_tensor(v, t.dtype()); }

}  // namespace detail

// ---- unary -----------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  Tensor y = unary_kernel(Unary::neg, x);
  record("neg", y, {x}, [](const Tensor& g, const NeedsGrad&) { return grads{neg(g)}; });
  return y;
}

Tensor exp(const Tensor& x) {
  Tensor y = unary_kernel(Unary::exp, x);
  record("exp", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) { return grads{g * y.get()}; });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = unary_kernel(Unary::log, x);
  record("log", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g / x.get()}; });
  return y;
}

Tensor log1p(const Tensor& x) {
  Tensor y = unary_kernel(Unary::log1p, x);
  record("log1p", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g / (x.get() + 1.0)}; });
  return y;
}

Tensor sqrt(const Tensor& x) {
  Tensor y = unary_kernel(Unary::sqrt, x);
  record("sqrt", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) { return grads{g * 0.5 / y.get()}; });
  return y;
}

Tensor abs(const Tensor& x) {
  Tensor y = unary_kernel(Unary::abs, x);
  record("abs", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g * sign(x.get())}; });
  return y;
}

Tensor reciprocal(const Tensor& x) {
  Tensor y = unary_kernel(Unary::reciprocal, x);
  record("reciprocal", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{-(g * yv * yv)};
  });
  return y;
}

Tensor relu(const Tensor& x) {
  Tensor y = unary_kernel(Unary::relu, x);
  record("relu", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{binary_kernel(Binary::relu_grad, to_dtype(g, yv.dtype()), yv, "relu")};
  });
  return y;
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = unary_kernel(Unary::sigmoid, x);
  record("sigmoid", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{g * yv * (1.0 - yv)};
  });
  return y;
}

Tensor tanh(const Tensor& x) {
  Tensor y = unary_kernel(Unary::tanh, x);
  record("tanh", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{g * (1.0 - yv * yv)};
  });
  return y;
}

Tensor softplus(const Tensor& x) {
  Tensor y = unary_kernel(Unary::softplus, x);
  record("softplus", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g * sigmoid(x.get())}; });
  return y;
}

Tensor sign(const Tensor& x) {
  return broadcast_map<1>({x}, "sign", [](auto v) {
    using T = typename decltype(v)::value_type;
    return v[0] > T(0) ? T(1) : (v[0] < T(0) ? T(-1) : v[0]);  // keeps 0 and NaN
  });
}

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  const double l = lo.value_or(-std::numeric_limits<double>::infinity());
  const double h = hi.value_or(std::numeric_limits<double>::infinity());
  if (l > h) fail<ValueError>("clamp: min ", l, " is larger than max ", h);
  Tensor y = broadcast_map<1>({x}, "clamp", [l, h](auto v) {
    using T = typename decltype(v)::value_type;
    return v[0] != v[0] ? v[0] : std::min(std::max(v[0], static_cast<T>(l)), static_cast<T>(h));
  });
  record("clamp", y, {x}, [x = Saved(x), l, h](const Tensor& g, const NeedsGrad&) {
    // The gradient passes where min <= x <= max, as in PyTorch.
    const Tensor inside = broadcast_map<1>({x.get()}, "clamp", [l, h](auto v) {
      using T = typename decltype(v)::value_type;
      return (v[0] >= static_cast<T>(l) && v[0] <= static_cast<T>(h)) ? T(1) : T(0);
    });
    return grads{where(inside, g, scalar_like(g, 0.0))};
  });
  return y;
}

// ---- binary ----------------------------------------------------------------------------------

Tensor add(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(Binary::add, a, b, "add");
  record("add", y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& n) {
    return grads{n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(g, sb) : Tensor()};
  });
  return y;
}

Tensor sub(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(Binary::sub, a, b, "sub");
  record("sub", y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& n) {
    return grads{n[0] ? sum_to(g, sa) : Tensor(), n[1] ? sum_to(neg(g), sb) : Tensor()};
  });
  return y;
}

Tensor mul(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(Binary::mul, a, b, "mul");
  record("mul", y, {a, b}, [a = Saved(a), b = Saved(b)](const Tensor& g, const NeedsGrad& n) {
    const Tensor av = a.get(), bv = b.get();
    return grads{n[0] ? sum_to(g * bv, av.shape()) : Tensor(), n[1] ? sum_to(g * av, bv.shape()) : Tensor()};
  });
  return y;
}

Tensor div(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(Binary::div, a, b, "div");
  record("div", y, {a, b}, [sa = a.shape(), b = Saved(b), y = Saved(y)](const Tensor& g, const NeedsGrad& n) {
    const Tensor bv = b.get();
    const Tensor ga = g / bv;
    return grads{n[0] ? sum_to(ga, sa) : Tensor(), n[1] ? sum_to(-(ga * y.get()), bv.shape()) : Tensor()};
  });
  return y;
}

Tensor pow(const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(Binary::pow, a, b, "pow");
  record("pow", y, {a, b}, [a = Saved(a), b = Saved(b), y = Saved(y)](const Tensor& g, const NeedsGrad& n) {
    const Tensor av = a.get(), bv = b.get(), zero = scalar_like(av, 0.0);
    Tensor ga, gb;
    // Masks as in PyTorch: d/da is 0 where b == 0; d/db is 0 where a == 0 and b >= 0.
    if (n[0])
      ga = sum_to(where(compare(bv, zero, Compare::eq), zero, g * bv * pow(av, bv - 1.0)), av.shape());
    if (n[1]) {
      const Tensor mask = compare(av, zero, Compare::eq) * compare(bv, zero, Compare::ge);
      gb = sum_to(where(mask, zero, g * y.get() * log(av)), bv.shape());
    }
    return grads{ga, gb};
  });
  return y;
}

Tensor pow(const Tensor& a, double e) { return pow(a, scalar_like(a, e)); }

namespace {
// Gradient split as in PyTorch's maximum/minimum: all to the winner, half each on ties.
Tensor extremum(Binary op, const char* name, const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  Tensor y = binary_kernel(op, a, b, name);
  const Compare win = op == Binary::maximum ? Compare::gt : Compare::lt;
  record(name, y, {a, b}, [a = Saved(a), b = Saved(b), win](const Tensor& g, const NeedsGrad& n) {
    const Tensor av = a.get(), bv = b.get();
    const Tensor half = compare(av, bv, Compare::eq) * 0.5;
    const Tensor wa = compare(av, bv, win) + half;
    const Tensor wb = compare(bv, av, win) + half;
    return grads{n[0] ? sum_to(g * wa, av.shape()) : Tensor(), n[1] ? sum_to(g * wb, bv.shape()) : Tensor()};
  });
  return y;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(Binary::maximum, "maximum", a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(Binary::minimum, "minimum", a, b); }

Tensor compare(const Tensor& a0, const Tensor& b0, Compare c) {
  const DType d = detail::promote(a0.dtype(), b0.dtype());
  NoGradGuard no_grad;
  return broadcast_map<2>({to_dtype(a0, d), to_dtype(b0, d)}, "compare", [c](auto v) {
    using T = typename decltype(v)::value_type;
    bool r = false;
    switch (c) {
      case Compare::eq: r = v[0] == v[1]; break;
      case Compare::ne: r = v[0] != v[1]; break;
      case Compare::lt: r = v[0] < v[1]; break;
      case Compare::le: r = v[0] <= v[1]; break;
      case Compare::gt: r = v[0] > v[1]; break;
      case Compare::ge: r = v[0] >= v[1]; break;
    }
    return r ? T(1) : T(0);
  });
}

Tensor where(const Tensor& cond, const Tensor& a0, const Tensor& b0) {
  auto [a, b] = promoted(a0, b0);
  const Tensor c = to_dtype(cond.detach(), a.dtype());
  Tensor y = broadcast_map<3>({c, a, b}, "where", [](auto v) {
    using T = typename decltype(v)::value_type;
    return v[0] != T(0) ? v[1] : v[2];
  });
  record("where", y, {a, b}, [c = Saved(c), sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& n) {
    const Tensor cv = c.get(), zero = scalar_like(g, 0.0);
    return grads{n[0] ? sum_to(where(cv, g, zero), sa) : Tensor(), n[1] ? sum_to(where(cv, zero, g), sb) : Tensor()};
  });
  return y;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(a, b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(a, b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(a, b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(a, b)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_like(b, a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(b, a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(b, a), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(b, a), b); }

// ---- in place ------------------------------------------------------------------------------

namespace {
Tensor& inplace(Tensor& dst, const Tensor& src, Binary op, const char* name) {
  detail::check_inplace(dst, name);
  if (broadcast_shapes(dst.shape(), src.shape(), name) != dst.shape())
    fail<ValueError>(name, ": operand of shape ", shape_str(src.shape()), " does not broadcast to ",
                     shape_str(dst.shape()));
  const Tensor s = to_dtype(src.detach(), dst.dtype());
  if (dst.is_contiguous() && s.storage() != dst.storage()) {
    dispatch_dtype(dst.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const auto fn = cpu::binary_fn<T>(cpu::kernels());
      T* pd = dst.data<T>();
      const T* ps = static_cast<const T*>(s.storage()->data()) + s.offset();
      for_each_run<2>(dst.shape(), {dst.strides(), detail::broadcast_strides(s, dst.shape())},
                      [&](auto off, int64_t n, auto inner) {
                        fn(op, pd + off[0], inner[0], ps + off[1], inner[1], pd + off[0], n);
                      });
    });
  } else {
    // Strided or overlapping destination: compute into a temporary, then copy back.
    detail::copy_into(dst, binary_kernel(op, dst.detach(), s, name));
  }
  dst.storage()->bump_version();
  return dst;
}
}  // namespace

Tensor& add_(Tensor& dst, const Tensor& src, double alpha) {
  if (alpha == 1.0) return inplace(dst, src, Binary::add, "add_");
  detail::check_inplace(dst, "add_");
  NoGradGuard no_grad;
  return inplace(dst, src.detach() * alpha, Binary::add, "add_");
}
Tensor& mul_(Tensor& dst, const Tensor& src) { return inplace(dst, src, Binary::mul, "mul_"); }
Tensor& div_(Tensor& dst, const Tensor& src) { return inplace(dst, src, Binary::div, "div_"); }
Tensor& mul_(Tensor& dst, double value) { return inplace(dst, scalar_like(dst, value), Binary::mul, "mul_"); }

}  // namespace varbayes
