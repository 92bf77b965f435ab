#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

RMSprop::RMSprop(std::vector<ParamGroup> groups, double lr, double alpha, double eps, double weight_decay,
                 double momentum, bool centered, bool maximize)
    : Optimizer({{"lr", lr},
                 {"alpha", alpha},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"momentum", momentum},
                 {"centered", centered ? 1.0 : 0.0},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void RMSprop::validate(const Options& o) const {
  Optimizer::validate(o);
  check_range(o, "eps", 0);
  check_range(o, "momentum", 0);
  check_range(o, "alpha", 0);
}

// torch.optim.RMSprop's state: square_avg, grad_avg (centered), momentum_buffer (momentum > 0).
void RMSprop::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  const double momentum = o.at("momentum");
  Tensor& square_avg = s.buffer("square_avg", p);
  Tensor* grad_avg = o.at("centered") != 0 ? &s.buffer("grad_avg", p) : nullptr;
  Tensor* buf = momentum > 0 ? &s.buffer("momentum_buffer", p) : nullptr;
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::RmspropArgs<T> args{update_args<T>(o, p, grad), square_avg.data<T>(),
                                   grad_avg ? grad_avg->data<T>() : nullptr, buf ? buf->data<T>() : nullptr,
                                   o.at("alpha"), o.at("eps"), momentum};
    cpu::optim_kernels<T>(cpu::kernels()).rmsprop(args);
  });
}

}  // namespace varbayes::optim
