// Bayesian layers: mean-field Gaussian posteriors N(mu, softplus(rho)^2) over weights and
// biases, Gaussian priors (fixed, trainable, or per-weight from an ensemble), analytic KL.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "varbayes/nn.h"

namespace varbayes {

// Sum over elements of KL(N(mu_q, softplus(rho_q)^2) || N(mu_p, std_p^2)), computed in one fused
// pass; mu_p and std_p broadcast to mu_q's shape. Differentiable in all four inputs. Stable for
// tiny posterior sigma (log softplus(rho) is evaluated without underflow).
Tensor kl_normal(const Tensor& mu_q, const Tensor& rho_q, const Tensor& mu_p, const Tensor& std_p);
// mu + softplus(rho) * eps with eps ~ N(0, 1) drawn from gen's counter stream in the same pass;
// backward regenerates eps from the counter instead of storing it.
Tensor sample_gaussian(const Tensor& mu, const Tensor& rho, Generator* gen = nullptr);
// A sample and the KL of the posterior it comes from, formed together.
struct PosteriorSample {
  Tensor sample, kl;
};
// A weight sample of sample_gaussian and the kl_normal of its posterior, from one pass over mu and
// rho. Both are differentiable; their gradients meet in one node that forms the gradients of mu,
// rho and the prior in one backward pass (eps regenerated from the counters).
PosteriorSample sample_gaussian_kl(const Tensor& mu, const Tensor& rho, const Tensor& prior_mean,
                                   const Tensor& prior_std, Generator* gen = nullptr);
// Local reparameterization: x mu^T + b_mu + sqrt((x*x) sigma^T^2 + b_sigma^2) * nu, one nu per
// example and unit (sigma = softplus(rho)); no weight sample is formed. b_mu/b_rho may be undefined.
// sigma^2 is formed in one pass over rho, and rho's gradient in one pass.
Tensor linear_lrt(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu,
                  const Tensor& b_rho, Generator* gen = nullptr);
// linear_lrt and the weight's kl_normal, with sigma^2 and the KL from one pass over mu and rho and
// all weight gradients from one backward pass (as sample_gaussian_kl).
PosteriorSample linear_lrt_kl(const Tensor& x, const Tensor& w_mu, const Tensor& w_rho, const Tensor& b_mu,
                              const Tensor& b_rho, const Tensor& prior_mean, const Tensor& prior_std,
                              Generator* gen = nullptr);
// softplus^-1(y) = log(expm1(y)), for initialising rho from a standard deviation.
double inverse_softplus(double y);

namespace nn {

// Thread-local switch: when false, Bayesian layers use their posterior means (deterministic).
bool sampling_enabled();
void set_sampling_enabled(bool enabled);

// Gaussian prior N(mean, std^2). Fixed: mean and std are buffers. Trainable (empirical Bayes):
// "mean" and "std_rho" (std = softplus(std_rho)) are parameters learned with the posterior.
// mean/std are 0-d (one prior for every weight) or of a layer's weight shape (per-weight).
class NormalPrior : public Module {
 public:
  NormalPrior(const Tensor& mean, const Tensor& std, bool trainable = false);
  NormalPrior(double mean = 0.0, double std = 1.0, bool trainable = false);
  std::string type_name() const override { return "NormalPrior"; }
  std::string extra_repr() const override;
  Tensor mean() const;  // differentiable
  Tensor std() const;   // differentiable
  bool trainable() const { return trainable_; }

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<NormalPrior>(*this); }

 private:
  bool trainable_;
};

// Interface of modules with a KL term.
class BayesianModule {
 public:
  virtual ~BayesianModule() = default;
  virtual Tensor kl() const = 0;
};

// Sum of kl() over m and all its Bayesian descendants (0 when there are none).
Tensor kl(Module& m);

// The explicit hand-off of KL terms from a forward pass to the loss. While a KLCollector lives, the
// sampling forwards of Bayesian layers in this thread (with a graph) form each weight KL in the same
// pass over mu and rho as the weight sample (or the pre-activation variance), and hand the layer's
// KL to the collector. Without one, a forward forms no KL. Collectors nest; each thread has its own.
class KLCollector {
 public:
  KLCollector();
  ~KLCollector();
  KLCollector(const KLCollector&) = delete;
  KLCollector& operator=(const KLCollector&) = delete;
  // The innermost collector of this thread, or null.
  static KLCollector* active();
  // The KL term of layer from its latest forward (a later forward of the same layer replaces it).
  void record(const BayesianModule& layer, Tensor kl);
  // kl(m) with the recorded terms in place of a fresh kl() of the layers that recorded one.
  Tensor total(Module& m) const;

 private:
  std::vector<std::pair<const BayesianModule*, Tensor>> terms_;
  KLCollector* previous_;
};

// m.forward(x) and m's KL, handed over through a KLCollector: training takes one pass over each
// sampling layer's weights forward and one backward.
struct OutputWithKL {
  Tensor output, kl;
};
OutputWithKL forward_with_kl(Module& m, const Tensor& x);

// Mean-field Gaussian linear layer. Parameters weight_mu, weight_rho, bias_mu, bias_rho (the same
// names for both estimators, so a state_dict moves between them); priors are the submodules
// weight_prior and bias_prior. Means are initialised like Linear, rho = posterior_rho_init.
class BayesLinear : public Module, public BayesianModule {
 public:
  BayesLinear(int64_t in_features, int64_t out_features, bool bias = true,
              std::shared_ptr<NormalPrior> prior = nullptr, double posterior_rho_init = -5.0,
              DType dtype = DType::float32);
  // Reparameterization (Bayes by Backprop): one weight sample per forward when sampling.
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "BayesLinear"; }
  std::string extra_repr() const override;
  Tensor kl() const override;
  // Sets the prior of the weight and of the bias (one shared prior when bias_prior is null).
  void set_prior(std::shared_ptr<NormalPrior> weight_prior, std::shared_ptr<NormalPrior> bias_prior = nullptr);
  // Copies a deterministic layer's weight/bias into the posterior means.
  void init_from(const Linear& lin);
  // Per-layer sampling flag (also subject to sampling_enabled()).
  bool sample = true;
  int64_t in_features, out_features;

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<BayesLinear>(*this); }
  bool sampling() const { return sample && sampling_enabled(); }
  // Under a KLCollector, a sampling forward with a graph forms its per-weight values and the weight
  // KL in one pass (`fused`, given the weight prior's mean and std: sample_gaussian_kl or
  // linear_lrt_kl) and records the layer's KL; otherwise `plain` runs.
  Tensor with_weight_kl(const std::function<PosteriorSample(const Tensor&, const Tensor&)>& fused,
                        const std::function<Tensor()>& plain);

 private:
  // KL of the bias posterior (undefined without a bias).
  Tensor bias_kl() const;
};

// Local-reparameterization estimator of the same model: samples pre-activations, not weights.
class BayesLinearLRT : public BayesLinear {
 public:
  using BayesLinear::BayesLinear;
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "BayesLinearLRT"; }

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<BayesLinearLRT>(*this); }
};

}  // namespace nn
}  // namespace varbayes
