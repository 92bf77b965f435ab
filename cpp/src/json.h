// A minimal JSON value with a reader and a writer, for checkpoint headers (RFC 8259, plus the
// NaN/Infinity/-Infinity tokens Python's json module reads and writes). Objects keep key order.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace varbayes::json {

class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;

  Value() = default;  // null
  Value(bool b) : v_(b) {}
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T i) : v_(static_cast<int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  // Typed access; a ValueError naming `what` (e.g. "config 'p'") when the value has another type.
  bool as_bool(std::string_view what) const;
  int64_t as_int(std::string_view what) const;
  double as_number(std::string_view what) const;  // an integer or a float
  const std::string& as_string(std::string_view what) const;
  const Array& as_array(std::string_view what) const;
  const Object& as_object(std::string_view what) const;
  // Member of an object, or null if absent (this must be an object).
  const Value* find(std::string_view key) const;
  // Member of an object; ValueError naming the missing key.
  const Value& at(std::string_view key) const;
  // Calls f with the held alternative (std::nullptr_t, bool, int64_t, double, string, Array or Object).
  template <class F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_ = nullptr;
};

// Parses a complete JSON text; ValueError saying what is wrong and at which byte.
Value parse(std::string_view text);
// JSON text with the separators of Python's json.dumps (non-ASCII passes through as UTF-8; floats
// round-trip exactly).
std::string dump(const Value& v);

}  // namespace varbayes::json
