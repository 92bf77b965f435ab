#include "optim/update_args.h"
#include "varbayes/ops.h"

namespace varbayes::optim {

Adagrad::Adagrad(std::vector<ParamGroup> groups, double lr, double lr_decay, double weight_decay,
                 double initial_accumulator_value, double eps, bool maximize)
    : Optimizer({{"lr", lr},
                 {"lr_decay", lr_decay},
                 {"weight_decay", weight_decay},
                 {"initial_accumulator_value", initial_accumulator_value},
                 {"eps", eps},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void Adagrad::validate(const Options& o) const {
  Optimizer::validate(o);
  check_range(o, "lr_decay", 0);
  check_range(o, "initial_accumulator_value", 0);
  check_range(o, "eps", 0);
}

// torch.optim.Adagrad's state: sum (of squared gradients, from initial_accumulator_value).
void Adagrad::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  Tensor& sum = s.buffer("sum", p, o.at("initial_accumulator_value"));
  const double lr = o.at("lr") / (1.0 + static_cast<double>(s.step - 1) * o.at("lr_decay"));
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::AdagradArgs<T> args{update_args<T>(o, p, grad, lr), sum.data<T>(), o.at("eps")};
    cpu::optim_kernels<T>(cpu::kernels()).adagrad(args);
  });
}

}  // namespace varbayes::optim
