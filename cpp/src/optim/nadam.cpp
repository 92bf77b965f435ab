#include <cmath>

#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

NAdam::NAdam(std::vector<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weight_decay,
             double momentum_decay, bool decoupled_weight_decay, bool maximize)
    : Optimizer({{"lr", lr},
                 {"beta1", beta1},
                 {"beta2", beta2},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"momentum_decay", momentum_decay},
                 {"decoupled_weight_decay", decoupled_weight_decay ? 1.0 : 0.0},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void NAdam::validate(const Options& o) const {
  Optimizer::validate(o);
  check_betas_eps(o);
  check_range(o, "momentum_decay", 0);
}

// torch.optim.NAdam's state: exp_avg, exp_avg_sq and the number mu_product.
void NAdam::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  Tensor& exp_avg = s.buffer("exp_avg", p);
  Tensor& exp_avg_sq = s.buffer("exp_avg_sq", p);
  const double lr = o.at("lr"), beta1 = o.at("beta1"), beta2 = o.at("beta2"), decay = o.at("momentum_decay");
  const double t = static_cast<double>(s.step);
  const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * decay));
  const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1) * decay));
  const double mu_product = s.scalars.try_emplace("mu_product", 1.0).first->second *= mu;
  const double grad_scale = -lr * (1.0 - mu) / (1.0 - mu_product);
  const double avg_scale = -lr * mu_next / (1.0 - mu_product * mu_next);
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::NadamArgs<T> args{update_args<T>(o, p, grad),
                                 exp_avg.data<T>(),
                                 exp_avg_sq.data<T>(),
                                 beta1,
                                 beta2,
                                 o.at("eps"),
                                 1.0 - std::pow(beta2, t),
                                 grad_scale,
                                 avg_scale,
                                 o.at("decoupled_weight_decay") != 0};
    cpu::optim_kernels<T>(cpu::kernels()).nadam(args);
  });
}

}  // namespace varbayes::optim
