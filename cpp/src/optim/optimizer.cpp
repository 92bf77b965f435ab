#include <cmath>
#include <set>

#include "varbayes/ops.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

namespace {
double opt(const Options& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) fail<ValueError>("optimizer option '", key, "' is missing");
  return it->second;
}
}  // namespace

Tensor& ParamState::buffer(const std::string& name, const Tensor& param, double fill) {
  auto it = buffers.find(name);
  if (it == buffers.end()) it = buffers.emplace(name, full_like(param, fill)).first;
  return it->second;
}

void Optimizer::check_range(const Options& o, const char* key, double lo, double hi, bool hi_closed) const {
  const double v = opt(o, key);
  if (v >= lo && (hi_closed ? v <= hi : v < hi)) return;
  if (hi == INFINITY) fail<ValueError>(type_name(), ": invalid ", key, " ", v, " (must be >= ", lo, ")");
  fail<ValueError>(type_name(), ": ", key, " must be in [", lo, ", ", hi, hi_closed ? "]" : ")", ", got ", v);
}

void Optimizer::check_betas_eps(const Options& o) const {
  check_range(o, "beta1", 0, 1, false);
  check_range(o, "beta2", 0, 1, false);
  check_range(o, "eps", 0);
}

void Optimizer::add_param_groups(std::vector<ParamGroup> groups) {
  if (groups.empty()) fail<ValueError>(type_name(), ": got an empty parameter list");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  if (group.params.empty()) fail<ValueError>("optimizer got a parameter group without parameters");
  for (const auto& [k, v] : defaults_) group.options.try_emplace(k, v);
  for (const auto& [k, v] : group.options)
    if (!defaults_.count(k)) fail<ValueError>(type_name(), ": unknown option '", k, "'");
  validate(group.options);
  std::set<const TensorImpl*> seen;
  for (const auto& g : groups_)
    for (const auto& p : g.params) seen.insert(p.impl());
  for (const auto& p : group.params) {
    if (!p.defined()) fail<ValueError>("optimizer got an undefined parameter");
    if (!p.is_leaf()) fail<ValueError>("optimizer can only optimize leaf tensors (shape ", shape_str(p.shape()), ")");
    if (!seen.insert(p.impl()).second)
      fail<ValueError>("a parameter (shape ", shape_str(p.shape()), ") appears in more than one group");
  }
  groups_.push_back(std::move(group));
}

void Optimizer::validate(const Options& o) const {
  const double lr = opt(o, "lr");
  if (!(lr >= 0) || !std::isfinite(lr)) fail<ValueError>(type_name(), ": invalid learning rate ", lr);
  // SGLD has no weight decay (its Gaussian prior plays that part).
  const auto wd = o.find("weight_decay");
  if (wd != o.end() && !(wd->second >= 0)) fail<ValueError>(type_name(), ": invalid weight_decay ", wd->second);
}

void Optimizer::zero_grad(bool set_to_none) {
  for (const auto& g : groups_) clear_grads(g.params, set_to_none);
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (auto& g : groups_) {
    validate(g.options);
    for (auto& p : g.params) {
      const Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (!p.is_contiguous() || !grad.is_contiguous() || grad.dtype() != p.dtype())
        fail<ValueError>(type_name(), ": parameter and gradient must be contiguous and of one dtype (shape ",
                         shape_str(p.shape()), ")");
      ParamState& s = state_[p.impl()];
      ++s.step;
      update(g.options, p, grad, s);
      p.storage()->bump_version();
    }
  }
}

Optimizer::State Optimizer::state_dict() const {
  State s;
  int64_t index = 0;
  for (const auto& g : groups_) {
    s.groups.push_back(g.options);
    for (const auto& p : g.params) {
      auto it = state_.find(p.impl());
      if (it != state_.end()) s.params.emplace_back(index, it->second);
      ++index;
    }
  }
  return s;
}

void Optimizer::load_state_dict(const State& s) {
  if (s.groups.size() != groups_.size())
    fail<ValueError>(type_name(), ".load_state_dict: ", s.groups.size(), " parameter groups in the state, ",
                     groups_.size(), " in the optimizer");
  std::vector<Tensor> flat;
  for (const auto& g : groups_) flat.insert(flat.end(), g.params.begin(), g.params.end());
  for (const auto& [index, ps] : s.params) {
    if (index < 0 || index >= static_cast<int64_t>(flat.size()))
      fail<ValueError>(type_name(), ".load_state_dict: state for parameter ", index, " but the optimizer has ",
                       flat.size());
    for (const auto& [k, t] : ps.buffers)
      if (t.shape() != flat[index].shape())
        fail<ValueError>(type_name(), ".load_state_dict: state '", k, "' of parameter ", index, " has shape ",
                         shape_str(t.shape()), ", the parameter has ", shape_str(flat[index].shape()));
  }
  for (const auto& o : s.groups) validate(o);
  for (size_t i = 0; i < groups_.size(); ++i) groups_[i].options = s.groups[i];
  state_.clear();
  NoGradGuard no_grad;
  for (const auto& [index, ps] : s.params) {
    ParamState copy{ps.step, {}, ps.scalars};
    for (const auto& [k, t] : ps.buffers) copy.buffers[k] = clone(to_dtype(t, flat[index].dtype()));
    state_[flat[index].impl()] = std::move(copy);
  }
}

}  // namespace varbayes::optim
