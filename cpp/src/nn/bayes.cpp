// Bayesian layers and Gaussian priors.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "ops/iter.h"
#include "varbayes/bayes.h"

namespace varbayes::nn {

namespace {
thread_local bool t_sampling = true;

// Whether a prior of shape `prior` broadcasts to exactly `target` (so the error names the prior).
bool fits(const Shape& target, const Shape& prior) {
  if (prior.size() > target.size()) return false;
  for (size_t i = 1; i <= prior.size(); ++i)
    if (prior[prior.size() - i] != 1 && prior[prior.size() - i] != target[target.size() - i]) return false;
  return true;
}
}  // namespace

bool sampling_enabled() { return t_sampling; }
void set_sampling_enabled(bool enabled) { t_sampling = enabled; }

NormalPrior::NormalPrior(const Tensor& mean0, const Tensor& std0, bool trainable) : trainable_(trainable) {
  NoGradGuard no_grad;
  const Shape shape = broadcast_shapes(mean0.shape(), std0.shape(), "NormalPrior");
  const DType dt = detail::floating_dtype("NormalPrior", {detail::to_floating(mean0), detail::to_floating(std0)});
  Tensor mean = varbayes::clone(to_dtype(expand(mean0.detach(), shape), dt));
  Tensor std = varbayes::clone(to_dtype(expand(std0.detach(), shape), dt));
  if (!(min(std).item() > 0.0) || !std::isfinite(max(std).item()))
    fail<ValueError>("NormalPrior: std must be positive and finite everywhere");
  if (!std::isfinite(sum(abs(mean)).item())) fail<ValueError>("NormalPrior: mean must be finite");
  if (trainable) {
    register_parameter("mean", mean);
    // std = softplus(std_rho) keeps the learned std positive.
    Tensor rho = empty(shape, dt);
    dispatch_dtype(dt, [&](auto tag) {
      using T = decltype(tag);
      const T* s = std.data<T>();
      T* r = rho.data<T>();
      for (int64_t i = 0; i < rho.numel(); ++i) r[i] = static_cast<T>(inverse_softplus(static_cast<double>(s[i])));
    });
    register_parameter("std_rho", rho);
  } else {
    register_buffer("mean", mean);
    register_buffer("std", std);
  }
}

NormalPrior::NormalPrior(double mean, double std, bool trainable)
    : NormalPrior(scalar_tensor(mean), scalar_tensor(std), trainable) {}

Tensor NormalPrior::mean() const {
  if (trainable_) return param("mean");
  for (const auto& [n, t] : named_buffers(false))
    if (n == "mean") return t;
  fail<RuntimeError>("NormalPrior has no mean");
}

Tensor NormalPrior::std() const {
  if (trainable_) return softplus(param("std_rho"));
  for (const auto& [n, t] : named_buffers(false))
    if (n == "std") return t;
  fail<RuntimeError>("NormalPrior has no std");
}

std::string NormalPrior::extra_repr() const {
  std::ostringstream os;
  const Tensor m = mean();
  if (m.numel() == 1) {
    NoGradGuard no_grad;
    os << "mean=" << m.item() << ", std=" << std().item();
  } else {
    os << "shape=" << shape_str(m.shape());
  }
  os << ", trainable=" << (trainable_ ? "True" : "False");
  return os.str();
}

namespace {
thread_local KLCollector* t_collector = nullptr;

// Sum of term(b) over the Bayesian modules b of m (0 when there are none).
template <class Term>
Tensor sum_over_bayesian(Module& m, const Term& term) {
  Tensor total;
  for (const auto& [name, mod] : m.named_modules()) {
    const auto* b = dynamic_cast<const BayesianModule*>(mod.get());
    if (!b) continue;
    const Tensor k = term(*b);
    total = total.defined() ? total + k : k;
  }
  return total.defined() ? total : scalar_tensor(0.0);
}
}  // namespace

KLCollector::KLCollector() : previous_(t_collector) { t_collector = this; }
KLCollector::~KLCollector() { t_collector = previous_; }
KLCollector* KLCollector::active() { return t_collector; }

void KLCollector::record(const BayesianModule& layer, Tensor kl) {
  for (auto& [l, k] : terms_)
    if (l == &layer) {
      k = std::move(kl);
      return;
    }
  terms_.emplace_back(&layer, std::move(kl));
}

Tensor KLCollector::total(Module& m) const {
  return sum_over_bayesian(m, [this](const BayesianModule& b) {
    auto it = std::find_if(terms_.begin(), terms_.end(), [&b](const auto& term) { return term.first == &b; });
    return it != terms_.end() ? it->second : b.kl();
  });
}

OutputWithKL forward_with_kl(Module& m, const Tensor& x) {
  KLCollector collector;
  Tensor out = m.forward(x);
  return {out, collector.total(m)};
}

Tensor kl(Module& m) {
  return sum_over_bayesian(m, [](const BayesianModule& b) { return b.kl(); });
}

BayesLinear::BayesLinear(int64_t in, int64_t out, bool bias, std::shared_ptr<NormalPrior> prior, double rho_init,
                         DType dtype)
    : in_features(in), out_features(out) {
  if (in <= 0 || out <= 0)
    fail<ValueError>(type_name(), ": in_features and out_features must be positive, got ", in, " and ", out);
  if (!std::isfinite(rho_init)) fail<ValueError>(type_name(), ": posterior_rho_init must be finite");
  // Posterior means as Linear's initialisation; rho gives sigma = softplus(rho_init) everywhere.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  Tensor w = empty({out, in}, dtype);
  current_generator().fill_uniform(w, -bound, bound);
  register_parameter("weight_mu", w);
  register_parameter("weight_rho", full({out, in}, rho_init, dtype));
  Tensor b_mu, b_rho;
  if (bias) {
    b_mu = empty({out}, dtype);
    current_generator().fill_uniform(b_mu, -bound, bound);
    b_rho = full({out}, rho_init, dtype);
  }
  register_parameter("bias_mu", b_mu);
  register_parameter("bias_rho", b_rho);
  if (!prior) prior = std::make_shared<NormalPrior>(scalar_tensor(0.0, dtype), scalar_tensor(1.0, dtype));
  set_prior(prior);
}

void BayesLinear::set_prior(std::shared_ptr<NormalPrior> weight_prior, std::shared_ptr<NormalPrior> bias_prior) {
  if (!weight_prior) fail<ValueError>(type_name(), ".set_prior: a weight prior is required");
  if (!bias_prior) bias_prior = weight_prior;
  const Shape wshape{out_features, in_features}, bshape{out_features};
  if (!fits(wshape, weight_prior->mean().shape()))
    fail<ValueError>(type_name(), ": weight prior of shape ", shape_str(weight_prior->mean().shape()),
                     " does not fit a weight of shape ", shape_str(wshape));
  if (param("bias_mu").defined() && !fits(bshape, bias_prior->mean().shape()))
    fail<ValueError>(type_name(), ": bias prior of shape ", shape_str(bias_prior->mean().shape()),
                     " does not fit a bias of shape ", shape_str(bshape));
  register_module("weight_prior", weight_prior);
  register_module("bias_prior", bias_prior);
}

void BayesLinear::init_from(const Linear& lin) {
  if (lin.in_features != in_features || lin.out_features != out_features)
    fail<ValueError>(type_name(), ".init_from: Linear(", lin.in_features, ", ", lin.out_features, ") does not match (",
                     in_features, ", ", out_features, ")");
  NoGradGuard no_grad;
  Tensor w = param("weight_mu");
  copy_(w, lin.param("weight"));
  Tensor b = param("bias_mu");
  if (b.defined() != lin.param("bias").defined())
    fail<ValueError>(type_name(), ".init_from: one layer has a bias and the other does not");
  if (b.defined()) copy_(b, lin.param("bias"));
}

Tensor BayesLinear::forward(const Tensor& x) {
  const Tensor &w_mu = param("weight_mu"), &w_rho = param("weight_rho"), &b_mu = param("bias_mu");
  if (!sampling()) return linear(x, w_mu, b_mu);
  // The weight is drawn before the bias: the order of the random stream.
  const Tensor w =
      with_weight_kl([&](const Tensor& pm, const Tensor& ps) { return sample_gaussian_kl(w_mu, w_rho, pm, ps); },
                     [&] { return sample_gaussian(w_mu, w_rho); });
  return linear(x, w, b_mu.defined() ? sample_gaussian(b_mu, param("bias_rho")) : Tensor());
}

Tensor BayesLinearLRT::forward(const Tensor& x) {
  const Tensor &w_mu = param("weight_mu"), &w_rho = param("weight_rho"), &b_mu = param("bias_mu"),
               &b_rho = param("bias_rho");
  if (!sampling()) return linear(x, w_mu, b_mu);
  return with_weight_kl(
      [&](const Tensor& pm, const Tensor& ps) { return linear_lrt_kl(x, w_mu, w_rho, b_mu, b_rho, pm, ps); },
      [&] { return linear_lrt(x, w_mu, w_rho, b_mu, b_rho); });
}

namespace {
std::shared_ptr<NormalPrior> prior_of(const Module& m, const char* name) {
  auto p = std::dynamic_pointer_cast<NormalPrior>(m.find_module(name));
  if (!p) fail<TypeError>(m.type_name(), ": submodule '", name, "' must be a NormalPrior");
  return p;
}
}  // namespace

Tensor BayesLinear::with_weight_kl(const std::function<PosteriorSample(const Tensor&, const Tensor&)>& fused,
                                   const std::function<Tensor()>& plain) {
  const Tensor &mu = param("weight_mu"), &rho = param("weight_rho");
  KLCollector* collector = KLCollector::active();
  if (!collector || !needs_graph({&mu, &rho})) return plain();
  const auto wp = prior_of(*this, "weight_prior");
  PosteriorSample s = fused(wp->mean(), wp->std());
  const Tensor b = bias_kl();
  collector->record(*this, b.defined() ? s.kl + b : s.kl);
  return s.sample;
}

Tensor BayesLinear::bias_kl() const {
  if (!param("bias_mu").defined()) return Tensor();
  const auto bp = prior_of(*this, "bias_prior");
  return kl_normal(param("bias_mu"), param("bias_rho"), bp->mean(), bp->std());
}

Tensor BayesLinear::kl() const {
  const auto wp = prior_of(*this, "weight_prior");
  const Tensor k = kl_normal(param("weight_mu"), param("weight_rho"), wp->mean(), wp->std());
  const Tensor b = bias_kl();
  return b.defined() ? k + b : k;
}

std::string BayesLinear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (param("bias_mu").defined() ? "True" : "False");
  return os.str();
}

}  // namespace varbayes::nn
