#include "varbayes/autograd.h"

#include <unordered_map>

#include "varbayes/ops.h"

namespace varbayes {

namespace {
thread_local bool t_grad_enabled = true;
}

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }

Node::~Node() {
  // Take over the last references to predecessor nodes and destroy them in a loop.
  std::vector<std::shared_ptr<Node>> stack;
  auto steal = [&stack](std::vector<Edge>& edges) {
    for (Edge& e : edges)
      if (e.fn && e.fn.use_count() == 1) stack.push_back(std::move(e.fn));
    edges.clear();
  };
  steal(next_);
  while (!stack.empty()) {
    std::shared_ptr<Node> n = std::move(stack.back());
    stack.pop_back();
    steal(n->next_);
  }
}

std::vector<Tensor> Node::apply(const Tensor& grad) {
  NeedsGrad needs(next_.size());
  for (size_t i = 0; i < next_.size(); ++i) needs[i] = next_[i].fn || next_[i].leaf;
  std::vector<Tensor> grads = vjp_(grad, needs);
  if (grads.size() != next_.size())
    fail<RuntimeError>("internal error: vjp of ", name_, " returned ", grads.size(), " gradients for ",
                       next_.size(), " inputs");
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i].defined() && grads[i].shape() != input_shapes_[i])
      fail<RuntimeError>("internal error: vjp of ", name_, " gave a gradient of shape ",
                         shape_str(grads[i].shape()), " for an input of shape ", shape_str(input_shapes_[i]));
  return grads;
}

bool needs_graph(std::initializer_list<const Tensor*> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_graph(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(const char* name, Tensor& out, const std::vector<Tensor>& inputs, VjpFn vjp) {
  // Integer and bool results (comparisons, casts to int) carry no gradient, as in PyTorch.
  if (!needs_graph(inputs) || !is_floating_point(out.dtype())) return;
  std::vector<Edge> next(inputs.size());
  std::vector<Shape> shapes(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined()) continue;
    shapes[i] = t.shape();
    if (!t.requires_grad()) continue;
    if (t.grad_fn())
      next[i].fn = t.grad_fn();
    else
      next[i].leaf = t.impl_ptr();
  }
  out.impl()->grad_fn = std::make_shared<Node>(name, std::move(vjp), std::move(next), std::move(shapes));
  out.impl()->requires_grad = true;
}

Saved::Saved(const Tensor& t) : t_(t.defined() ? t.detach() : Tensor()), version_(t.defined() ? t.storage()->version() : 0) {}

Tensor Saved::get() const {
  if (t_.defined() && t_.storage()->version() != version_)
    fail<RuntimeError>("a tensor needed for the gradient (shape ", shape_str(t_.shape()),
                       ") was modified in place after it was used; clone it before modifying");
  return t_;
}

void clear_grads(const std::vector<Tensor>& tensors, bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& t : tensors) {
    if (!t.grad().defined()) continue;
    if (set_to_none) {
      t.impl()->grad.reset();
    } else {
      Tensor g = t.grad();
      zero_(g);
    }
  }
}

namespace {

// Accumulates g into a leaf's .grad; the first gradient is copied so .grad never aliases
// another tensor (vjps may pass the same tensor to several inputs), unless g is the only handle
// to its own storage (a fresh vjp result, e.g. a weight gradient): then it is taken as is.
void accumulate_leaf(TensorImpl& leaf, const Tensor& g) {
  if (!leaf.grad) {
    const bool sole = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                      g.offset() == 0 && !g.requires_grad() && !g.grad_fn();
    leaf.grad = sole ? g.impl_ptr() : clone(g).impl_ptr();
  } else {
    Tensor acc(leaf.grad);
    add_(acc, g);
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  if (!root.requires_grad())
    fail<RuntimeError>("backward(): the tensor does not require grad and has no grad_fn");
  Tensor grad = gradient;
  if (!grad.defined()) {
    if (root.numel() != 1)
      fail<RuntimeError>("backward(): a gradient can be created implicitly only for scalar outputs; "
                         "the output has shape ", shape_str(root.shape()), ", pass gradient=");
    grad = ones(root.shape(), root.dtype());
  } else if (grad.shape() != root.shape()) {
    fail<ValueError>("backward(): gradient of shape ", shape_str(grad.shape()), " for an output of shape ",
                     shape_str(root.shape()));
  } else if (grad.dtype() != root.dtype()) {
    grad = to_dtype(grad, root.dtype());
  }
  NoGradGuard no_grad;  // vjps are written with ops; they must not record a graph themselves
  const std::shared_ptr<Node>& root_fn = root.grad_fn();
  if (!root_fn) {
    accumulate_leaf(*root.impl(), grad);
    return;
  }
  // Count, for every node, how many edges point at it (explicit stack, no recursion).
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack{root_fn.get()};
  deps[root_fn.get()] = 0;
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next()) {
      if (!e.fn) continue;
      auto [it, inserted] = deps.try_emplace(e.fn.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(e.fn.get());
    }
  }
  // Process nodes whose consumers are all done; sum the gradients arriving at each node.
  std::unordered_map<Node*, Tensor> pending;
  pending[root_fn.get()] = grad;
  std::vector<Node*> ready{root_fn.get()};
  while (!ready.empty()) {
    Node* n = ready.back();
    ready.pop_back();
    auto it = pending.find(n);
    Tensor g;
    if (it != pending.end()) {
      g = std::move(it->second);
      pending.erase(it);
    }
    if (n->released())
      fail<RuntimeError>("backward through the graph a second time: its saved tensors were freed by the "
                         "first backward (", n->name(), "); pass retain_graph=True to the first call");
    std::vector<Tensor> grads;
    if (g.defined()) grads = n->apply(g);
    for (size_t i = 0; i < n->next().size(); ++i) {
      const Edge& e = n->next()[i];
      const bool has = i < grads.size() && grads[i].defined();
      if (e.leaf && has) accumulate_leaf(*e.leaf, grads[i]);
      if (!e.fn) continue;
      if (has) {
        auto [pit, inserted] = pending.try_emplace(e.fn.get(), grads[i]);
        if (!inserted) pit->second = add(pit->second, grads[i]);
      }
      if (--deps[e.fn.get()] == 0) ready.push_back(e.fn.get());
    }
    if (!retain_graph) n->release();
  }
}

}  // namespace varbayes
