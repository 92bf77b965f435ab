#include <cmath>

#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

Adamax::Adamax(std::vector<ParamGroup> groups, double lr, double beta1, double beta2, double eps,
               double weight_decay, bool maximize)
    : Optimizer({{"lr", lr},
                 {"beta1", beta1},
                 {"beta2", beta2},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void Adamax::validate(const Options& o) const {
  Optimizer::validate(o);
  check_betas_eps(o);
}

// torch.optim.Adamax's state: exp_avg, exp_inf.
void Adamax::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  Tensor& exp_avg = s.buffer("exp_avg", p);
  Tensor& exp_inf = s.buffer("exp_inf", p);
  const double beta1 = o.at("beta1");
  const double step_size = o.at("lr") / (1.0 - std::pow(beta1, static_cast<double>(s.step)));
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::AdamaxArgs<T> args{update_args<T>(o, p, grad), exp_avg.data<T>(), exp_inf.data<T>(),
                                  beta1, o.at("beta2"), o.at("eps"), step_size};
    cpu::optim_kernels<T>(cpu::kernels()).adamax(args);
  });
}

}  // namespace varbayes::optim
