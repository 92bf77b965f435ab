#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

Adadelta::Adadelta(std::vector<ParamGroup> groups, double lr, double rho, double eps, double weight_decay,
                   bool maximize)
    : Optimizer({{"lr", lr},
                 {"rho", rho},
                 {"eps", eps},
                 {"weight_decay", weight_decay},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void Adadelta::validate(const Options& o) const {
  Optimizer::validate(o);
  check_range(o, "rho", 0, 1);
  check_range(o, "eps", 0);
}

// torch.optim.Adadelta's state: square_avg, acc_delta.
void Adadelta::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  Tensor& square_avg = s.buffer("square_avg", p);
  Tensor& acc_delta = s.buffer("acc_delta", p);
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::AdadeltaArgs<T> args{update_args<T>(o, p, grad), square_avg.data<T>(), acc_delta.data<T>(),
                                    o.at("rho"), o.at("eps")};
    cpu::optim_kernels<T>(cpu::kernels()).adadelta(args);
  });
}

}  // namespace varbayes::optim
