#include <cmath>

#include "cpu/kernels.h"
#include "varbayes/ops.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

SGD::SGD(std::vector<ParamGroup> groups, double lr, double momentum, double dampening, double weight_decay,
         bool nesterov, bool maximize)
    : Optimizer({{"lr", lr},
                 {"momentum", momentum},
                 {"dampening", dampening},
                 {"weight_decay", weight_decay},
                 {"nesterov", nesterov ? 1.0 : 0.0},
                 {"maximize", maximize ? 1.0 : 0.0}}) {
  add_param_groups(std::move(groups));
}

void SGD::validate(const Options& o) const {
  Optimizer::validate(o);
  const double m = o.at("momentum"), d = o.at("dampening");
  if (!(m >= 0)) fail<ValueError>("SGD: invalid momentum ", m);
  if (o.at("nesterov") != 0 && (m <= 0 || d != 0))
    fail<ValueError>("SGD: Nesterov momentum requires a momentum and zero dampening");
}

// Same update order and rounding as torch.optim.SGD (single-tensor path).
void SGD::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  const double lr = o.at("lr"), momentum = o.at("momentum"), dampening = o.at("dampening");
  const double wd = o.at("weight_decay");
  const bool nesterov = o.at("nesterov") != 0;
  const bool first = !s.buffers.count("momentum_buffer");
  if (momentum != 0 && first) s.buffers["momentum_buffer"] = zeros_like(p);
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const cpu::SgdArgs<T> args{p.data<T>(), momentum != 0 ? s.buffers["momentum_buffer"].data<T>() : nullptr,
                               grad.data<T>(), p.numel(), lr, momentum, dampening, wd, nesterov, first,
                               o.at("maximize") != 0};
    cpu::optim_kernels<T>(cpu::kernels()).sgd(args);
  });
}

}  // namespace varbayes::optim
