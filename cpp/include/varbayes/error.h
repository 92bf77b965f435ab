// Exception types of the library. The bindings translate them to the Python exception of the same
// name; messages name the op and the shapes/dtypes involved.
#pragma once

#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace varbayes {

// Wrong value or shape (Python ValueError).
struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Wrong type or dtype (Python TypeError).
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Index out of range (Python IndexError).
struct IndexError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
// Misuse of the autograd engine or other state errors (Python RuntimeError).
struct RuntimeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Allocation failure (Python MemoryError): a std::bad_alloc that says what could not be allocated.
struct MemoryError : std::bad_alloc {
  explicit MemoryError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// "[2, 3]"
std::string shape_str(const std::vector<int64_t>& shape);

// Builds a message from stream-able parts: fail<ValueError>("matmul: ", a, " vs ", b).
template <class E, class... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw E(os.str());
}

}  // namespace varbayes
