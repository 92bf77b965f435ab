// Elementwise math beyond arithmetic: trigonometric, hyperbolic, error, exponential and logarithm
// functions, rounding, logit, nan_to_num, classification, and the binary atan2, fmod, remainder,
// hypot, logaddexp and lerp. Values and vjps follow PyTorch's (derivatives.yaml).
#include <cmath>
#include <limits>

#include "ops/pointwise.h"
#include "varbayes/ops.h"

namespace varbayes {

using cpu::Binary;
using cpu::Unary;
using detail::floating;
using detail::floating_map;
using grads = std::vector<Tensor>;

namespace {

// The vjp of an elementwise y = f(x): dL/dx from (g, x, y), evaluated in double per element.
using PointwiseGrad = double (*)(double g, double x, double y);

// Records y = f(x) (y already computed from x) with the vjp grad; returns y.
Tensor record_pointwise(const char* name, const Tensor& x, Tensor y, PointwiseGrad grad) {
  record(name, y, {x}, [name, x = Saved(x), y = Saved(y), grad](const Tensor& g, const NeedsGrad&) {
    const Tensor xv = x.get();
    return grads{floating_map<3>({to_dtype(g, xv.dtype()), xv, y.get()}, name, [grad](auto v) {
      return static_cast<typename decltype(v)::value_type>(grad(v[0], v[1], v[2]));
    })};
  });
  return y;
}

constexpr double kLn2 = 0.6931471805599453, kLn10 = 2.302585092994046;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;

// y = op(x) through the kernel table, with the vjp grad(g, x, y).
Tensor kernel_op(const char* name, Unary op, const Tensor& x, PointwiseGrad grad) {
  // Rounding an integer tensor changes nothing (as PyTorch); other functions compute in floats.
  const bool rounding = op == Unary::floor || op == Unary::ceil || op == Unary::round || op == Unary::trunc;
  if (rounding && !is_floating_point(x.dtype())) {
    detail::refuse_bool(x, name);
    return clone(x);
  }
  return record_pointwise(name, x, detail::unary_kernel(op, x, name), grad);
}

double zero_grad(double, double, double) { return 0.0; }

// A bool tensor, true where pred(x) holds (any dtype; not differentiable).
template <class P>
Tensor classify(const Tensor& x, const char* name, P pred) {
  return detail::broadcast_map<true, 1>({x}, name, [pred](auto v) { return pred(v[0]); });
}

}  // namespace

// ---- unary -----------------------------------------------------------------------------------

Tensor sin(const Tensor& x) {
  return kernel_op("sin", Unary::sin, x, [](double g, double x, double) { return g * std::cos(x); });
}
Tensor cos(const Tensor& x) {
  return kernel_op("cos", Unary::cos, x, [](double g, double x, double) { return -g * std::sin(x); });
}
Tensor tan(const Tensor& x) {
  return kernel_op("tan", Unary::tan, x, [](double g, double, double y) { return g * (1 + y * y); });
}
Tensor asin(const Tensor& x) {
  return kernel_op("asin", Unary::asin, x, [](double g, double x, double) { return g / std::sqrt(1 - x * x); });
}
Tensor acos(const Tensor& x) {
  return kernel_op("acos", Unary::acos, x, [](double g, double x, double) { return -g / std::sqrt(1 - x * x); });
}
Tensor atan(const Tensor& x) {
  return kernel_op("atan", Unary::atan, x, [](double g, double x, double) { return g / (1 + x * x); });
}
Tensor sinh(const Tensor& x) {
  return kernel_op("sinh", Unary::sinh, x, [](double g, double x, double) { return g * std::cosh(x); });
}
Tensor cosh(const Tensor& x) {
  return kernel_op("cosh", Unary::cosh, x, [](double g, double x, double) { return g * std::sinh(x); });
}
Tensor asinh(const Tensor& x) {
  return kernel_op("asinh", Unary::asinh, x, [](double g, double x, double) { return g / std::sqrt(x * x + 1); });
}
Tensor acosh(const Tensor& x) {
  return kernel_op("acosh", Unary::acosh, x, [](double g, double x, double) { return g / std::sqrt(x * x - 1); });
}
Tensor atanh(const Tensor& x) {
  return kernel_op("atanh", Unary::atanh, x, [](double g, double x, double) { return g / (1 - x * x); });
}
Tensor erf(const Tensor& x) {
  return kernel_op("erf", Unary::erf, x,
                   [](double g, double x, double) { return g * kTwoOverSqrtPi * std::exp(-x * x); });
}
Tensor erfc(const Tensor& x) {
  return kernel_op("erfc", Unary::erfc, x,
                   [](double g, double x, double) { return -g * kTwoOverSqrtPi * std::exp(-x * x); });
}
Tensor erfinv(const Tensor& x) {
  return kernel_op("erfinv", Unary::erfinv, x,
                   [](double g, double, double y) { return g / kTwoOverSqrtPi * std::exp(y * y); });
}
Tensor expm1(const Tensor& x) {
  return kernel_op("expm1", Unary::expm1, x, [](double g, double, double y) { return g * (y + 1); });
}
Tensor exp2(const Tensor& x) {
  return kernel_op("exp2", Unary::exp2, x, [](double g, double, double y) { return g * y * kLn2; });
}
Tensor log2(const Tensor& x) {
  return kernel_op("log2", Unary::log2, x, [](double g, double x, double) { return g / (x * kLn2); });
}
Tensor log10(const Tensor& x) {
  return kernel_op("log10", Unary::log10, x, [](double g, double x, double) { return g / (x * kLn10); });
}
Tensor rsqrt(const Tensor& x) {
  return kernel_op("rsqrt", Unary::rsqrt, x, [](double g, double, double y) { return -0.5 * g * y * y * y; });
}
Tensor square(const Tensor& x) {
  return kernel_op("square", Unary::square, x, [](double g, double x, double) { return 2 * g * x; });
}
Tensor floor(const Tensor& x) { return kernel_op("floor", Unary::floor, x, zero_grad); }
Tensor ceil(const Tensor& x) { return kernel_op("ceil", Unary::ceil, x, zero_grad); }
Tensor trunc(const Tensor& x) { return kernel_op("trunc", Unary::trunc, x, zero_grad); }
Tensor frac(const Tensor& x) {
  return kernel_op("frac", Unary::frac, x, [](double g, double, double) { return g; });
}

Tensor round(const Tensor& x0, int64_t decimals) {
  if (decimals == 0) return kernel_op("round", Unary::round, x0, zero_grad);
  const Tensor x = floating(x0);
  // As PyTorch: scale by 10^|decimals| (in the tensor's precision), round half to even, unscale.
  Tensor y = floating_map<1>({x}, "round", [decimals](auto v) {
    using T = typename decltype(v)::value_type;
    const T p = static_cast<T>(std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals)));
    return decimals < 0 ? std::nearbyint(v[0] / p) * p : std::nearbyint(v[0] * p) / p;
  });
  return record_pointwise("round", x, y, zero_grad);
}

Tensor logit(const Tensor& x0, std::optional<double> eps) {
  const Tensor x = floating(x0);
  if (!eps) {
    Tensor y = floating_map<1>({x}, "logit", [](auto v) { return std::log(v[0] / (1 - v[0])); });
    return record_pointwise("logit", x, y, [](double g, double x, double) {
      return (x < 0 || x > 1) ? std::numeric_limits<double>::quiet_NaN() : g / (x * (1 - x));
    });
  }
  const double lo = *eps, hi = 1 - *eps;
  Tensor y = floating_map<1>({x}, "logit", [lo, hi](auto v) {
    using T = typename decltype(v)::value_type;
    // NaN passes (the comparisons are false for it).
    const T z = v[0] < T(lo) ? T(lo) : (v[0] > T(hi) ? T(hi) : v[0]);
    return std::log(z / (1 - z));
  });
  // No gradient where the input was clamped (it passes at the bounds themselves).
  record(
      "logit", y, {x}, [x = Saved(x), lo, hi](const Tensor& g, const NeedsGrad&) {
        const Tensor xv = x.get();
        return grads{floating_map<2>({to_dtype(g, xv.dtype()), xv}, "logit", [lo, hi](auto v) {
          using T = typename decltype(v)::value_type;
          const T x = v[1];
          return (x < T(lo) || x > T(hi)) ? T(0) : v[0] / (x * (1 - x));
        })};
      });
  return y;
}

Tensor nan_to_num(const Tensor& x, double nan, std::optional<double> posinf, std::optional<double> neginf) {
  if (!is_floating_point(x.dtype())) return clone(x);  // integers hold no NaN or infinity
  Tensor y = floating_map<1>({x}, "nan_to_num", [nan, posinf, neginf](auto v) {
    using T = typename decltype(v)::value_type;
    using L = std::numeric_limits<T>;
    const T a = v[0];
    if (a != a) return static_cast<T>(nan);
    if (a == L::infinity()) return posinf ? static_cast<T>(*posinf) : L::max();
    if (a == -L::infinity()) return neginf ? static_cast<T>(*neginf) : L::lowest();
    return a;
  });
  return record_pointwise("nan_to_num", x, y, [](double g, double x, double) { return std::isfinite(x) ? g : 0.0; });
}

Tensor isnan(const Tensor& x) {
  return classify(x, "isnan", [](auto a) { return a != a; });
}
Tensor isinf(const Tensor& x) {
  return classify(x, "isinf", [](auto a) { return std::isinf(a); });
}
Tensor isfinite(const Tensor& x) {
  return classify(x, "isfinite", [](auto a) { return std::isfinite(a); });
}

// ---- binary ----------------------------------------------------------------------------------

namespace {

// The vjp of one operand of a binary op: a function of (g, a, b, y).
using BinaryGrad = double (*)(double g, double a, double b, double y);

// y = op(a, b) (broadcasting, promoted as add), with the vjps ga and gb summed to each operand's shape.
Tensor binary_op(const char* name, Binary op, const Tensor& a0, const Tensor& b0, BinaryGrad ga, BinaryGrad gb) {
  auto [a, b] = detail::promoted_floating(a0, b0);
  Tensor y = detail::binary_kernel(op, a, b, name);
  record(name, y, {a, b},
         [name, ga, gb, a = Saved(a), b = Saved(b), y = Saved(y)](const Tensor& g, const NeedsGrad& n) {
           const std::array<Tensor, 4> in{to_dtype(g, y.get().dtype()), a.get(), b.get(), y.get()};
           auto grad = [&](BinaryGrad d, const Shape& shape) {
             return sum_to(floating_map<4>(in, name, [d](auto v) {
                             return static_cast<typename decltype(v)::value_type>(d(v[0], v[1], v[2], v[3]));
                           }),
                           shape);
           };
           return grads{n[0] ? grad(ga, in[1].shape()) : Tensor(), n[1] ? grad(gb, in[2].shape()) : Tensor()};
         });
  return y;
}

double pass_grad(double g, double, double, double) { return g; }

// floor(a / b) as PyTorch's div(rounding_mode="floor") (and Python's //): from the exact
// remainder, so -3 // inf is -1 (not floor(-0) = 0) and no rounding of a / b moves it.
double floor_quotient(double a, double b) {
  if (b == 0) return a / b;
  const double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return std::copysign(0.0, a / b);
  const double floored = std::floor(div);
  return div - floored > 0.5 ? floored + 1 : floored;
}

}  // namespace

namespace {
// 1 / (a^2 + b^2), or 0 where that is infinite: PyTorch's atan2 vjp gives 0 at the origin.
double atan2_scale(double a, double b) {
  const double r = a * a + b * b;
  return r == 0 ? 0.0 : 1 / r;
}
}  // namespace

Tensor atan2(const Tensor& a, const Tensor& b) {
  return binary_op(
      "atan2", Binary::atan2, a, b, [](double g, double a, double b, double) { return g * b * atan2_scale(a, b); },
      [](double g, double a, double b, double) { return -g * a * atan2_scale(a, b); });
}
Tensor fmod(const Tensor& a, const Tensor& b) {
  return binary_op("fmod", Binary::fmod, a, b, pass_grad,
                   [](double g, double a, double b, double) { return -g * std::trunc(a / b); });
}
Tensor remainder(const Tensor& a, const Tensor& b) {
  // Integers follow Python's rules exactly (and have no gradient); floating point runs the kernel.
  if (!is_floating_point(result_type({a, b}))) return detail::floor_div_or_mod(a, b, true, "remainder");
  return binary_op("remainder", Binary::remainder, a, b, pass_grad,
                   [](double g, double a, double b, double) { return -g * floor_quotient(a, b); });
}
Tensor hypot(const Tensor& a, const Tensor& b) {
  return binary_op(
      "hypot", Binary::hypot, a, b, [](double g, double a, double, double y) { return g * a / y; },
      [](double g, double, double b, double y) { return g * b / y; });
}
Tensor logaddexp(const Tensor& a, const Tensor& b) {
  return binary_op(
      "logaddexp", Binary::logaddexp, a, b, [](double g, double a, double b, double) { return g / (1 + std::exp(b - a)); },
      [](double g, double a, double b, double) { return g / (1 + std::exp(a - b)); });
}

Tensor lerp(const Tensor& start0, const Tensor& end0, const Tensor& weight0) {
  const DType d = result_type({floating(start0), floating(end0), floating(weight0)});
  const Tensor s = to_dtype(start0, d), e = to_dtype(end0, d), w = to_dtype(weight0, d);
  // PyTorch's two forms: exact at w = 0 and at w = 1.
  Tensor y = floating_map<3>({s, e, w}, "lerp", [](auto v) {
    using T = typename decltype(v)::value_type;
    const T diff = v[1] - v[0];
    return std::abs(v[2]) < T(0.5) ? v[0] + v[2] * diff : v[1] - diff * (T(1) - v[2]);
  });
  record("lerp", y, {s, e, w},
         [s = Saved(s), e = Saved(e), w = Saved(w)](const Tensor& g0, const NeedsGrad& n) {
           const Tensor sv = s.get(), ev = e.get(), wv = w.get(), g = to_dtype(g0, sv.dtype());
           return grads{n[0] ? sum_to(g * (1.0 - wv), sv.shape()) : Tensor(),
                        n[1] ? sum_to(g * wv, ev.shape()) : Tensor(),
                        n[2] ? sum_to(g * (ev - sv), wv.shape()) : Tensor()};
         });
  return y;
}

}  // namespace varbayes
