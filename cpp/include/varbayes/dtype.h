// Floating-point element types of tensors.
#pragma once

#include <cstddef>
#include <cstdint>

#include "varbayes/error.h"

namespace varbayes {

enum class DType : uint8_t { float32 = 0, float64 = 1 };

// Size of one element in bytes.
inline size_t itemsize(DType d) { return d == DType::float32 ? 4 : 8; }
// "float32" / "float64".
inline const char* dtype_name(DType d) { return d == DType::float32 ? "float32" : "float64"; }

// Calls f with a value of the C++ type for d (float or double): dispatch_dtype(d, [&](auto t) {
// using T = decltype(t); ... }).
template <class F>
decltype(auto) dispatch_dtype(DType d, F&& f) {
  if (d == DType::float32) return f(float{});
  return f(double{});
}

template <class T>
constexpr DType dtype_of() {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  return sizeof(T) == 4 ? DType::float32 : DType::float64;
}

}  // namespace varbayes
