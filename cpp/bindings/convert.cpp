// Argument conversion shared by the binding files (see bindings.h).
#include <Python.h>

#include <algorithm>

#include "bindings.h"

namespace varbayes::bind {

DType parse_dtype(py::handle h, DType fallback) {
  if (h.is_none()) return fallback;
  if (py::isinstance<DType>(h)) return h.cast<DType>();
  // NumPy dtypes, scalar types (np.float32) and strings ("float64") all go through np.dtype.
  py::object np_dtype;
  try {
    np_dtype = py::module_::import("numpy").attr("dtype")(h);
  } catch (py::error_already_set&) {
    fail<TypeError>("unsupported dtype ", py::str(h).cast<std::string>(),
                    "; use varbayes.float32, float64, int32, int64 or bool");
  }
  const std::string name = py::str(np_dtype.attr("name"));
  for (DType d : kDTypes)
    if (name == dtype_name(d)) return d;
  fail<TypeError>("unsupported dtype ", name, "; tensors are float32, float64, int32, int64 or bool");
}

namespace {
int64_t as_size(py::handle h, const char* op) {
  if (!PyIndex_Check(h.ptr()) || PyBool_Check(h.ptr()))
    fail<TypeError>(op, ": sizes must be integers, got ", type_name(h));
  const long long v = PyLong_AsLongLong(py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr())).ptr());
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    fail<ValueError>(op, ": size ", py::str(h).cast<std::string>(), " is too large");
  }
  return v;
}
}  // namespace

std::vector<int64_t> parse_ints(const py::args& args, const char* op) {
  py::sequence seq = args;
  if (args.size() == 1 && py::isinstance<py::sequence>(args[0])) seq = args[0].cast<py::sequence>();
  std::vector<int64_t> out;
  for (py::handle h : seq) out.push_back(as_size(h, op));
  return out;
}

Shape parse_shape(const py::args& args, const char* op) {
  const Shape shape = parse_ints(args, op);
  for (int64_t d : shape)
    if (d < 0) fail<ValueError>(op, ": negative dimension ", d, " in shape ", shape_str(shape));
  return shape;
}

std::vector<int64_t> parse_dims(py::handle dims) {
  if (dims.is_none()) return {};
  if (py::isinstance<py::sequence>(dims)) {
    std::vector<int64_t> out;
    for (py::handle h : dims) out.push_back(as_size(h, "dim"));
    if (out.empty()) fail<ValueError>("dim: an empty sequence of dimensions is ambiguous; pass None for all");
    return out;
  }
  return {as_size(dims, "dim")};
}

py::array to_numpy(const Tensor& t) {
  // The capsule owns a reference to the storage, so the array keeps the memory alive.
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  const auto item = static_cast<py::ssize_t>(itemsize(t.dtype()));
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end()), strides;
  for (int64_t s : t.strides()) strides.push_back(s * item);
  const py::dtype dt = dispatch_all(t.dtype(), [](auto tag) { return py::dtype::of<decltype(tag)>(); });
  return py::array(dt, shape, strides, t.data_ptr(), base);
}

Tensor from_numpy(const py::array& a) {
  const std::string kind = py::str(a.dtype().attr("name"));
  const DType* found = std::find_if(std::begin(kDTypes), std::end(kDTypes), [&](DType d) { return kind == dtype_name(d); });
  if (found == std::end(kDTypes))
    fail<TypeError>("from_numpy: unsupported dtype ", kind,
                    "; tensors are float32, float64, int32, int64 or bool (use vb.tensor(a, dtype=...) to convert)");
  // A tensor shares the array's memory and reads it in the machine's byte order.
  if (!a.dtype().attr("isnative").cast<bool>())
    fail<TypeError>("from_numpy: the array's byte order is not the machine's (dtype ", std::string(py::str(a.dtype())),
                    "); a tensor cannot share its memory (use vb.tensor() to convert)");
  if (!a.writeable())
    fail<ValueError>("from_numpy: the array is read-only; a tensor shares its memory and could write to it "
                     "(pass a writable copy, e.g. np.array(a))");
  const DType dt = *found;
  const auto item = static_cast<int64_t>(itemsize(dt));
  Shape shape, strides;
  int64_t extent = 1;
  bool empty_array = false;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    const int64_t s = a.strides(i);
    if (s < 0 || s % item != 0)
      fail<ValueError>("from_numpy: negative or unaligned strides are not supported (use np.ascontiguousarray)");
    shape.push_back(a.shape(i));
    strides.push_back(s / item);
    if (a.shape(i) == 0) empty_array = true;
    else extent += (a.shape(i) - 1) * (s / item);
  }
  if (empty_array) extent = 0;
  // The storage holds a reference to the array, released with the GIL held.
  PyObject* obj = a.ptr();
  Py_INCREF(obj);
  std::shared_ptr<void> owner(obj, [](void* o) {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    Py_DECREF(static_cast<PyObject*>(o));
  });
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::borrow(const_cast<void*>(a.data()), static_cast<size_t>(extent * item), std::move(owner));
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->dtype = dt;
  return Tensor(std::move(impl));
}

namespace {
// Array-likes go through vb.tensor (a copy, inferring the dtype as torch.tensor).
Tensor tensor_from(py::handle h) { return py::module_::import("varbayes").attr("tensor")(h).cast<Tensor>(); }
}  // namespace

Tensor as_tensor(py::handle h) {
  if (py::isinstance<Tensor>(h)) return h.cast<Tensor>();
  if (PyFloat_Check(h.ptr()) || PyLong_Check(h.ptr())) return scalar_tensor(h.cast<double>(), kDefaultFloat);
  return tensor_from(h);
}

Tensor as_operand(py::handle h) {
  if (py::isinstance<Tensor>(h)) return h.cast<Tensor>();
  if (PyBool_Check(h.ptr())) return wrapped_number(h.ptr() == Py_True);
  if (PyLong_Check(h.ptr())) {
    const long long v = PyLong_AsLongLong(h.ptr());
    if (v == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      fail<ValueError>("the Python integer ", py::str(h).cast<std::string>(), " does not fit in int64");
    }
    return wrapped_number(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(h.ptr())) return wrapped_number(PyFloat_AsDouble(h.ptr()));
  return tensor_from(h);
}

std::vector<int64_t> parse_index(py::handle h, const char* op) {
  py::object np = py::module_::import("numpy");
  py::array arr = py::isinstance<Tensor>(h) ? to_numpy(h.cast<Tensor>()) : np.attr("asarray")(h).cast<py::array>();
  const std::string kind = py::str(arr.dtype().attr("kind"));
  if (arr.ndim() > 1) fail<ValueError>(op, ": indices must be one-dimensional, got ", arr.ndim(), " dimensions");
  if (kind == "f") {
    py::array rounded = np.attr("round")(arr);
    if (!np.attr("array_equal")(rounded, arr).cast<bool>() || !np.attr("all")(np.attr("isfinite")(arr)).cast<bool>())
      fail<ValueError>(op, ": indices must be integers, got non-integral values");
  } else if (kind != "i" && kind != "u") {
    fail<TypeError>(op, ": indices must be integers, got an array of dtype ", py::str(arr.dtype()).cast<std::string>());
  }
  py::array_t<int64_t, py::array::c_style | py::array::forcecast> ints(arr);
  return std::vector<int64_t>(ints.data(), ints.data() + ints.size());
}

bool is_device(py::handle h) {
  if (py::isinstance(h, py::module_::import("varbayes.device").attr("device"))) return true;
  if (!py::isinstance<py::str>(h)) return false;
  const std::string s = h.cast<std::string>();
  return s == "cpu" || s.rfind("cpu:", 0) == 0 || s.rfind("cuda", 0) == 0 || s.rfind("mps", 0) == 0 ||
         s == "meta" || s.rfind("xpu", 0) == 0;
}

void check_device(py::handle device) {
  if (device.is_none()) return;
  const std::string s = py::str(device).cast<std::string>();
  if (s != "cpu" && s != "cpu:0")
    fail<ValueError>("to: device '", s, "' is not available; varbayes tensors live on the CPU ('cpu')");
}

std::optional<DType> parse_to(const py::args& args, const py::kwargs& kwargs, const char* op) {
  if (args.size() > 2) fail<TypeError>(op, ": takes at most 2 positional arguments (device, dtype), got ", args.size());
  std::optional<DType> dtype;
  for (py::handle a : args) {
    if (a.is_none()) continue;
    if (py::isinstance<Tensor>(a)) dtype = a.cast<Tensor>().dtype();
    else if (is_device(a)) check_device(a);
    else dtype = parse_dtype(a);
  }
  for (auto [key, value] : kwargs) {
    const std::string k = py::str(key);
    if (k == "device") check_device(value);
    else if (k == "dtype") {
      if (!value.is_none()) dtype = parse_dtype(value);
    } else if (k != "non_blocking" && k != "copy" && k != "memory_format") {
      fail<TypeError>(op, ": unexpected keyword argument '", k, "'");
    }
  }
  return dtype;
}

std::string type_name(py::handle h) { return py::str(py::type::of(h)).cast<std::string>(); }

uint64_t parse_uint64(py::handle h, const char* what) {
  if (!PyIndex_Check(h.ptr()) || PyBool_Check(h.ptr()))
    fail<TypeError>(what, " must be an integer, got ", type_name(h));
  const auto index = py::reinterpret_steal<py::int_>(PyNumber_Index(h.ptr()));
  const unsigned long long v = PyLong_AsUnsignedLongLong(index.ptr());
  if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    fail<ValueError>(what, " must be in [0, 2**64), got ", py::str(index).cast<std::string>());
  }
  return v;
}

}  // namespace varbayes::bind

namespace pybind11::detail {

using varbayes::bind::type_name;

bool type_caster<varbayes::bind::Seed>::load(handle src, bool) {
  value.value = varbayes::bind::parse_uint64(src, "seed");
  return true;
}

bool type_caster<varbayes::bind::Betas>::load(handle src, bool) {
  using namespace varbayes;
  if (!isinstance<sequence>(src) || isinstance<str>(src))
    fail<TypeError>("betas must be a pair of numbers (beta1, beta2), got ", type_name(src));
  const auto seq = reinterpret_borrow<sequence>(src);
  if (seq.size() != 2) fail<ValueError>("betas must be a pair of numbers (beta1, beta2), got ", seq.size(), " values");
  double b[2];
  for (size_t i = 0; i < 2; ++i) {
    make_caster<double> number;
    if (!number.load(seq[i], true))
      fail<TypeError>("betas must be a pair of numbers (beta1, beta2), got a ", type_name(seq[i]));
    b[i] = cast_op<double>(number);
  }
  value = {b[0], b[1]};
  return true;
}

}  // namespace pybind11::detail
