#include <cmath>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"
#include "varbayes/optim.h"
#include "varbayes/random.h"

namespace varbayes::optim {

namespace {
// A 64-bit seed from the next block of the current generator.
uint64_t seed_from_current_generator() {
  const auto [key, block] = current_generator().reserve(1);
  const auto r = philox4x32({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u},
                            {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)});
  return (uint64_t{r[0]} << 32) | r[1];
}
}  // namespace

SGLD::SGLD(std::vector<ParamGroup> groups, double lr, double n_data, double prior_mean, double prior_std,
           double temperature, bool preconditioned, double alpha, double eps, std::optional<uint64_t> seed)
    : Optimizer({{"lr", lr},
                 {"n_data", n_data},
                 {"prior_mean", prior_mean},
                 {"prior_std", prior_std},
                 {"temperature", temperature},
                 {"preconditioned", preconditioned ? 1.0 : 0.0},
                 {"alpha", alpha},
                 {"eps", eps}}),
      seed_(seed ? *seed : seed_from_current_generator()) {
  add_param_groups(std::move(groups));
  for (const auto& g : param_groups())
    for (const auto& p : g.params)
      if (!p.requires_grad())
        fail<ValueError>("SGLD: a parameter (shape ", shape_str(p.shape()),
                         ") does not require grad, so it would never be sampled; pass only the parameters to sample");
}

void SGLD::validate(const Options& o) const {
  Optimizer::validate(o);
  const double n_data = o.at("n_data"), prior_std = o.at("prior_std"), alpha = o.at("alpha");
  if (!(n_data > 0) || !std::isfinite(n_data)) fail<ValueError>("SGLD: n_data must be positive, got ", n_data);
  if (!std::isfinite(o.at("prior_mean"))) fail<ValueError>("SGLD: invalid prior_mean ", o.at("prior_mean"));
  if (!(prior_std > 0) || !std::isfinite(prior_std))
    fail<ValueError>("SGLD: prior_std must be positive, got ", prior_std);
  if (!(o.at("temperature") >= 0) || !std::isfinite(o.at("temperature")))
    fail<ValueError>("SGLD: temperature must be non-negative, got ", o.at("temperature"));
  if (!(alpha >= 0 && alpha < 1)) fail<ValueError>("SGLD: alpha must be in [0, 1), got ", alpha);
  if (!(o.at("eps") > 0)) fail<ValueError>("SGLD: eps must be positive, got ", o.at("eps"));
}

// Parameters keep their index in group order (groups are only ever appended), so the index names
// a parameter's noise stream across runs.
uint64_t SGLD::noise_key(const Tensor& p) {
  auto it = keys_.find(p.impl());
  if (it == keys_.end()) {
    uint64_t index = 0;
    for (const auto& g : param_groups())
      for (const auto& q : g.params) keys_[q.impl()] = index++;
    it = keys_.find(p.impl());
  }
  // Distinct Philox keys give independent streams; the odd multiplier spreads the indices.
  return seed_ + it->second * 0x9E3779B97F4A7C15ull;
}

void SGLD::update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) {
  const bool preconditioned = o.at("preconditioned") != 0;
  const bool first = preconditioned && !s.buffers.count("square_avg");
  if (first) s.buffers["square_avg"] = zeros_like(p);
  const double lr = o.at("lr"), prior_std = o.at("prior_std");
  const int64_t n = p.numel();
  const uint64_t key = noise_key(p);
  // Step t draws the blocks [(t - 1) * ceil(n / 2), t * ceil(n / 2)) of the parameter's stream.
  const uint64_t block = static_cast<uint64_t>(s.step - 1) * static_cast<uint64_t>((n + 1) / 2);
  dispatch_dtype(p.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* w = p.data<T>();
    T* v = preconditioned ? s.buffers["square_avg"].data<T>() : nullptr;
    const T* g = grad.data<T>();
    const auto kernel = cpu::optim_kernels<T>(cpu::kernels()).sgld;
    // Chunks start at even elements, so each is the draw from block + start / 2 (see random.cpp).
    detail::parallel_chunks(n, [&](int64_t b, int64_t e) {
      kernel({w + b, v ? v + b : nullptr, g + b, e - b, lr, o.at("n_data"), o.at("prior_mean"),
              1.0 / (prior_std * prior_std), std::sqrt(2.0 * lr * o.at("temperature")), o.at("alpha"),
              o.at("eps"), first, key, block + static_cast<uint64_t>(b / 2)});
    });
  });
}

}  // namespace varbayes::optim
