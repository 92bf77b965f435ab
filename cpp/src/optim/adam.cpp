#include <cmath>

#include "varbayes/ops.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

Adam::Adam(std::vector<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weight_decay,
           bool amsgrad, bool decoupled)
    : Optimizer({{"lr", lr},
                 {"beta1", beta1},
                 {"beta2", beta2},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"amsgrad", amsgrad ? 1.0 : 0.0}}),
      decoupled_(decoupled) {
  add_param_groups(std::move(groups));
}

void Adam::validate(const Options& o) const {
  Optimizer::validate(o);
  for (const char* k : {"beta1", "beta2"}) {
    const double b = o.at(k);
    if (!(b >= 0 && b < 1)) fail<ValueError>(type_name(), ": ", k, " must be in [0, 1), got ", b);
  }
  if (!(o.at("eps") >= 0)) fail<ValueError>(type_name(), ": invalid eps ", o.at("eps"));
}

// Same formulas and rounding order as torch.optim.Adam/AdamW (single-tensor path): moments by
// lerp, bias corrections folded into the step size and the denominator.
void Adam::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  const double lr = o.at("lr"), b1 = o.at("beta1"), b2 = o.at("beta2"), eps = o.at("eps"), wd = o.at("weight_decay");
  const bool amsgrad = o.at("amsgrad") != 0;
  if (!s.buffers.count("exp_avg")) {
    s.buffers["exp_avg"] = zeros_like(p);
    s.buffers["exp_avg_sq"] = zeros_like(p);
    if (amsgrad) s.buffers["max_exp_avg_sq"] = zeros_like(p);
  }
  if (amsgrad && !s.buffers.count("max_exp_avg_sq")) s.buffers["max_exp_avg_sq"] = zeros_like(p);
  const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step));
  const double bc2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(s.step)));
  const double step_size = lr / bc1;
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* w = p.data<T>();
    const T* g = grad.data<T>();
    T* m = s.buffers["exp_avg"].data<T>();
    T* v = s.buffers["exp_avg_sq"].data<T>();
    T* vmax = amsgrad ? s.buffers["max_exp_avg_sq"].data<T>() : nullptr;
    const T tb1 = static_cast<T>(1.0 - b1), tb2 = static_cast<T>(b2), t1b2 = static_cast<T>(1.0 - b2);
    const T tdecay = static_cast<T>(1.0 - lr * wd), twd = static_cast<T>(wd), teps = static_cast<T>(eps);
    const T tbc2 = static_cast<T>(bc2_sqrt), tstep = static_cast<T>(step_size);
    const bool decoupled = decoupled_;
    const int64_t n = p.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) {
      T gi = g[i];
      if (wd != 0) {
        if (decoupled) w[i] *= tdecay;
        else gi += twd * w[i];
      }
      m[i] += tb1 * (gi - m[i]);
      v[i] = v[i] * tb2 + t1b2 * gi * gi;
      T denom_v = v[i];
      if (vmax) {
        vmax[i] = std::max(vmax[i], v[i]);
        denom_v = vmax[i];
      }
      w[i] -= tstep * m[i] / (std::sqrt(denom_v) / tbc2 + teps);
    }
  });
}

}  // namespace varbayes::optim
