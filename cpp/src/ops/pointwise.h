// Internal helpers shared by the elementwise op files (elementwise.cpp, math.cpp, activation.cpp):
// the kernel-table entry points, the generic broadcast map and type promotion. No autograd here.
#pragma once

#include <array>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes::detail {

// y = op(x) through the kernel table (any layout; y is new and contiguous).
Tensor unary_kernel(cpu::Unary op, const Tensor& x);
// out = a (op) b for a and b already of one dtype; out is a new tensor of the broadcast shape.
Tensor binary_kernel(cpu::Binary op, const Tensor& a, const Tensor& b, const char* name);
// Brings a and b to one dtype (float64 wins), differentiably.
std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b);
// A 0-d tensor of t's dtype.
Tensor scalar_like(const Tensor& t, double v);

// Generic broadcast map over N inputs of one dtype, for ops without a SIMD kernel.
// f maps std::array<T, N> of input values to the output value.
template <size_t N, class F>
Tensor broadcast_map(const std::array<Tensor, N>& in, const char* name, F f) {
  Shape shape = in[0].shape();
  for (size_t k = 1; k < N; ++k) shape = broadcast_shapes(shape, in[k].shape(), name);
  Tensor out = empty(shape, in[0].dtype());
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    std::array<Shape, N + 1> strides;
    std::array<const T*, N> ptr;
    strides[0] = out.strides();
    for (size_t k = 0; k < N; ++k) {
      strides[k + 1] = detail::broadcast_strides(in[k], shape);
      ptr[k] = static_cast<const T*>(in[k].storage()->data()) + in[k].offset();
    }
    T* po = out.data<T>();
    for_each_run<N + 1>(shape, strides, [&](auto off, int64_t n, auto inner) {
      for (int64_t i = 0; i < n; ++i) {
        std::array<T, N> v;
        for (size_t k = 0; k < N; ++k) v[k] = ptr[k][off[k + 1] + i * inner[k + 1]];
        po[off[0] + i * inner[0]] = f(v);
      }
    });
  });
  return out;
}

}  // namespace varbayes::detail
