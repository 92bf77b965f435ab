// Modules: parameters and submodules registered by name (as attribute assignment does in
// Python), train/eval mode, state_dict, and the built-in layers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "varbayes/ops.h"

namespace varbayes::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module& operator=(const Module&) = delete;

  // The computation; subclasses (C++ or Python) override it.
  virtual Tensor forward(const Tensor& x);
  // forward, or the call through the forward hooks when any are registered; containers call their
  // children this way so that hooks on a child fire.
  Tensor operator()(const Tensor& x) { return hooked_call ? hooked_call(*this, x) : forward(x); }
  // Set by the Python bindings while the module has forward hooks (the hooks live on that side).
  std::function<Tensor(Module&, const Tensor&)> hooked_call;
  // Class name used by repr and checkpoints.
  virtual std::string type_name() const { return "Module"; }
  // Constructor arguments shown by repr, e.g. "in_features=3, out_features=2, bias=True".
  virtual std::string extra_repr() const { return ""; }

  // Registers (or replaces) a parameter; a plain tensor becomes a leaf that requires grad. An undefined
  // tensor keeps the name as an empty slot (like bias=None).
  void register_parameter(const std::string& name, Tensor t);
  // A non-persistent buffer is listed by named_buffers() but left out of state_dict().
  void register_buffer(const std::string& name, Tensor t, bool persistent = true);
  void register_module(const std::string& name, std::shared_ptr<Module> m);
  // Removes a parameter, buffer or submodule of that name; false if there was none.
  bool unregister(const std::string& name);

  // Direct members (no recursion); null/undefined when absent.
  Tensor* find_parameter(const std::string& name);
  Tensor* find_buffer(const std::string& name);
  std::shared_ptr<Module> find_module(const std::string& name) const;
  // The parameter of that name, or ValueError.
  const Tensor& param(const std::string& name) const;

  // Recursive listings with dotted names ("0.weight"); each tensor listed once.
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  // This module first (name ""), then all descendants depth-first.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();

  virtual void train(bool mode = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = true);

  // Parameters and buffers by dotted name (detached aliases of the live tensors).
  NamedTensors state_dict() const;
  struct LoadResult {
    std::vector<std::string> missing_keys, unexpected_keys;
  };
  // Copies values into the existing tensors (shapes must match; dtypes converted). With strict,
  // a missing or unexpected key is a ValueError listing them all.
  LoadResult load_state_dict(const NamedTensors& state, bool strict = true);
  // Converts every parameter and buffer in place (references stay valid).
  void to(DType dtype);

  // A deep copy: a module of the same type and configuration with copies of the parameters (leaves
  // keeping requires_grad, without .grad) and buffers, the training flag, and the children cloned
  // alike. A module or tensor reachable twice in the tree (a shared prior, tied weights) is one
  // copy reachable twice in the clone. The random generators are not used.
  std::shared_ptr<Module> clone() const;

 protected:
  // Copies the configuration only (the training flag here, each subclass's own fields in its
  // implicit copy constructor), for make_like(); clone() fills in parameters, buffers and children.
  Module(const Module& other) : std::enable_shared_from_this<Module>(), training_(other.training_) {}
  // A module of this type and configuration without parameters, buffers or children. Every
  // subclass overrides it (a Python subclass through the bindings' trampoline).
  virtual std::shared_ptr<Module> make_like() const { return std::shared_ptr<Module>(new Module(*this)); }

  bool training_ = true;

 private:
  // state: per module its parameters, then its persistent buffers (PyTorch's state_dict order).
  enum class Kind { parameters, buffers, state };
  void collect(const std::string& prefix, bool recurse, Kind kind, NamedTensors& out,
               std::vector<const TensorImpl*>& seen) const;
  struct Copies;
  std::shared_ptr<Module> clone(Copies& copies) const;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::string> non_persistent_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// y = x W^T + b, W (out, in) and b initialised as in PyTorch: U(-1/sqrt(in), 1/sqrt(in)).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = DType::float32);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;
  int64_t in_features, out_features;

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<Linear>(*this); }
};

// Parameter-free elementwise activations.
#define VARBAYES_ACTIVATION(NAME, FN)                                \
  class NAME : public Module {                                       \
   public:                                                           \
    Tensor forward(const Tensor& x) override { return FN(x); }       \
    std::string type_name() const override { return #NAME; }        \
                                                                     \
   protected:                                                        \
    std::shared_ptr<Module> make_like() const override {             \
      return std::make_shared<NAME>(*this);                          \
    }                                                                \
  };
VARBAYES_ACTIVATION(ReLU, relu)
VARBAYES_ACTIVATION(Tanh, varbayes::tanh)
VARBAYES_ACTIVATION(Sigmoid, sigmoid)
VARBAYES_ACTIVATION(Softplus, softplus)
VARBAYES_ACTIVATION(SiLU, silu)
VARBAYES_ACTIVATION(Mish, mish)
VARBAYES_ACTIVATION(Softsign, softsign)
#undef VARBAYES_ACTIVATION

// Activations with constructor arguments (PyTorch's names and defaults; repr as PyTorch's).
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override { return gelu(x, approximate); }
  std::string type_name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  std::string approximate;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha(alpha) {}
  Tensor forward(const Tensor& x) override { return elu(x, alpha); }
  std::string type_name() const override { return "ELU"; }
  std::string extra_repr() const override;
  double alpha;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override { return leaky_relu(x, negative_slope); }
  std::string type_name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  double negative_slope;
};

class Hardtanh : public Module {
 public:
  Hardtanh(double min_val = -1.0, double max_val = 1.0);
  Tensor forward(const Tensor& x) override { return hardtanh(x, min_val, max_val); }
  std::string type_name() const override { return "Hardtanh"; }
  std::string extra_repr() const override;
  double min_val, max_val;
};

// softmax (Log: log_softmax) along dim; without dim, PyTorch's implicit choice: 0 for inputs of
// 0, 1 or 3 dimensions, else 1.
template <bool Log>
class SoftmaxModule : public Module {
 public:
  explicit SoftmaxModule(std::optional<int64_t> dim = std::nullopt) : dim(dim) {}
  Tensor forward(const Tensor& x) override {
    const int64_t d = dim.value_or(x.dim() == 0 || x.dim() == 1 || x.dim() == 3 ? 0 : 1);
    return Log ? log_softmax(x, d) : softmax(x, d);
  }
  std::string type_name() const override { return Log ? "LogSoftmax" : "Softmax"; }
  std::string extra_repr() const override { return "dim=" + (dim ? std::to_string(*dim) : std::string("None")); }
  std::optional<int64_t> dim;
};
using Softmax = SoftmaxModule<false>;
using LogSoftmax = SoftmaxModule<true>;

// x > 0 ? x : a x with a learnable `weight` of num_parameters values (one, or one per channel),
// all initialised to init.
class PReLU : public Module {
 public:
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25, DType dtype = DType::float32);
  Tensor forward(const Tensor& x) override { return prelu(x, param("weight")); }
  std::string type_name() const override { return "PReLU"; }
  std::string extra_repr() const override;
  int64_t num_parameters;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
  std::string type_name() const override { return "Identity"; }

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<Identity>(*this); }
};

// Inverted dropout in training mode, identity in eval mode.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  double p;

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<Dropout>(*this); }
};

// Applies its children in order; children are named "0", "1", ...
class Sequential : public Module {
 public:
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules = {});
  void append(std::shared_ptr<Module> m);
  size_t size() const { return named_children().size(); }
  std::shared_ptr<Module> at(int64_t index) const;
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Sequential"; }

 protected:
  std::shared_ptr<Module> make_like() const override { return std::make_shared<Sequential>(*this); }
};

namespace utils {
// Scales all gradients so their global norm of order norm_type (inf: the largest magnitude) is at
// most max_norm; returns the norm before. A non-finite norm is a RuntimeError with error_if_nonfinite.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every gradient element to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);
}  // namespace utils

}  // namespace varbayes::nn
