// Elementwise unary and binary ops (broadcasting), comparisons, where, clamp and in-place arithmetic.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "ops/pointwise.h"
#include "varbayes/ops.h"

namespace varbayes {

using cpu::Binary;
using cpu::Unary;
using detail::for_each_run;
using detail::any_of;
using detail::binary_kernel;
using detail::broadcast_map;
using detail::materialize;
using detail::promoted;
using detail::promoted_floating;
using detail::refuse_bool;
using detail::scalar_like;
using detail::unary_kernel;
using detail::wrap_mul;
using detail::wrap_sub;
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

void refuse_bool(const Tensor& x, const char* op) {
  if (x.dtype() == DType::bool_)
    fail<TypeError>(op, ": not supported for bool tensors (shape ", shape_str(x.shape()),
                    "); use logical_not / logical_xor or convert with .long()");
}

namespace {
// neg, abs and relu of an integer tensor (no SIMD kernel; bool is refused as in PyTorch).
Tensor integer_unary(Unary op, const Tensor& x, const char* name) {
  refuse_bool(x, name);
  return broadcast_map<false, 1>({x}, name, [op](auto v) {
    using T = typename decltype(v)::value_type;
    const T zero{};
    if (op == Unary::neg || (op == Unary::abs && v[0] < zero)) return wrap_sub(zero, v[0]);
    if (op == Unary::relu && v[0] < zero) return zero;
    return v[0];
  });
}
}  // namespace

Tensor unary_kernel(Unary op, const Tensor& x, const char* name) {
  if (!is_floating_point(x.dtype())) {
    if (op == Unary::neg || op == Unary::abs || op == Unary::relu) return integer_unary(op, x, name);
    if (op == Unary::softplus)
      fail<TypeError>(name, ": expected a floating-point tensor, got dtype ", dtype_name(x.dtype()));
    return unary_kernel(op, to_dtype(x, kDefaultFloat), name);
  }
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

namespace {
// add, sub, mul, pow, maximum, minimum of integer or bool tensors of one dtype (pow's exponents
// are checked non-negative by pow).
Tensor integer_binary(Binary op, const Tensor& a, const Tensor& b, const char* name) {
  return broadcast_map<false, 2>({a, b}, name, [op](auto v) {
    using T = typename decltype(v)::value_type;
    switch (op) {
      case Binary::add: return wrap_add(v[0], v[1]);
      case Binary::sub: return wrap_sub(v[0], v[1]);
      case Binary::mul: return wrap_mul(v[0], v[1]);
      case Binary::pow:
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return int_pow(v[0], v[1]);
        else return v[0];  // floating pow runs the SIMD kernel, bool pow is refused
      case Binary::maximum: return std::max(v[0], v[1]);
      default: return std::min(v[0], v[1]);  // Binary::minimum
    }
  });
}
}  // namespace

// out = a (op) b for a and b already of one dtype; out is a new tensor of the broadcast shape.
Tensor binary_kernel(Binary op, const Tensor& a, const Tensor& b, const char* name) {
  if (!is_floating_point(a.dtype())) return integer_binary(op, a, b, name);
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

// Brings a and b to their result_type, differentiably.
std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b) {
  const DType d = result_type({a, b});
  return {to_dtype(a, d), to_dtype(b, d)};
}

// As promoted, with integer and bool results raised to the default float dtype (true division).
std::pair<Tensor, Tensor> promoted_floating(const Tensor& a, const Tensor& b) {
  DType d = result_type({a, b});
  if (!is_floating_point(d)) d = kDefaultFloat;
  return {to_dtype(a, d), to_dtype(b, d)};
}


Tensor floating(const Tensor& x) { return is_floating_point(x.dtype()) ? x : to_dtype(x, kDefaultFloat); }

Tensor scalar_like(const Tensor& t, double v) { return scalar_tensor(v, t.dtype()); }

}  // namespace detail

// ---- unary -----------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  Tensor y = unary_kernel(Unary::neg, x, "neg");
  record("neg", y, {x}, [](const Tensor& g, const NeedsGrad&) { return grads{neg(g)}; });
  return y;
}

Tensor exp(const Tensor& x) {
  Tensor y = unary_kernel(Unary::exp, x, "exp");
  record("exp", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) { return grads{g * y.get()}; });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = unary_kernel(Unary::log, x, "log");
  record("log", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g / x.get()}; });
  return y;
}

Tensor log1p(const Tensor& x) {
  Tensor y = unary_kernel(Unary::log1p, x, "log1p");
  record("log1p", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g / (x.get() + 1.0)}; });
  return y;
}

Tensor sqrt(const Tensor& x) {
  Tensor y = unary_kernel(Unary::sqrt, x, "sqrt");
  record("sqrt", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) { return grads{g * 0.5 / y.get()}; });
  return y;
}

Tensor abs(const Tensor& x) {
  Tensor y = unary_kernel(Unary::abs, x, "abs");
  record("abs", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g * sign(x.get())}; });
  return y;
}

Tensor reciprocal(const Tensor& x) {
  Tensor y = unary_kernel(Unary::reciprocal, x, "reciprocal");
  record("reciprocal", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{-(g * yv * yv)};
  });
  return y;
}

Tensor relu(const Tensor& x) {
  Tensor y = unary_kernel(Unary::relu, x, "relu");
  record("relu", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{binary_kernel(Binary::relu_grad, to_dtype(g, yv.dtype()), yv, "relu")};
  });
  return y;
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = unary_kernel(Unary::sigmoid, x, "sigmoid");
  record("sigmoid", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{g * yv * (1.0 - yv)};
  });
  return y;
}

Tensor tanh(const Tensor& x) {
  Tensor y = unary_kernel(Unary::tanh, x, "tanh");
  record("tanh", y, {x}, [y = Saved(y)](const Tensor& g, const NeedsGrad&) {
    const Tensor yv = y.get();
    return grads{g * (1.0 - yv * yv)};
  });
  return y;
}

Tensor softplus(const Tensor& x) {
  Tensor y = unary_kernel(Unary::softplus, x, "softplus");
  record("softplus", y, {x}, [x = Saved(x)](const Tensor& g, const NeedsGrad&) { return grads{g * sigmoid(x.get())}; });
  return y;
}

Tensor sign(const Tensor& x) {
  return broadcast_map<false, 1>({x}, "sign", [](auto v) {
    using T = typename decltype(v)::value_type;
    if constexpr (std::is_same_v<T, bool>) return v[0];
    else return v[0] > T(0) ? T(1) : (v[0] < T(0) ? T(-1) : v[0]);  // keeps 0 and NaN
  });
}

Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  const double l = lo.value_or(-std::numeric_limits<double>::infinity());
  const double h = hi.value_or(std::numeric_limits<double>::infinity());
  if (l > h) fail<ValueError>("clamp: min ", l, " is larger than max ", h);
  // An integer tensor keeps its dtype, its bounds saturated to the type's range.
  Tensor y = broadcast_map<false, 1>({x}, "clamp", [l, h](auto v) {
    using T = typename decltype(v)::value_type;
    return v[0] != v[0] ? v[0] : std::min(std::max(v[0], convert<T>(l)), convert<T>(h));
  });
  record("clamp", y, {x}, [x = Saved(x), l, h](const Tensor& g, const NeedsGrad&) {
    // The gradient passes where min <= x <= max, as in PyTorch.
    const Tensor inside = broadcast_map<true, 1>({x.get()}, "clamp", [l, h](auto v) {
      using T = typename decltype(v)::value_type;
      return v[0] >= static_cast<T>(l) && v[0] <= static_cast<T>(h);
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
  refuse_bool(a0, "sub");
  refuse_bool(b0, "sub");
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
  auto [a, b] = promoted_floating(a0, b0);
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
  refuse_bool(a, "pow");
  // As torch, only a negative number exponent is refused; negative exponents in a tensor give
  // the truncated integer result (int_pow).
  if (!is_floating_point(a.dtype()) && b0.impl()->wrapped_number && any_of(b, [](auto v) { return v < decltype(v)(0); }))
    fail<RuntimeError>("pow: integers to negative integer powers are not allowed");
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

Tensor pow(const Tensor& a, double e) { return pow(a, wrapped_number(e)); }

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

namespace detail {
// floor_divide and remainder: Python's rules (the quotient rounds toward -inf, the remainder has
// the divisor's sign), in floating point or integers.
Tensor floor_div_or_mod(const Tensor& a0, const Tensor& b0, bool mod, const char* name) {
  NoGradGuard no_grad;
  auto [a, b] = promoted(a0, b0);
  refuse_bool(a, name);
  if (!is_floating_point(a.dtype()) && any_of(b, [](auto v) { return v == decltype(v)(0); }))
    fail<RuntimeError>(name, ": integer division by zero (ZeroDivisionError)");
  return broadcast_map<false, 2>({a, b}, name, [mod](auto v) {
    using T = typename decltype(v)::value_type;
    if constexpr (std::is_floating_point_v<T>) {
      if (!mod) return std::floor(v[0] / v[1]);
      T r = std::fmod(v[0], v[1]);
      if (r != T(0) && ((r < T(0)) != (v[1] < T(0)))) r += v[1];
      return r;
    } else if constexpr (std::is_same_v<T, bool>) {
      return v[0];  // refused above
    } else {
      // -2**63 / -1 overflows: wrap it as PyTorch does instead of trapping.
      if (v[1] == T(-1)) return mod ? T(0) : wrap_sub(T(0), v[0]);
      T q = static_cast<T>(v[0] / v[1]), r = static_cast<T>(v[0] % v[1]);
      if (r != T(0) && ((r < T(0)) != (v[1] < T(0)))) {
        --q;
        r = static_cast<T>(r + v[1]);
      }
      return mod ? r : q;
    }
  });
}
}  // namespace detail

Tensor floor_divide(const Tensor& a, const Tensor& b) { return detail::floor_div_or_mod(a, b, false, "floor_divide"); }


Tensor compare(const Tensor& a0, const Tensor& b0, Compare c) {
  NoGradGuard no_grad;
  auto [a, b] = promoted(a0, b0);
  return broadcast_map<true, 2>({a, b}, "compare", [c](auto v) {
    switch (c) {
      case Compare::eq: return v[0] == v[1];
      case Compare::ne: return v[0] != v[1];
      case Compare::lt: return v[0] < v[1];
      case Compare::le: return v[0] <= v[1];
      case Compare::gt: return v[0] > v[1];
      default: return v[0] >= v[1];  // Compare::ge
    }
  });
}

Tensor where(const Tensor& cond, const Tensor& a0, const Tensor& b0) {
  if (cond.dtype() != DType::bool_)
    fail<TypeError>("where: expected a bool condition, got dtype ", dtype_name(cond.dtype()), " (shape ",
                    shape_str(cond.shape()), "); compare first, e.g. where(x > 0, ...)");
  auto [a, b] = promoted(a0, b0);
  const Tensor c = cond.detach();
  const Shape shape = broadcast_shapes(broadcast_shapes(c.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor y = empty(shape, a.dtype());
  dispatch_all(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* pc = static_cast<const bool*>(c.storage()->data()) + c.offset();
    const T* pa = static_cast<const T*>(a.storage()->data()) + a.offset();
    const T* pb = static_cast<const T*>(b.storage()->data()) + b.offset();
    T* po = y.data<T>();
    for_each_run<4>(shape, {y.strides(), detail::broadcast_strides(c, shape), detail::broadcast_strides(a, shape),
                            detail::broadcast_strides(b, shape)},
                    [&](auto off, int64_t n, auto inner) {
                      for (int64_t i = 0; i < n; ++i)
                        po[off[0] + i * inner[0]] = pc[off[1] + i * inner[1]] ? pa[off[2] + i * inner[2]]
                                                                               : pb[off[3] + i * inner[3]];
                    });
  });
  record("where", y, {a, b}, [c = Saved(c), sa = a.shape(), sb = b.shape()](const Tensor& g, const NeedsGrad& n) {
    const Tensor cv = c.get(), zero = scalar_like(g, 0.0);
    return grads{n[0] ? sum_to(where(cv, g, zero), sa) : Tensor(), n[1] ? sum_to(where(cv, zero, g), sb) : Tensor()};
  });
  return y;
}

// ---- logical and bitwise ------------------------------------------------------------------

Tensor logical_not(const Tensor& x) { return compare(to_dtype(x.detach(), DType::bool_), wrapped_number(false), Compare::eq); }

Tensor logical(const Tensor& a, const Tensor& b, Logic op) {
  NoGradGuard no_grad;
  return bitwise(to_dtype(a, DType::bool_), to_dtype(b, DType::bool_), op);
}

namespace {
void check_bitwise(const Tensor& x, const char* op) {
  if (is_floating_point(x.dtype()))
    fail<TypeError>(op, ": expected integer or bool tensors, got dtype ", dtype_name(x.dtype()), " (shape ",
                    shape_str(x.shape()), ")");
}
}  // namespace

Tensor bitwise_not(const Tensor& x) {
  check_bitwise(x, "bitwise_not");
  return broadcast_map<false, 1>({x}, "bitwise_not", [](auto v) {
    using T = typename decltype(v)::value_type;
    if constexpr (std::is_same_v<T, bool>) return !v[0];
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(~v[0]);
    else return v[0];  // refused above
  });
}

Tensor bitwise(const Tensor& a0, const Tensor& b0, Logic op) {
  const char* name = op == Logic::and_ ? "bitwise_and" : op == Logic::or_ ? "bitwise_or" : "bitwise_xor";
  auto [a, b] = promoted(a0.detach(), b0.detach());
  check_bitwise(a, name);
  return broadcast_map<false, 2>({a, b}, name, [op](auto v) {
    using T = typename decltype(v)::value_type;
    if constexpr (std::is_integral_v<T>) {
      switch (op) {
        case Logic::and_: return static_cast<T>(v[0] & v[1]);
        case Logic::or_: return static_cast<T>(v[0] | v[1]);
        default: return static_cast<T>(v[0] ^ v[1]);
      }
    } else {
      return v[0];  // refused above
    }
  });
}

Tensor nonzero(const Tensor& x) {
  const Tensor flags = materialize(to_dtype(x.detach(), DType::bool_));
  const bool* p = flags.data<bool>();
  const int64_t n = flags.numel(), nd = x.dim();
  const int64_t count = std::count(p, p + n, true);
  Tensor out = empty({count, nd}, DType::int64);
  int64_t* o = out.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (!p[i]) continue;
    for (int64_t d = nd - 1, rem = i; d >= 0; --d) {
      o[d] = rem % x.shape()[d];
      rem /= x.shape()[d];
    }
    o += nd;
  }
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, wrapped_number(b)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, wrapped_number(b)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, wrapped_number(b)); }
Tensor operator/(const Tensor& a, double b) { return div(a, wrapped_number(b)); }
Tensor operator+(double a, const Tensor& b) { return add(wrapped_number(a), b); }
Tensor operator-(double a, const Tensor& b) { return sub(wrapped_number(a), b); }
Tensor operator*(double a, const Tensor& b) { return mul(wrapped_number(a), b); }
Tensor operator/(double a, const Tensor& b) { return div(wrapped_number(a), b); }

// ---- in place ------------------------------------------------------------------------------

namespace {
Tensor& inplace(Tensor& dst, const Tensor& src, Binary op, const char* name) {
  detail::check_inplace(dst, name);
  if (broadcast_shapes(dst.shape(), src.shape(), name) != dst.shape())
    fail<ValueError>(name, ": operand of shape ", shape_str(src.shape()), " does not broadcast to ",
                     shape_str(dst.shape()));
  DType rt = result_type({dst, src});
  if (op == Binary::div && !is_floating_point(rt)) rt = kDefaultFloat;
  if (!can_cast(rt, dst.dtype()))
    fail<TypeError>(name, ": result type ", dtype_name(rt), " can't be cast to the tensor's dtype ",
                    dtype_name(dst.dtype()));
  const Tensor s = to_dtype(src.detach(), dst.dtype());
  if (dst.is_contiguous() && s.storage() != dst.storage() && is_floating_point(dst.dtype())) {
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
  // An integral alpha keeps an integer src integer (torch's add_(other, alpha=2) on int64); on
  // bool, alpha is a truth value.
  const bool integral = alpha == std::trunc(alpha) && std::abs(alpha) < 0x1p62;
  const Tensor scale = dst.dtype() == DType::bool_ ? wrapped_number(alpha != 0.0)
                       : integral                  ? wrapped_number(static_cast<int64_t>(alpha))
                                                   : wrapped_number(alpha);
  return inplace(dst, src.detach() * scale, Binary::add, "add_");
}
Tensor& sub_(Tensor& dst, const Tensor& src, double alpha) {
  refuse_bool(dst, "sub_");
  refuse_bool(src, "sub_");
  return add_(dst, src, -alpha);
}
Tensor& mul_(Tensor& dst, const Tensor& src) { return inplace(dst, src, Binary::mul, "mul_"); }
Tensor& div_(Tensor& dst, const Tensor& src) { return inplace(dst, src, Binary::div, "div_"); }
Tensor& mul_(Tensor& dst, double value) { return inplace(dst, wrapped_number(value), Binary::mul, "mul_"); }

}  // namespace varbayes
