// Reverse-mode automatic differentiation: graph nodes, grad mode and the backward engine.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "varbayes/tensor.h"

namespace varbayes {

// Where a gradient goes: the node that produced an input, or the input itself when it is a leaf.
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<TensorImpl> leaf;
};

// Which inputs of a node need a gradient (false: the vjp may return an undefined Tensor).
using NeedsGrad = std::vector<bool>;
// Vector-Jacobian product: gradient of the output -> gradients of the inputs, written with ops.
using VjpFn = std::function<std::vector<Tensor>(const Tensor& grad, const NeedsGrad& needs)>;

// A graph node. It owns its inputs' nodes (through `next`) but never its output, so graphs are
// acyclic in ownership; saved tensors live in the vjp closure and are released after backward.
class Node {
 public:
  Node(const char* name, VjpFn vjp, std::vector<Edge> next, std::vector<Shape> input_shapes)
      : name_(name), vjp_(std::move(vjp)), next_(std::move(next)), input_shapes_(std::move(input_shapes)) {}
  // Frees long chains iteratively: a recursive destructor would overflow the stack.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  const std::vector<Edge>& next() const { return next_; }
  const std::vector<Shape>& input_shapes() const { return input_shapes_; }
  bool released() const { return !vjp_; }
  std::vector<Tensor> apply(const Tensor& grad);
  // Drops the saved tensors (the vjp closure).
  void release() { vjp_ = nullptr; }

 private:
  const char* name_;
  VjpFn vjp_;
  std::vector<Edge> next_;
  std::vector<Shape> input_shapes_;
};

// Thread-local grad mode.
bool grad_enabled();
void set_grad_enabled(bool enabled);
// RAII: disables (or sets) grad mode for a scope.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : prev_(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};
struct NoGradGuard : GradModeGuard {
  NoGradGuard() : GradModeGuard(false) {}
};

// True when an op on these inputs must record a node.
bool needs_graph(std::initializer_list<const Tensor*> inputs);
bool needs_graph(const std::vector<Tensor>& inputs);
// Attaches a node computing `vjp` to a floating-point `out` when grad mode is on and an input
// requires grad.
void record(const char* name, Tensor& out, const std::vector<Tensor>& inputs, VjpFn vjp);

// A tensor kept for backward: a detached alias plus the storage version at save time, so a later
// in-place change is reported instead of silently giving a wrong gradient.
class Saved {
 public:
  Saved() = default;
  explicit Saved(const Tensor& t);
  Tensor get() const;

 private:
  Tensor t_;
  uint64_t version_ = 0;
};

// Drops (set_to_none) or zeroes the .grad of each tensor.
void clear_grads(const std::vector<Tensor>& tensors, bool set_to_none);

// The engine: topological order with an explicit stack, gradients accumulated per node,
// leaves' .grad accumulated, nodes released unless retain_graph.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace varbayes
