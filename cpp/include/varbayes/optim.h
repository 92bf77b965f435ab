// Optimizers with parameter groups and per-parameter state. A subclass defines the state it
// keeps (init) and the update of one parameter (update); step() does the rest.
#pragma once

#include <map>
#include <memory>
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
  std::map<std::string, Tensor> buffers;
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
      double weight_decay = 0.0, bool nesterov = false);
  std::string type_name() const override { return "SGD"; }
  void validate(const Options& o) const override;

 protected:
  void update(const Options& o, Tensor& p, const Tensor& grad, ParamState& s) override;
};

// Adam (L2 weight decay added to the gradient) and AdamW (decoupled decay), as torch.optim.
class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
       double eps = 1e-8, double weight_decay = 0.0, bool amsgrad = false, bool decoupled = false);
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
        double eps = 1e-8, double weight_decay = 1e-2, bool amsgrad = false)
      : Adam(std::move(groups), lr, beta1, beta2, eps, weight_decay, amsgrad, true) {}
};

}  // namespace varbayes::optim
