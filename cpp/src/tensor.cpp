#include "varbayes/tensor.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <new>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "varbayes/autograd.h"

namespace varbayes {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

namespace {

class BlockCache;
BlockCache& block_cache();

// Freed tensor memory is kept for reuse, keyed by its (64-byte rounded) size. Training repeats the
// same allocations every step; without a cache, glibc returns the large ones to the OS (mmap /
// munmap) and every step faults them in again, which cost 3-4 ms of a 25 ms Bayesian MLP step and
// about a third of the small regression network's step. The cache is bounded: beyond kCacheLimit
// bytes, freed blocks go back to malloc.
class BlockCache {
 public:
#if defined(__SANITIZE_ADDRESS__)
  static constexpr size_t kCacheLimit = 0;  // reused blocks would hide use-after-free from ASan
#else
  static constexpr size_t kCacheLimit = size_t{512} << 20;
#endif

  // The mutex is held across fork() so that a child never inherits it locked by another thread.
  BlockCache() {
    pthread_atfork([] { block_cache().mutex_.lock(); }, [] { block_cache().mutex_.unlock(); },
                   [] { block_cache().mutex_.unlock(); });
  }

  void* take(size_t rounded) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(rounded);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= rounded;
    return p;
  }

  void give(void* p, size_t rounded) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + rounded <= kCacheLimit) {
        free_[rounded].push_back(p);
        cached_ += rounded;
        return;
      }
    }
    std::free(p);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

// Leaked on purpose: tensors held by Python objects may be destroyed after static destructors ran.
BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache();
  return *cache;
}

size_t rounded_size(size_t nbytes) {
  // aligned_alloc requires a multiple of the alignment; never allocate 0 bytes.
  return (std::max<size_t>(nbytes, 1) + Storage::kAlignment - 1) / Storage::kAlignment * Storage::kAlignment;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes) {
  const size_t rounded = rounded_size(nbytes);
  if (rounded < nbytes) fail<MemoryError>("cannot allocate ", nbytes, " bytes of tensor storage");
  void* p = block_cache().take(rounded);
  if (!p) p = std::aligned_alloc(kAlignment, rounded);
  if (!p) fail<MemoryError>("cannot allocate ", nbytes, " bytes of tensor storage");
  return std::shared_ptr<Storage>(new Storage(p, nbytes, nullptr));
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t nbytes, std::shared_ptr<void> owner) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(owner)));
}

Storage::~Storage() {
  if (!owner_) block_cache().give(data_, rounded_size(nbytes_));
}

Shape contiguous_strides(const Shape& shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= std::max<int64_t>(shape[i], 1);
  }
  return s;
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail<ValueError>("negative dimension ", d, " in shape ", shape_str(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      fail<ValueError>("shape ", shape_str(shape), " has too many elements");
    n *= d;
  }
  return n;
}

int64_t wrap_dim(int64_t d, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // 0-d tensors accept dim 0 / -1 like NumPy reductions
  if (d < -n || d >= n)
    fail<IndexError>(op, ": dimension ", d, " out of range for a tensor with ", ndim, " dimensions");
  return d < 0 ? d + n : d;
}

Tensor empty(const Shape& shape, DType dtype) {
  const int64_t n = shape_numel(shape);
  const size_t item = itemsize(dtype);
  if (static_cast<uint64_t>(n) > std::numeric_limits<size_t>::max() / item)
    fail<MemoryError>("cannot allocate a ", dtype_name(dtype), " tensor of shape ", shape_str(shape), " (", n,
                      " elements)");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<size_t>(n) * item);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

TensorImpl* Tensor::impl() const {
  if (!impl_) fail<RuntimeError>("use of an undefined tensor");
  return impl_.get();
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape()) n *= d;
  return n;
}

int64_t Tensor::size(int64_t d) const { return shape()[wrap_dim(d, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

void* Tensor::data_ptr() const {
  return static_cast<char*>(storage()->data()) + offset() * static_cast<int64_t>(itemsize(dtype()));
}

Tensor& Tensor::set_requires_grad(bool r) {
  if (!is_leaf())
    fail<RuntimeError>("requires_grad can only be changed on leaf tensors; use detach() for a non-leaf");
  if (r && !is_floating_point(dtype()))
    fail<RuntimeError>("only Tensors of floating point dtype can require gradients (got ", dtype_name(dtype()), ")");
  impl()->requires_grad = r;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(impl()->grad); }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined() && (g.shape() != shape() || g.dtype() != dtype()))
    fail<ValueError>("grad of shape ", shape_str(g.shape()), " (", dtype_name(g.dtype()),
                     ") assigned to a tensor of shape ", shape_str(shape()), " (", dtype_name(dtype()), ")");
  impl()->grad = g.impl_ptr();
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  run_backward(*this, gradient, retain_graph);
}

Tensor Tensor::detach() const { return make_view(*this, shape(), strides(), offset()); }

void Tensor::set_data(const Tensor& other) {
  TensorImpl* me = impl();
  if (other.dtype() != me->dtype) me->grad.reset();
  me->storage = other.storage();
  me->shape = other.shape();
  me->strides = other.strides();
  me->offset = other.offset();
  me->dtype = other.dtype();
}

double Tensor::item() const {
  if (numel() != 1)
    fail<ValueError>("item(): a tensor with ", numel(), " elements (shape ", shape_str(shape()),
                     ") cannot be converted to a scalar");
  return dispatch_all(dtype(), [&](auto t) { return static_cast<double>(*data<decltype(t)>()); });
}

std::string Tensor::repr() const {
  std::ostringstream os;
  os << "Tensor(shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
  if (requires_grad()) os << ", requires_grad=True";
  os << ')';
  return os.str();
}

}  // namespace varbayes
