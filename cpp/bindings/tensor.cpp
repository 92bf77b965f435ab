// The Tensor class: properties, NumPy exchange, indexing, autograd entry points.
#include <Python.h>

#include <sstream>

#include "bindings.h"

namespace varbayes::bind {

namespace {

using namespace pybind11::literals;

// Basic and integer-array indexing: ints, slices (positive step), None, Ellipsis, and one
// 1-D integer array/list (index_select). All are differentiable views or copies.
Tensor index(const Tensor& t, py::handle idx, bool* advanced = nullptr) {
  py::tuple items = py::isinstance<py::tuple>(idx) ? py::reinterpret_borrow<py::tuple>(idx) : py::make_tuple(idx);
  int64_t consumed = 0;
  bool has_ellipsis = false;
  for (py::handle it : items) {
    if (it.is_none()) continue;
    if (it.ptr() == Py_Ellipsis) {
      if (has_ellipsis) fail<IndexError>("an index can only have a single ellipsis ('...')");
      has_ellipsis = true;
      continue;
    }
    ++consumed;
  }
  if (consumed > t.dim())
    fail<IndexError>("too many indices for a tensor of dimension ", t.dim(), " (", consumed, " given)");
  Tensor r = t;
  int64_t d = 0;
  bool used_array = false;
  for (py::handle it : items) {
    if (it.is_none()) {
      r = unsqueeze(r, d++);
    } else if (it.ptr() == Py_Ellipsis) {
      d += t.dim() - consumed;
    } else if (PyBool_Check(it.ptr())) {
      fail<TypeError>("boolean indices are not supported; use where() or index_select()");
    } else if (PyIndex_Check(it.ptr()) && !py::isinstance<Tensor>(it)) {
      r = select(r, d, it.cast<int64_t>());
    } else if (py::isinstance<py::slice>(it)) {
      py::ssize_t start, stop, step, len;
      if (!it.cast<py::slice>().compute(r.shape()[d], &start, &stop, &step, &len)) throw py::error_already_set();
      if (step <= 0) fail<ValueError>("slices with a negative or zero step are not supported");
      r = slice(r, d++, start, stop, step);
    } else if (py::isinstance<py::sequence>(it) || py::isinstance<py::array>(it) || py::isinstance<Tensor>(it)) {
      if (used_array) fail<IndexError>("only one integer-array index is supported per indexing expression");
      used_array = true;
      r = index_select(r, d++, parse_index(it, "index"));
    } else {
      fail<TypeError>("unsupported index of type ", type_name(it));
    }
  }
  if (advanced) *advanced = used_array;
  return r;
}

std::string tensor_repr(const Tensor& t) {
  py::object np = py::module_::import("numpy");
  // ostringstream rather than std::string operator+: gcc 12 -O3 gives a false -Wrestrict there.
  std::ostringstream os;
  os << "tensor("
     << py::str(np.attr("array2string")(to_numpy(t), "separator"_a = ", ", "prefix"_a = "tensor(",
                                        "threshold"_a = 1000))
            .cast<std::string>()
     << ", dtype=" << dtype_name(t.dtype());
  if (t.grad_fn()) os << ", grad_fn=<" << t.grad_fn()->name() << ">";
  else if (t.requires_grad()) os << ", requires_grad=True";
  os << ")";
  return os.str();
}

// The value of a one-element tensor as a Python int, bool or float (by dtype).
py::object item(const Tensor& t) {
  const double v = t.item();  // checks that t has one element
  switch (t.dtype()) {
    case DType::bool_: return py::bool_(v != 0.0);
    case DType::int32:
    case DType::int64: return py::int_(dispatch_all(t.dtype(), [&](auto tag) {
      return static_cast<int64_t>(*t.data<decltype(tag)>());
    }));
    default: return py::float_(v);
  }
}

// Operators convert the other operand under the GIL and compute without it.
Tensor binary_with(const Tensor& a, py::handle b, Tensor (*op)(const Tensor&, const Tensor&), bool reflected) {
  const Tensor bt = as_operand(b);
  py::gil_scoped_release release;
  return reflected ? op(bt, a) : op(a, bt);
}

}  // namespace

void init_tensor(py::module_& m) {
  py::enum_<DType> dtype(m, "DType", "Element type of a tensor: varbayes.float32, float64, int32, int64 or bool.");
  for (DType d : kDTypes) dtype.value(dtype_name(d), d);
  dtype.def_property_readonly("itemsize", [](DType d) { return itemsize(d); }, "Bytes per element.")
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating_point(d); },
                             "True for float32 and float64.");
  // Replaced rather than added with .def: py::enum_ has defined both, and .def would only add an
  // overload after them.
  const py::cpp_function dtype_repr([](DType d) { return std::string("varbayes.").append(dtype_name(d)); },
                                    py::is_method(dtype));
  dtype.attr("__repr__") = dtype_repr;
  dtype.attr("__str__") = dtype_repr;
  for (DType d : kDTypes) m.attr(dtype_name(d)) = d;
  // torch's aliases.
  m.attr("float") = DType::float32;
  m.attr("double") = DType::float64;
  m.attr("int") = DType::int32;
  m.attr("long") = DType::int64;

  py::class_<Node, std::shared_ptr<Node>>(m, "Node", "A node of the autograd graph (the op that made a tensor).")
      .def("name", &Node::name, "Name of the op.")
      .def_property_readonly(
          "next_functions",
          [](const Node& n) {
            py::list out;
            for (const Edge& e : n.next()) out.append(e.fn ? py::cast(e.fn) : py::none());
            return out;
          },
          "The nodes of the inputs (None for leaves and inputs without grad).")
      .def("__repr__", [](const Node& n) { return std::string("<") + n.name() + ">"; });

  py::class_<Tensor> cls(m, "Tensor",
                         "An n-dimensional array (float32, float64, int32, int64 or bool) with reverse-mode autodiff "
                         "of its floating-point values.");
  cls.def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); }, "Sizes of the dimensions.")
      .def_property_readonly("dtype", &Tensor::dtype, "Element type (varbayes.float32, float64, int32, int64, bool).")
      .def("is_floating_point", [](const Tensor& t) { return is_floating_point(t.dtype()); },
           "True when the dtype is float32 or float64.")
      .def_property_readonly("ndim", &Tensor::dim, "Number of dimensions.")
      .def("dim", &Tensor::dim, "Number of dimensions.")
      .def("numel", &Tensor::numel, "Number of elements.")
      .def(
          "size", [](const Tensor& t, py::object dim) -> py::object {
            if (dim.is_none()) return py::tuple(py::cast(t.shape()));
            return py::cast(t.size(dim.cast<int64_t>()));
          },
          py::arg("dim") = py::none(), "Shape, or the size of one dimension.")
      .def(
          "stride", [](const Tensor& t, py::object dim) -> py::object {
            if (dim.is_none()) return py::tuple(py::cast(t.strides()));
            return py::cast(t.strides()[wrap_dim(dim.cast<int64_t>(), t.dim(), "stride")]);
          },
          py::arg("dim") = py::none(), "Strides in elements, or the stride of one dimension.")
      .def("is_contiguous", &Tensor::is_contiguous, "True when the elements are laid out row-major without gaps.")
      .def_property(
          "requires_grad", &Tensor::requires_grad, [](Tensor& t, bool r) { t.set_requires_grad(r); },
          "Whether gradients are computed for this tensor.")
      .def(
          "requires_grad_", [](Tensor& t, bool r) -> Tensor& { return t.set_requires_grad(r); }, py::arg("requires_grad") = true,
          "Sets requires_grad in place and returns the tensor.")
      .def_property(
          "grad", [](const Tensor& t) -> py::object { return t.grad().defined() ? py::cast(t.grad()) : py::none(); },
          [](Tensor& t, py::object g) { t.set_grad(g.is_none() ? Tensor() : g.cast<Tensor>()); },
          "Accumulated gradient (None until backward reaches this tensor).")
      .def_property_readonly(
          "grad_fn", [](const Tensor& t) -> py::object { return t.grad_fn() ? py::cast(t.grad_fn()) : py::none(); },
          "The autograd node that produced this tensor (None for leaves).")
      .def_property_readonly("is_leaf", &Tensor::is_leaf, "True for tensors not produced by a recorded op.")
      .def_property(
          "data", &Tensor::detach, [](Tensor& t, const Tensor& d) { t.set_data(d); },
          "A detached alias of this tensor; assigning replaces the data of every alias.")
      .def("backward", [](const Tensor& t, std::optional<Tensor> gradient, bool retain_graph) {
        t.backward(gradient.value_or(Tensor()), retain_graph);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = false, py::call_guard<py::gil_scoped_release>(),
           "Accumulates d(self)/d(leaf) into each leaf's .grad; the graph is freed unless retain_graph.")
      .def("detach", &Tensor::detach, "The same data without graph history.")
      .def("item", &item, "The value of a one-element tensor as a Python float, int or bool (by dtype).")
      .def("numpy", &to_numpy, "A NumPy array sharing this tensor's memory (no copy).")
      .def("__array__", [](const Tensor& t, py::object dtype, py::object) {
            py::array a = to_numpy(t);
            return dtype.is_none() ? a : py::array(a.attr("astype")(dtype));
          }, py::arg("dtype") = py::none(), py::arg("copy") = py::none())
      .def("tolist", [](const Tensor& t) { return to_numpy(t).attr("tolist")(); },
           "Nested Python lists of floats, ints or bools (by dtype).")
      .def("__repr__", &tensor_repr)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) fail<TypeError>("len() of a 0-d tensor");
        return t.shape()[0];
      })
      .def("__bool__", [](const Tensor& t) {
        if (t.numel() != 1) fail<ValueError>("the truth value of a tensor with ", t.numel(), " elements is ambiguous");
        return t.item() != 0.0;
      })
      .def("__float__", &Tensor::item)
      .def("__int__", [](const Tensor& t) { return py::int_(item(t)); })
      .def("__index__", [](const Tensor& t) {
        if (is_floating_point(t.dtype()))
          fail<TypeError>("only integer tensors of a single element can be converted to an index, got dtype ",
                          dtype_name(t.dtype()));
        return item(t);
      })
      .def("__hash__", [](const Tensor& t) { return reinterpret_cast<std::uintptr_t>(t.impl()); })
      .def("__getitem__", [](const Tensor& t, py::handle idx) { return index(t, idx); })
      .def("__setitem__", [](Tensor& t, py::handle idx, py::handle value) {
        bool advanced = false;
        Tensor view = index(t, idx, &advanced);
        if (advanced) fail<TypeError>("assignment through an integer-array index is not supported");
        const Tensor v = as_operand(value);
        py::gil_scoped_release release;
        copy_(view, v);
      });

  auto bin = [&cls](const char* name, Tensor (*op)(const Tensor&, const Tensor&), bool reflected) {
    cls.def(name, [op, reflected](const Tensor& a, py::handle b) { return binary_with(a, b, op, reflected); });
  };
  bin("__add__", &add, false);
  bin("__radd__", &add, true);
  bin("__sub__", &sub, false);
  bin("__rsub__", &sub, true);
  bin("__mul__", &mul, false);
  bin("__rmul__", &mul, true);
  bin("__truediv__", &div, false);
  bin("__rtruediv__", &div, true);
  bin("__floordiv__", &floor_divide, false);
  bin("__rfloordiv__", &floor_divide, true);
  bin("__mod__", &remainder, false);
  bin("__rmod__", &remainder, true);
  bin("floor_divide", &floor_divide, false);
  bin("remainder", &remainder, false);
  bin("__pow__", static_cast<Tensor (*)(const Tensor&, const Tensor&)>(&pow), false);
  bin("__rpow__", static_cast<Tensor (*)(const Tensor&, const Tensor&)>(&pow), true);
  bin("__matmul__", &matmul, false);
  bin("__rmatmul__", &matmul, true);
  bin("maximum", &maximum, false);
  bin("minimum", &minimum, false);
  auto logic = [&cls](const char* name, Logic op, bool reflected) {
    cls.def(name, [op, reflected](const Tensor& a, py::handle b) {
      const Tensor bt = as_operand(b);
      return reflected ? bitwise(bt, a, op) : bitwise(a, bt, op);
    });
  };
  logic("__and__", Logic::and_, false);
  logic("__rand__", Logic::and_, true);
  logic("__or__", Logic::or_, false);
  logic("__ror__", Logic::or_, true);
  logic("__xor__", Logic::xor_, false);
  logic("__rxor__", Logic::xor_, true);
  cls.def("__invert__", [](const Tensor& a) { return bitwise_not(a); });
  cls.def("__neg__", [](const Tensor& a) { return neg(a); })
      .def("__abs__", [](const Tensor& a) { return abs(a); });
  auto cmp = [&cls](const char* name, Compare c) {
    cls.def(name, [c](const Tensor& a, py::handle b) {
      const Tensor bt = as_operand(b);
      py::gil_scoped_release release;
      return compare(a, bt, c);
    });
  };
  cmp("__eq__", Compare::eq);
  cmp("__ne__", Compare::ne);
  cmp("__lt__", Compare::lt);
  cmp("__le__", Compare::le);
  cmp("__gt__", Compare::gt);
  cmp("__ge__", Compare::ge);
  // In-place arithmetic (allowed on tensors that do not require grad, or under no_grad()).
  auto inplace = [&cls](const char* name, auto op) {
    cls.def(name, [op](Tensor& a, py::handle b) -> Tensor& {
      const Tensor bt = as_operand(b);
      py::gil_scoped_release release;
      return op(a, bt);
    });
  };
  inplace("__iadd__", [](Tensor& a, const Tensor& b) -> Tensor& { return add_(a, b); });
  inplace("__isub__", [](Tensor& a, const Tensor& b) -> Tensor& { return sub_(a, b); });
  inplace("__imul__", [](Tensor& a, const Tensor& b) -> Tensor& { return mul_(a, b); });
  inplace("__itruediv__", [](Tensor& a, const Tensor& b) -> Tensor& { return div_(a, b); });
  inplace("mul_", [](Tensor& a, const Tensor& b) -> Tensor& { return mul_(a, b); });
  inplace("div_", [](Tensor& a, const Tensor& b) -> Tensor& { return div_(a, b); });
  inplace("copy_", [](Tensor& a, const Tensor& b) -> Tensor& { return copy_(a, b); });
  cls.def(
         "add_", [](Tensor& a, py::handle b, double alpha) -> Tensor& {
            const Tensor bt = as_operand(b);
            py::gil_scoped_release release;
            return add_(a, bt, alpha);
          },
         py::arg("other"), py::arg("alpha") = 1.0, "self += alpha * other, in place.")
      .def(
          "sub_", [](Tensor& a, py::handle b, double alpha) -> Tensor& {
            const Tensor bt = as_operand(b);
            py::gil_scoped_release release;
            return sub_(a, bt, alpha);
          },
          py::arg("other"), py::arg("alpha") = 1.0, "self -= alpha * other, in place.")
      .def("fill_", &fill_, py::arg("value"), "Sets every element to value, in place.",
           py::call_guard<py::gil_scoped_release>())
      .def("zero_", &zero_, "Sets every element to 0, in place.", py::call_guard<py::gil_scoped_release>());

  m.def("from_numpy", &from_numpy, py::arg("array"),
        "A tensor sharing the memory of a float32/float64/int32/int64/bool NumPy array (no copy).");
}

}  // namespace varbayes::bind
