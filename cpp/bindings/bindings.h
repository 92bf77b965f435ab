// Shared helpers of the binding files: argument conversion only (docs/design.md section 3, rule 5).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "varbayes/varbayes.h"

namespace py = pybind11;

namespace varbayes::bind {

void init_tensor(py::module_& m);
void init_ops(py::module_& m);
void init_random(py::module_& m);
void init_nn(py::module_& m);
void init_bayes(py::module_& m);
void init_optim(py::module_& m);
void init_cpu(py::module_& m);
void init_checkpoint(py::module_& m);

// Every dtype, in the enum's order.
inline constexpr DType kDTypes[] = {DType::float32, DType::float64, DType::int32, DType::int64, DType::bool_};

// dtype from vb.float32 etc., NumPy dtypes/types, their names or Python's int/float/bool (int64,
// float64, bool as in torch); None gives `fallback`.
DType parse_dtype(py::handle h, DType fallback = DType::float32);
// Integers from varargs (2, 3) or a single tuple/list ((2, 3)).
std::vector<int64_t> parse_ints(const py::args& args, const char* op);
// Shape from varargs (2, 3), a single tuple/list ((2, 3)) or nothing (a 0-d shape).
Shape parse_shape(const py::args& args, const char* op);
// Dims argument: None (all), an int, or a sequence of ints.
std::vector<int64_t> parse_dims(py::handle dims);
// A Tensor from a Tensor, a Python number (a float32 0-d tensor) or an array-like (vb.tensor).
Tensor as_tensor(py::handle h);
// An operand of an op: a Tensor, a Python bool/int/float as a wrapped number (which only raises
// the category in type promotion, as in torch) or an array-like (vb.tensor).
Tensor as_operand(py::handle h);
// Integer class targets from a sequence, a NumPy integer array or an integral-valued Tensor.
std::vector<int64_t> parse_index(py::handle h, const char* op);
// A NumPy array that views t's memory and keeps its storage alive.
py::array to_numpy(const Tensor& t);
// A tensor sharing the memory of a float32/float64/int32/int64/bool NumPy array.
Tensor from_numpy(const py::array& a);

// True for a vb.device or a device name ("cpu", "cuda:0", ...) rather than a dtype.
bool is_device(py::handle h);
// ValueError unless device (a vb.device or a name; None passes) is the CPU, the only device here.
void check_device(py::handle device);
// The dtype asked of Tensor.to / Module.to (torch's forms: (dtype), (device, dtype), (tensor),
// device=, dtype=); the device must be the CPU. nullopt when no dtype is given.
std::optional<DType> parse_to(const py::args& args, const py::kwargs& kwargs, const char* op);

// "<class 'float'>": the type of h, for error messages.
std::string type_name(py::handle h);
// A Python or NumPy integer in [0, 2**64); errors name it `what`.
uint64_t parse_uint64(py::handle h, const char* what);

// Argument types whose bad values get an exception naming them instead of pybind11's
// "incompatible function arguments" signature dump (their casters throw rather than decline,
// so they suit functions without overloads).
// A random seed: a Python or NumPy integer in [0, 2**64).
struct Seed {
  uint64_t value;
};
// Adam's (beta1, beta2): any sequence of two numbers, as torch.optim.Adam takes.
struct Betas {
  double beta1, beta2;
};

}  // namespace varbayes::bind

namespace pybind11::detail {

template <>
struct type_caster<varbayes::bind::Seed> {
  PYBIND11_TYPE_CASTER(varbayes::bind::Seed, io_name("typing.SupportsIndex", "int"));
  bool load(handle src, bool);
  static handle cast(varbayes::bind::Seed seed, return_value_policy, handle) {
    return PyLong_FromUnsignedLongLong(seed.value);
  }
};

template <>
struct type_caster<varbayes::bind::Betas> {
  PYBIND11_TYPE_CASTER(varbayes::bind::Betas,
                       io_name("collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]",
                               "tuple[float, float]"));
  bool load(handle src, bool);
  static handle cast(varbayes::bind::Betas b, return_value_policy, handle) {
    return make_tuple(b.beta1, b.beta2).release();
  }
};

}  // namespace pybind11::detail
