// Element types of tensors and PyTorch's type promotion between them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "varbayes/error.h"

namespace varbayes {

// bool_ is stored as one byte holding 0 or 1 (C++ bool, NumPy bool_).
enum class DType : uint8_t { float32 = 0, float64 = 1, int32 = 2, int64 = 3, bool_ = 4 };

// Size of one element in bytes.
inline size_t itemsize(DType d) {
  switch (d) {
    case DType::float32:
    case DType::int32: return 4;
    case DType::float64:
    case DType::int64: return 8;
    case DType::bool_: return 1;
  }
  return 0;
}

// "float32", "float64", "int32", "int64", "bool".
inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::bool_: return "bool";
  }
  return "?";
}

inline bool is_floating_point(DType d) { return d == DType::float32 || d == DType::float64; }

// Promotion category as in PyTorch: bool < integer < floating.
enum class DTypeCategory : uint8_t { boolean = 0, integer = 1, floating = 2 };
inline DTypeCategory category(DType d) {
  if (d == DType::bool_) return DTypeCategory::boolean;
  return is_floating_point(d) ? DTypeCategory::floating : DTypeCategory::integer;
}

// The smallest dtype both a and b convert to without losing their category or width
// (torch.promote_types): int32 + int64 -> int64, int64 + float32 -> float32, bool + x -> x.
DType promote_types(DType a, DType b);

// Whether a value of dtype `from` may be cast to `to` by an in-place op (torch.can_cast): never
// to a lower category.
inline bool can_cast(DType from, DType to) { return category(from) <= category(to); }

// The floating dtype an integer or bool input of a floating-only op (exp, /, ...) becomes.
constexpr DType kDefaultFloat = DType::float32;

// Calls f with a value of the C++ type for a floating dtype (float or double):
// dispatch_dtype(d, [&](auto t) { using T = decltype(t); ... }). Float-only kernels go through
// here; an integer or bool dtype throws TypeError instead of reading its memory as floats (ops
// check their inputs first and name themselves; this is the last line of defence).
template <class F>
decltype(auto) dispatch_dtype(DType d, F&& f) {
  if (d == DType::float32) return f(float{});
  if (d == DType::float64) return f(double{});
  fail<TypeError>("a floating-point kernel got a tensor of dtype ", dtype_name(d));
}

// Calls f with a value of the C++ type of any dtype (float, double, int32_t, int64_t, bool).
template <class F>
decltype(auto) dispatch_all(DType d, F&& f) {
  switch (d) {
    case DType::float32: return f(float{});
    case DType::float64: return f(double{});
    case DType::int32: return f(int32_t{});
    case DType::int64: return f(int64_t{});
    case DType::bool_: break;
  }
  return f(bool{});
}

// static_cast<T>(v), except that a floating value converted to an integer type saturates at the
// type's range and NaN becomes 0 (a plain cast of those is undefined behaviour); a value converted
// to bool is v != 0, and floating to integer truncates toward zero, as PyTorch's casts.
template <class T, class S>
T convert(S v) {
  if constexpr (std::is_floating_point_v<S> && std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v != v) return T(0);
    if (v <= static_cast<S>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
    if (v >= static_cast<S>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  }
  return static_cast<T>(v);
}

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::float32;
  else if constexpr (std::is_same_v<T, double>) return DType::float64;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::int32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::int64;
  else {
    static_assert(std::is_same_v<T, bool>, "no DType for this C++ type");
    return DType::bool_;
  }
}

}  // namespace varbayes
