// Internal helpers shared by the elementwise op files (elementwise.cpp, math.cpp, activation.cpp):
// the kernel-table entry points, the generic broadcast map, integer arithmetic and type promotion.
// No autograd here.
#pragma once

#include <algorithm>
#include <array>
#include <type_traits>

#include "cpu/kernels.h"
#include "ops/iter.h"
#include "varbayes/ops.h"

namespace varbayes::detail {

// y = op(x) through the kernel table (any layout; y is new and contiguous). Integer and bool input
// is computed in the default float dtype, except neg/abs/relu which stay integer (bool refused).
Tensor unary_kernel(cpu::Unary op, const Tensor& x, const char* name);
// out = a (op) b for a and b already of one dtype; out is a new tensor of the broadcast shape.
Tensor binary_kernel(cpu::Binary op, const Tensor& a, const Tensor& b, const char* name);
// Brings a and b to their result_type, differentiably.
std::pair<Tensor, Tensor> promoted(const Tensor& a, const Tensor& b);
// As promoted, with integer and bool results raised to the default float dtype (true division).
std::pair<Tensor, Tensor> promoted_floating(const Tensor& a, const Tensor& b);
// x itself when floating point, else x in the default float dtype (ops defined on reals only).
Tensor floating(const Tensor& x);
// A 0-d tensor of t's dtype.
Tensor scalar_like(const Tensor& t, double v);
// floor(a / b) (mod false) or a - b * floor(a / b) (mod true) with Python's sign rules, in
// floating point or integers (integer division by zero throws RuntimeError); no graph.
Tensor floor_div_or_mod(const Tensor& a, const Tensor& b, bool mod, const char* name);
// TypeError naming op for a bool tensor.
void refuse_bool(const Tensor& x, const char* op);

// Integer arithmetic wraps around on overflow, as PyTorch's (signed overflow is undefined
// behaviour in C++, unsigned arithmetic is modular); on bool, + is `or` and * is `and`.
template <class T>
T wrap_add(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else return a + b;
}

template <class T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a != b;
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
  else return a - b;
}

template <class T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else if constexpr (std::is_integral_v<T>) return static_cast<T>(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
  else return a * b;
}

// a ** b for integers by repeated squaring; a negative b gives the truncated 1 / a**-b, as
// torch: 0 except for a = 1 or -1 (and 0 for a = 0 instead of a division by zero).
template <class T>
T int_pow(T a, T b) {
  if (b < T(0)) return a == T(1) ? T(1) : a == T(-1) ? static_cast<T>(b % 2 ? -1 : 1) : T(0);
  T r = T(1);
  for (; b > T(0); b = static_cast<T>(b / 2)) {
    if (b % 2) r = wrap_mul(r, a);
    a = wrap_mul(a, a);
  }
  return r;
}

// out = f(in...) elementwise over the broadcast of the inputs (all of element type T), with out
// of element type R; the body of broadcast_map and floating_map.
template <class T, class R, size_t N, class F>
void map_into(const std::array<Tensor, N>& in, const Tensor& out, F& f) {
  const Shape& shape = out.shape();
  std::array<Shape, N + 1> strides;
  std::array<const T*, N> ptr;
  strides[0] = out.strides();
  for (size_t k = 0; k < N; ++k) {
    strides[k + 1] = detail::broadcast_strides(in[k], shape);
    ptr[k] = static_cast<const T*>(in[k].storage()->data()) + in[k].offset();
  }
  R* po = out.data<R>();
  for_each_run<N + 1>(shape, strides, [&](auto off, int64_t n, auto inner) {
    for (int64_t i = 0; i < n; ++i) {
      std::array<T, N> v;
      for (size_t k = 0; k < N; ++k) v[k] = ptr[k][off[k + 1] + i * inner[k + 1]];
      po[off[0] + i * inner[0]] = f(v);
    }
  });
}

// Generic broadcast map over N inputs of one dtype (any dtype), for ops without a SIMD kernel.
// The result has the inputs' dtype, or bool when ToBool. f must not throw (it may run in an
// OpenMP region): ops validate their inputs before mapping.
template <bool ToBool, size_t N, class F>
Tensor broadcast_map(const std::array<Tensor, N>& in, const char* name, F f) {
  Shape shape = in[0].shape();
  for (size_t k = 1; k < N; ++k) shape = broadcast_shapes(shape, in[k].shape(), name);
  Tensor out = empty(shape, ToBool ? DType::bool_ : in[0].dtype());
  dispatch_all(in[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    map_into<T, std::conditional_t<ToBool, bool, T>>(in, out, f);
  });
  return out;
}

// broadcast_map for functions defined on reals only: the inputs are float32 or float64 (callers
// bring integer input to floating() first), so f is instantiated for float and double alone.
template <size_t N, class F>
Tensor floating_map(const std::array<Tensor, N>& in, const char* name, F f) {
  Shape shape = in[0].shape();
  for (size_t k = 1; k < N; ++k) shape = broadcast_shapes(shape, in[k].shape(), name);
  Tensor out = empty(shape, in[0].dtype());
  dispatch_dtype(in[0].dtype(), [&](auto tag) { map_into<decltype(tag), decltype(tag)>(in, out, f); });
  return out;
}

// True when any element of t satisfies pred (t of any dtype; no graph).
template <class P>
bool any_of(const Tensor& t, P pred) {
  const Tensor c = materialize(t);
  return dispatch_all(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data<T>();
    return std::any_of(p, p + c.numel(), [&](T v) { return pred(v); });
  });
}

}  // namespace varbayes::detail
