// Optimizers with parameter groups and per-parameter state. A subclass defines the state it
// keeps (init) and the update of one parameter (update); step() does the rest.
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "varbayes/tensor.h"

namespace varbayes::optim {

using Options = std::map<std::string, double>;

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;  // "lr", "weight_decay", "momentum", ... (missing keys take the defaults)
};

struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> buffers;  // each of the parameter's shape
  std::map<std::string, double> scalars;  // per-parameter numbers, as NAdam's mu_product
  // The buffer `name`, created filled with `fill` in the parameter's shape and dtype if missing.
  Tensor& buffer(const std::string& name, const Tensor& param, double fill = 0.0);
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  virtual std::string type_name() const = 0;

  void zero_grad(bool set_to_none = true);
  // Updates every parameter that has a gradient.
  void step();
  void add_param_group(ParamGroup group);
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  // Validates a group's options (also after they are changed from Python).
  virtual void validate(const Options& o) const;

  // State by parameter index in group order (as PyTorch numbers them).
  struct State {
    std::vector<Options> groups;
    std::vector<std::pair<int64_t, ParamState>> params;
  };
  State state_dict() const;
  void load_state_dict(const State& s);

 protected:
  explicit Optimizer(Options defaults) : defaults_(std::move(defaults)) {}
  // Adds the constructor's groups (at least one). Subclass constructors call it in their body: from the base
  // constructor, validate() and type_name() would not yet reach the subclass.
  void add_param_groups(std::vector<ParamGroup> groups);
  // Fails with a ValueError naming the optimizer unless lo <= o[key] (<= or < hi as hi_closed says).
  void check_range(const Options& o, const char* key, double lo, double hi = INFINITY, bool hi_closed = true) const;
  // Adam's family: betas in [0, 1), eps >= 0.
  void check_betas_eps(const Options& o) const;
  virtual void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) = 0;

 private:
  std::vector<ParamGroup> groups_;
  Options defaults_;
  std::map<const TensorImpl*, ParamState> state_;
};

// SGD with momentum, dampening, Nesterov momentum and (L2) weight decay, as torch.optim.SGD.
class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, double lr, double momentum = 0.0, double dampening = 0.0,
      double weight_decay = 0.0, bool nesterov = false, bool maximize = false);
  std::string type_name() const override { return "SGD"; }
  void validate(const Options& o) const override;

 protected:
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) override;
};

// Adam (L2 weight decay added to the gradient) and AdamW (decoupled decay), as torch.optim.
class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8, double weight_decay = 0.0, bool amsgrad = false, bool maximize = false,
       bool decoupled = false);
  std::string type_name() const override { return decoupled_ ? "AdamW" : "Adam"; }
  void validate(const Options& o) const override;

 protected:
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) override;

 private:
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false, bool maximize = false)
      : Adam(std::move(groups), lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, true) {}
};

// Stochastic-gradient Langevin dynamics (Welling & Teh 2011), and with `preconditioned` its RMSprop-
// preconditioned form pSGLD (Li et al. 2016). The parameters' gradient is that of the loss L the
// user backpropagates, the mean NLL over a minibatch; with U = n_data * L - log N(theta; prior_mean,
// prior_std^2) the step is theta <- theta - lr G grad U + sqrt(2 lr temperature G) xi, xi ~ N(0, 1),
// whose visited values sample exp(-U / temperature) as lr -> 0. G = 1 for SGLD; for pSGLD
// G = 1 / (eps + sqrt(V)), V <- alpha V + (1 - alpha) g^2 (V starts at g^2), without the Gamma
// correction term (as Li et al. do). The noise of parameter j at step t is a Philox draw keyed by
// (seed, j) at a counter fixed by t, so a run, and a run resumed from a state_dict, repeat exactly.
// Without a seed, one is drawn from current_generator() (so manual_seed makes runs repeat).
class SGLD : public Optimizer {
 public:
  SGLD(std::vector<ParamGroup> groups, double lr, double n_data, double prior_mean = 0.0, double prior_std = 1.0,
       double temperature = 1.0, bool preconditioned = false, double alpha = 0.99, double eps = 1e-5,
       std::optional<uint64_t> seed = std::nullopt);
  std::string type_name() const override { return "SGLD"; }
  void validate(const Options& o) const override;
  uint64_t seed() const { return seed_; }

 protected:
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) override;

 private:
  uint64_t noise_key(const Tensor& p);
  uint64_t seed_;
  std::map<const TensorImpl*, uint64_t> keys_;  // parameter -> its index in group order
};

// The optimizers below follow torch.optim's single-tensor update rules, argument names, defaults
// and state keys; `maximize` steps up the gradient. Each declares its options in the constructor.
#define VARBAYES_OPTIMIZER(NAME)                                                  \
  std::string type_name() const override { return #NAME; }                       \
  void validate(const Options& o) const override;                                 \
                                                                                  \
 protected:                                                                       \
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) override;

// RMSprop: g / (sqrt(E[g^2] - (E[g])^2 if centered) + eps), optionally with momentum.
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
          double weight_decay = 0.0, double momentum = 0.0, bool centered = false, bool maximize = false);
  VARBAYES_OPTIMIZER(RMSprop)
};

// Adagrad: g / (sqrt(sum of g^2) + eps), lr decayed as lr / (1 + (t - 1) lr_decay).
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<ParamGroup> groups, double lr = 1e-2, double lr_decay = 0.0, double weight_decay = 0.0,
          double initial_accumulator_value = 0.0, double eps = 1e-10, bool maximize = false);
  VARBAYES_OPTIMIZER(Adagrad)
};

// Adadelta (Zeiler 2012): g scaled by RMS[delta] / RMS[g], times lr.
class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<ParamGroup> groups, double lr = 1.0, double rho = 0.9, double eps = 1e-6,
           double weight_decay = 0.0, bool maximize = false);
  VARBAYES_OPTIMIZER(Adadelta)
};

// Adamax: Adam with the infinity norm max(beta2 u, |g| + eps) in place of the second moment.
class Adamax : public Optimizer {
 public:
  Adamax(std::vector<ParamGroup> groups, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999,
         double eps = 1e-8, double weight_decay = 0.0, bool maximize = false);
  VARBAYES_OPTIMIZER(Adamax)
};

// NAdam (Dozat 2016): Adam with Nesterov momentum and the momentum schedule
// mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2); keeps the product of the mu_t as mu_product.
class NAdam : public Optimizer {
 public:
  NAdam(std::vector<ParamGroup> groups, double lr = 2e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weight_decay = 0.0, double momentum_decay = 4e-3,
        bool decoupled_weight_decay = false, bool maximize = false);
  VARBAYES_OPTIMIZER(NAdam)
};

// RAdam (Liu et al. 2020): Adam whose adaptive step is rectified for its variance, and plain
// momentum SGD while that variance is intractable (the first steps).
class RAdam : public Optimizer {
 public:
  RAdam(std::vector<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weight_decay = 0.0, bool decoupled_weight_decay = false, bool maximize = false);
  VARBAYES_OPTIMIZER(RAdam)
};

#undef VARBAYES_OPTIMIZER

}  // namespace varbayes::optim
