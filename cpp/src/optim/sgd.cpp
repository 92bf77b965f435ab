#include <cmath>

#include "varbayes/ops.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

SGD::SGD(std::vector<ParamGroup> groups, double lr, double momentum, double dampening, double weight_decay,
         bool nesterov)
    : Optimizer({{"lr", lr},
                 {"momentum", momentum},
                 {"dampening", dampening},
                 {"weight_decay", weight_decay},
                 {"nesterov", nesterov ? 1.0 : 0.0}}) {
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
    T* w = p.data<T>();
    const T* g = grad.data<T>();
    T* buf = momentum != 0 ? s.buffers["momentum_buffer"].data<T>() : nullptr;
    const T tlr = static_cast<T>(lr), tm = static_cast<T>(momentum), tdamp = static_cast<T>(1.0 - dampening),
            twd = static_cast<T>(wd);
    const int64_t n = p.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int64_t i = 0; i < n; ++i) {
      T d = g[i];
      if (wd != 0) d += twd * w[i];
      if (buf) {
        buf[i] = first ? d : tm * buf[i] + tdamp * d;
        d = nesterov ? d + tm * buf[i] : buf[i];
      }
      w[i] -= tlr * d;
    }
  });
}

}  // namespace varbayes::optim
