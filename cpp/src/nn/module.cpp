#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "ops/iter.h"
#include "varbayes/nn.h"

namespace varbayes::nn {

namespace {
template <class V>
V* find_named(std::vector<std::pair<std::string, V>>& items, const std::string& name) {
  for (auto& [n, v] : items)
    if (n == name) return &v;
  return nullptr;
}
template <class V>
void set_named(std::vector<std::pair<std::string, V>>& items, const std::string& name, V value) {
  if (V* slot = find_named(items, name))
    *slot = std::move(value);
  else
    items.emplace_back(name, std::move(value));
}
void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos)
    fail<ValueError>(what, " name '", name, "' must be non-empty and contain no '.'");
}
}  // namespace

Tensor Module::forward(const Tensor&) {
  fail<RuntimeError>(type_name(), " does not define forward()");
}

void Module::register_parameter(const std::string& name, Tensor t) {
  check_name(name, "parameter");
  if (t.defined()) {
    if (!t.is_leaf())
      fail<ValueError>("parameter '", name, "' must be a leaf tensor (use detach() on computed values)");
    // A tensor already made a parameter (nn.Parameter(..., requires_grad=False)) keeps its flag.
    if (!t.impl()->is_parameter) t.impl()->requires_grad = true;
    t.impl()->is_parameter = true;
  }
  unregister(name);
  params_.emplace_back(name, std::move(t));
}

void Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_name(name, "buffer");
  unregister(name);
  buffers_.emplace_back(name, std::move(t));
  if (!persistent) non_persistent_.push_back(name);
}

void Module::register_module(const std::string& name, std::shared_ptr<Module> m) {
  check_name(name, "submodule");
  if (m.get() == this) fail<ValueError>("a module cannot be its own submodule ('", name, "')");
  if (find_named(children_, name)) {
    set_named(children_, name, std::move(m));
    return;
  }
  unregister(name);
  children_.emplace_back(name, std::move(m));
}

bool Module::unregister(const std::string& name) {
  auto drop = [&](auto& items) {
    auto it = std::find_if(items.begin(), items.end(), [&](const auto& kv) { return kv.first == name; });
    if (it == items.end()) return false;
    items.erase(it);
    return true;
  };
  std::erase(non_persistent_, name);
  return drop(params_) || drop(buffers_) || drop(children_);
}

Tensor* Module::find_parameter(const std::string& name) { return find_named(params_, name); }
Tensor* Module::find_buffer(const std::string& name) { return find_named(buffers_, name); }
std::shared_ptr<Module> Module::find_module(const std::string& name) const {
  for (const auto& [n, m] : children_)
    if (n == name) return m;
  return nullptr;
}

const Tensor& Module::param(const std::string& name) const {
  for (const auto& [n, t] : params_)
    if (n == name) return t;
  fail<ValueError>(type_name(), " has no parameter '", name, "'");
}

void Module::collect(const std::string& prefix, bool recurse, Kind kind, NamedTensors& out,
                     std::vector<const TensorImpl*>& seen) const {
  auto take = [&](const NamedTensors& items, bool persistent_only) {
    for (const auto& [n, t] : items) {
      if (!t.defined() || std::ranges::find(seen, t.impl()) != seen.end()) continue;
      if (persistent_only && std::ranges::find(non_persistent_, n) != non_persistent_.end()) continue;
      seen.push_back(t.impl());
      out.emplace_back(prefix + n, t);
    }
  };
  if (kind != Kind::buffers) take(params_, false);
  if (kind != Kind::parameters) take(buffers_, kind == Kind::state);
  if (!recurse) return;
  for (const auto& [n, m] : children_)
    if (m) m->collect(prefix + n + ".", true, kind, out, seen);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", recurse, Kind::parameters, out, seen);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", recurse, Kind::buffers, out, seen);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  // Pre-order (as PyTorch) with an explicit stack of (prefix, module) so deep nesting cannot overflow the
  // call stack; a module reachable twice is listed at its first pre-order position.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out, stack{{"", shared_from_this()}};
  std::set<const Module*> seen;
  while (!stack.empty()) {
    auto [prefix, m] = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(m.get()).second) continue;
    const auto first = static_cast<std::ptrdiff_t>(stack.size());
    for (const auto& [n, c] : m->children_)
      if (c) stack.emplace_back(prefix.empty() ? n : prefix + "." + n, c);
    std::reverse(stack.begin() + first, stack.end());
    out.emplace_back(std::move(prefix), std::move(m));
  }
  return out;
}

void Module::train(bool mode) {
  training_ = mode;
  for (auto& [n, m] : children_)
    if (m) m->train(mode);
}

void Module::zero_grad(bool set_to_none) { clear_grads(parameters(), set_to_none); }

NamedTensors Module::state_dict() const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", true, Kind::state, out, seen);
  for (auto& [n, t] : out) t = t.detach();
  return out;
}

Module::LoadResult Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict();
  LoadResult r;
  std::set<std::string> given;
  for (const auto& [n, t] : state) given.insert(n);
  for (const auto& [n, t] : own)
    if (!given.count(n)) r.missing_keys.push_back(n);
  for (const auto& [n, t] : state) {
    auto it = std::find_if(own.begin(), own.end(), [&](const auto& kv) { return kv.first == n; });
    if (it == own.end()) r.unexpected_keys.push_back(n);
  }
  if (strict && (!r.missing_keys.empty() || !r.unexpected_keys.empty())) {
    std::ostringstream os;
    os << "load_state_dict: keys do not match " << type_name() << ".";
    if (!r.missing_keys.empty()) {
      os << " Missing:";
      for (auto& k : r.missing_keys) os << ' ' << k;
      os << '.';
    }
    if (!r.unexpected_keys.empty()) {
      os << " Unexpected:";
      for (auto& k : r.unexpected_keys) os << ' ' << k;
      os << '.';
    }
    throw ValueError(os.str());
  }
  // Check every shape before writing anything, so a failed load leaves the module unchanged.
  for (const auto& [n, t] : state) {
    auto it = std::find_if(own.begin(), own.end(), [&](const auto& kv) { return kv.first == n; });
    if (it != own.end() && it->second.shape() != t.shape())
      fail<ValueError>("load_state_dict: '", n, "' has shape ", shape_str(t.shape()), " in the state, ",
                       shape_str(it->second.shape()), " in the module");
  }
  NoGradGuard no_grad;
  for (const auto& [n, t] : state) {
    auto it = std::find_if(own.begin(), own.end(), [&](const auto& kv) { return kv.first == n; });
    if (it != own.end()) copy_(it->second, t);
  }
  return r;
}

// What a clone has copied so far: shared modules and tensors are copied once.
struct Module::Copies {
  std::map<const Module*, std::shared_ptr<Module>> modules;
  std::map<const TensorImpl*, Tensor> tensors;

  Tensor tensor(const Tensor& t) {
    if (!t.defined()) return t;
    auto [it, added] = tensors.try_emplace(t.impl());
    if (added) {
      Tensor c = varbayes::clone(t.detach());
      c.impl()->requires_grad = t.requires_grad();
      c.impl()->is_parameter = t.impl()->is_parameter;
      it->second = c;
    }
    return it->second;
  }
};

std::shared_ptr<Module> Module::clone() const {
  NoGradGuard no_grad;
  Copies copies;
  return clone(copies);
}

std::shared_ptr<Module> Module::clone(Copies& copies) const {
  if (auto it = copies.modules.find(this); it != copies.modules.end()) return it->second;
  std::shared_ptr<Module> c = make_like();
  copies.modules.emplace(this, c);
  // Filled directly rather than through register_*: the names were checked when registered here.
  for (const auto& [n, t] : params_) c->params_.emplace_back(n, copies.tensor(t));
  for (const auto& [n, t] : buffers_) c->buffers_.emplace_back(n, copies.tensor(t));
  for (const auto& [n, m] : children_) c->children_.emplace_back(n, m ? m->clone(copies) : nullptr);
  return c;
}

void Module::to(DType dtype) {
  NoGradGuard no_grad;
  for (auto& [n, t] : named_parameters())
    if (t.dtype() != dtype) t.set_data(to_dtype(t.detach(), dtype));
  for (auto& [n, t] : named_buffers())
    if (t.dtype() != dtype) t.set_data(to_dtype(t.detach(), dtype));
}

}  // namespace varbayes::nn
