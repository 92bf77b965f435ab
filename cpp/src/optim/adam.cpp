#include <cmath>

#include "cpu/kernels.h"
#include "varbayes/ops.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

Adam::Adam(std::vector<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weight_decay,
           bool amsgrad, bool maximize, bool decoupled)
    : Optimizer({{"lr", lr},
                 {"beta1", beta1},
                 {"beta2", beta2},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"amsgrad", amsgrad ? 1.0 : 0.0},
                 {"maximize", maximize ? 1.0 : 0.0}}),
      decoupled_(decoupled) {
  add_param_groups(std::move(groups));
}

void Adam::validate(const Options& o) const {
  Optimizer::validate(o);
  check_betas_eps(o);
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
    const cpu::AdamArgs<T> args{p.data<T>(),
                                s.buffers["exp_avg"].data<T>(),
                                s.buffers["exp_avg_sq"].data<T>(),
                                amsgrad ? s.buffers["max_exp_avg_sq"].data<T>() : nullptr,
                                grad.data<T>(),
                                p.numel(),
                                lr, b1, b2, eps, wd, step_size, bc2_sqrt, decoupled_, o.at("maximize") != 0};
    cpu::optim_kernels<T>(cpu::kernels()).adam(args);
  });
}

}  // namespace varbayes::optim
