// Tensor: a strided view (shape, strides, offset) of a 64-byte aligned storage shared between
// views, with the autograd fields (requires_grad, grad, grad_fn). Copying a Tensor copies a handle.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "varbayes/dtype.h"
#include "varbayes/error.h"

namespace varbayes {

using Shape = std::vector<int64_t>;
class Node;

// A block of memory. Either allocated here (64-byte aligned) or borrowed from another owner
// (a NumPy array), kept alive by `owner` for as long as any view exists.
class Storage {
 public:
  static constexpr size_t kAlignment = 64;
  // Throws std::bad_alloc (Python MemoryError) when the allocation fails.
  static std::shared_ptr<Storage> allocate(size_t nbytes);
  static std::shared_ptr<Storage> borrow(void* data, size_t nbytes, std::shared_ptr<void> owner);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  // Bumped by every in-place write; autograd uses it to detect saved tensors modified in place.
  uint64_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }

 private:
  Storage(void* data, size_t nbytes, std::shared_ptr<void> owner)
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)) {}
  void* data_;
  size_t nbytes_;
  std::shared_ptr<void> owner_;  // null when the memory is ours
  std::atomic<uint64_t> version_{0};
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;  // in elements
  int64_t offset = 0;  // in elements
  DType dtype = DType::float32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;  // accumulated by backward on leaves
  std::shared_ptr<Node> grad_fn;     // the node that produced this tensor (null for leaves)
  bool is_parameter = false;         // registered by Module attribute assignment
  // A 0-d tensor standing for a number written in code (torch's "wrapped number"); it takes a
  // lower rank in type promotion (see result_type in ops.h).
  bool wrapped_number = false;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl()->shape; }
  const Shape& strides() const { return impl()->strides; }
  int64_t offset() const { return impl()->offset; }
  DType dtype() const { return impl()->dtype; }
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t numel() const;
  // Size of dimension d (negative d counts from the end).
  int64_t size(int64_t d) const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl()->storage; }
  TensorImpl* impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  // Pointer to the first element; T must match dtype().
  template <class T>
  T* data() const {
    if (dtype_of<T>() != dtype())
      fail<TypeError>("tensor has dtype ", dtype_name(dtype()), ", accessed as ", dtype_name(dtype_of<T>()));
    return static_cast<T*>(storage()->data()) + offset();
  }
  void* data_ptr() const;

  // Autograd.
  bool requires_grad() const { return impl()->requires_grad; }
  // Only floating-point leaves can be marked; throws RuntimeError otherwise.
  Tensor& set_requires_grad(bool r);
  Tensor grad() const;
  void set_grad(const Tensor& g);
  const std::shared_ptr<Node>& grad_fn() const { return impl()->grad_fn; }
  bool is_leaf() const { return impl()->grad_fn == nullptr; }
  // Reverse-mode differentiation from this tensor (scalar unless gradient is given).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // Same storage, no graph history, requires_grad false.
  Tensor detach() const;

  // Replaces this tensor's data (storage, geometry, dtype) for every handle sharing it; used by
  // Module::to so optimizers and users keep valid references. Clears grad on a dtype change.
  void set_data(const Tensor& other);

  // The value of a one-element tensor (int64 values beyond 2**53 round).
  double item() const;
  std::string repr() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Contiguous (row-major) strides of a shape.
Shape contiguous_strides(const Shape& shape);
// Product of sizes; throws ValueError for negative sizes or a product that overflows int64.
int64_t shape_numel(const Shape& shape);
// Wraps a negative dimension index; throws IndexError when out of range.
int64_t wrap_dim(int64_t d, int64_t ndim, const char* op);

// A new uninitialised contiguous tensor.
Tensor empty(const Shape& shape, DType dtype = DType::float32);
// A tensor viewing `storage` with the given geometry (checked against the storage size).
Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset);

}  // namespace varbayes
