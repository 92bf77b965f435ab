#include <cmath>

#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

RAdam::RAdam(std::vector<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weight_decay,
             bool decoupled_weight_decay, bool maximize)
    : Optimizer({{"lr", lr},
                 {"beta1", beta1},
                 {"beta2", beta2},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"decoupled_weight_decay", decoupled_weight_decay ? 1.0 : 0.0},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void RAdam::validate(const Options& o) const {
  Optimizer::validate(o);
  check_betas_eps(o);
}

// torch.optim.RAdam's state: exp_avg, exp_avg_sq. rho_t estimates the length of the moving average
// of g^2; above 5 its variance is tractable and the adaptive step is rectified by it.
void RAdam::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  Tensor& exp_avg = s.buffer("exp_avg", p);
  Tensor& exp_avg_sq = s.buffer("exp_avg_sq", p);
  const double beta1 = o.at("beta1"), beta2 = o.at("beta2"), t = static_cast<double>(s.step);
  const double bias_correction2 = 1.0 - std::pow(beta2, t);
  const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
  const double rho_t = rho_inf - 2.0 * t * std::pow(beta2, t) / bias_correction2;
  // pow(x, 0.5) rather than sqrt, as torch's Python arithmetic rounds.
  const double rect =
      rho_t > 5.0 ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5) : 0.0;
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::RadamArgs<T> args{update_args<T>(o, p, grad),
                                 exp_avg.data<T>(),
                                 exp_avg_sq.data<T>(),
                                 beta1,
                                 beta2,
                                 o.at("eps"),
                                 1.0 - std::pow(beta1, t),
                                 std::pow(bias_correction2, 0.5),
                                 rect,
                                 o.at("decoupled_weight_decay") != 0};
    cpu::optim_kernels<T>(cpu::kernels()).radam(args);
  });
}

}  // namespace varbayes::optim
