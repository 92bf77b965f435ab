// Activation functions of torch.nn.functional beyond relu/sigmoid/tanh/softplus: gelu, silu, elu,
// leaky_relu, mish, hardtanh, softsign, prelu. Values and vjps follow PyTorch's kernels.
#include <algorithm>
#include <cmath>
#include <string>

#include "ops/pointwise.h"
#include "varbayes/ops.h"

namespace varbayes {

using detail::floating;
using detail::floating_map;
using grads = std::vector<Tensor>;

namespace {

constexpr double kSqrtHalf = 0.7071067811865476;          // 1 / sqrt(2)
constexpr double kInvSqrtTwoPi = 0.3989422804014327;      // 1 / sqrt(2 pi)
constexpr double kSqrtTwoOverPi = 0.7978845608028654;     // sqrt(2 / pi)
constexpr double kGeluTanhCubic = 0.044715;

double sigmoid_of(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }
double softplus_of(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

// y = f(x) computed in double per element (the result rounded once to x's dtype), with the vjp
// dL/dx = grad(g, x); f and grad may capture the op's parameters.
template <class F, class D>
Tensor activation(const char* name, const Tensor& x0, F f, D grad) {
  const Tensor x = floating(x0);
  Tensor y = floating_map<1>({x}, name, [f](auto v) {
    return static_cast<typename decltype(v)::value_type>(f(static_cast<double>(v[0])));
  });
  record(name, y, {x}, [name, x = Saved(x), grad](const Tensor& g, const NeedsGrad&) {
    const Tensor xv = x.get();
    return grads{floating_map<2>({to_dtype(g, xv.dtype()), xv}, name, [grad](auto v) {
      return static_cast<typename decltype(v)::value_type>(grad(double(v[0]), double(v[1])));
    })};
  });
  return y;
}

}  // namespace

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate == "none") {
    return activation(
        "gelu", x, [](double x) { return 0.5 * x * std::erfc(-x * kSqrtHalf); },
        [](double g, double x) {
          return g * (0.5 * std::erfc(-x * kSqrtHalf) + x * kInvSqrtTwoPi * std::exp(-0.5 * x * x));
        });
  }
  if (approximate == "tanh") {
    return activation(
        "gelu", x,
        [](double x) { return 0.5 * x * (1 + std::tanh(kSqrtTwoOverPi * (x + kGeluTanhCubic * x * x * x))); },
        [](double g, double x) {
          const double t = std::tanh(kSqrtTwoOverPi * (x + kGeluTanhCubic * x * x * x));
          const double dinner = kSqrtTwoOverPi * (1 + 3 * kGeluTanhCubic * x * x);
          return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner);
        });
  }
  fail<ValueError>("gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
}

Tensor silu(const Tensor& x) {
  return activation(
      "silu", x, [](double x) { return x * sigmoid_of(x); },
      [](double g, double x) {
        const double s = sigmoid_of(x);
        return g * s * (1 + x * (1 - s));
      });
}

Tensor mish(const Tensor& x) {
  return activation(
      "mish", x, [](double x) { return x * std::tanh(softplus_of(x)); },
      [](double g, double x) {
        const double t = std::tanh(softplus_of(x));
        return g * (t + x * sigmoid_of(x) * (1 - t * t));
      });
}

Tensor softsign(const Tensor& x) {
  return activation(
      "softsign", x, [](double x) { return x / (1 + std::abs(x)); },
      [](double g, double x) {
        const double d = 1 + std::abs(x);
        return g / (d * d);
      });
}

Tensor elu(const Tensor& x, double alpha) {
  return activation(
      "elu", x, [alpha](double x) { return x > 0 ? x : alpha * std::expm1(x); },
      [alpha](double g, double x) { return x <= 0 ? g * alpha * std::exp(x) : g; });  // NaN: g, as PyTorch
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return activation(
      "leaky_relu", x, [negative_slope](double x) { return x > 0 ? x : x * negative_slope; },
      [negative_slope](double g, double x) { return x > 0 ? g : g * negative_slope; });
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  if (min_val > max_val) fail<ValueError>("hardtanh: min_val ", min_val, " is larger than max_val ", max_val);
  // The gradient passes strictly inside the bounds only (not at them, nor at NaN), as PyTorch's.
  return activation(
      "hardtanh", x,
      [min_val, max_val](double x) { return x != x ? x : std::min(std::max(x, min_val), max_val); },
      [min_val, max_val](double g, double x) { return (x > min_val && x < max_val) ? g : 0.0; });
}

Tensor prelu(const Tensor& x0, const Tensor& weight0) {
  const int64_t channels = x0.dim() >= 2 ? x0.shape()[1] : 1;
  if (weight0.numel() != 1 && weight0.numel() != channels)
    fail<ValueError>("prelu: weight of shape ", shape_str(weight0.shape()), " has ", weight0.numel(),
                     " values; expected 1 or the ", channels, " channels (dimension 1) of input of shape ",
                     shape_str(x0.shape()));
  const DType d = result_type({floating(x0), floating(weight0)});
  const Tensor x = to_dtype(x0, d);
  // One value for all, or one per channel broadcast along dimension 1.
  Shape wshape;
  if (weight0.numel() != 1) {
    wshape.assign(static_cast<size_t>(x.dim() - 1), 1);
    wshape[0] = channels;
  }
  const Tensor w = reshape(to_dtype(weight0, d), wshape);
  Tensor y = floating_map<2>({x, w}, "prelu", [](auto v) {
    using T = typename decltype(v)::value_type;
    return v[0] > T(0) ? v[0] : v[1] * v[0];
  });
  record("prelu", y, {x, w}, [x = Saved(x), w = Saved(w)](const Tensor& g0, const NeedsGrad& n) {
    const Tensor xv = x.get(), wv = w.get(), g = to_dtype(g0, xv.dtype());
    Tensor gx, gw;
    if (n[0])
      gx = floating_map<3>({g, xv, wv}, "prelu", [](auto v) {
        using T = typename decltype(v)::value_type;
        return v[1] > T(0) ? v[0] : v[2] * v[0];
      });
    if (n[1])
      gw = sum_to(floating_map<2>({g, xv}, "prelu", [](auto v) {
                    using T = typename decltype(v)::value_type;
                    return v[1] > T(0) ? T(0) : v[1] * v[0];
                  }),
                  wv.shape());
    return grads{gx, gw};
  });
  return y;
}

}  // namespace varbayes
