// Module (subclassable from Python, attribute assignment registers parameters and submodules),
// the built-in layers and gradient clipping.
#include <pybind11/functional.h>

#include "bindings.h"

namespace varbayes::bind {

namespace {

using nn::Module;

// Lets Python subclasses override forward; C++ callers (e.g. Sequential) reach the override.
class PyModule : public Module, public py::trampoline_self_life_support {
 public:
  using Module::Module;
  Tensor forward(const Tensor& x) override { PYBIND11_OVERRIDE_NAME(Tensor, Module, "forward", forward, x); }

 protected:
  // For clone(): a new instance of the Python class (Module.__init__ only) with deep copies of the
  // instance's plain Python attributes; clone() adds parameters, buffers and submodules.
  std::shared_ptr<Module> make_like() const override {
    py::gil_scoped_acquire gil;
    const py::object self = py::cast(const_cast<PyModule*>(this));
    const py::object cls = py::type::of(self);
    py::object copy = cls.attr("__new__")(cls);
    py::type::of<Module>().attr("__init__")(copy);
    copy.attr("__dict__").attr("update")(py::module_::import("copy").attr("deepcopy")(self.attr("__dict__")));
    return copy.cast<std::shared_ptr<Module>>();
  }
};

// Python subclasses of the built-in layers are C++ layers underneath without a Python part that
// clone() could rebuild; a Python class must subclass Module itself to be cloned.
void check_clonable(const std::shared_ptr<Module>& root) {
  for (const auto& [name, sub] : root->named_modules()) {
    if (dynamic_cast<const PyModule*>(sub.get())) continue;
    const py::handle type = py::type::of(py::cast(sub));
    if (py::str(type.attr("__module__")).cast<std::string>() != "varbayes._core")
      fail<TypeError>("clone: the module at '", name, "' is a ", py::str(type.attr("__qualname__")).cast<std::string>(),
                      ", a Python subclass of the built-in ", sub->type_name(),
                      "; only Python subclasses of Module itself can be cloned (hold the ", sub->type_name(),
                      " as an attribute instead)");
  }
}

std::shared_ptr<Module> clone_module(const std::shared_ptr<Module>& mod) {
  check_clonable(mod);
  py::gil_scoped_release release;
  return mod->clone();
}

py::dict state_to_numpy(const nn::NamedTensors& s) {
  py::dict d;
  for (const auto& [n, t] : s) d[py::str(n)] = to_numpy(t).attr("copy")();
  return d;
}

nn::NamedTensors state_from_py(const py::dict& d) {
  nn::NamedTensors out;
  for (auto [k, v] : d) {
    // Arrays are copied to a tensor of their own (float dtypes kept, other numbers to float32).
    out.emplace_back(py::str(k).cast<std::string>(), as_tensor(v));
  }
  return out;
}

py::object object_setattr() { return py::module_::import("builtins").attr("object").attr("__setattr__"); }

std::string module_repr(py::handle self) {
  // PyTorch's layout: constructor arguments inline, or on their own line above the children.
  Module& mod = self.cast<Module&>();
  const std::string name = py::str(py::type::of(self).attr("__name__")).cast<std::string>();
  const std::string extra = self.attr("extra_repr")().cast<std::string>();
  if (mod.named_children().empty()) return name + "(" + extra + ")";
  std::string s = name + "(\n";
  if (!extra.empty()) s += "  " + extra + "\n";
  for (const auto& [n, c] : mod.named_children()) {
    std::string child = py::repr(py::cast(c)).cast<std::string>();
    for (size_t pos = child.find('\n'); pos != std::string::npos; pos = child.find('\n', pos + 1))
      child.insert(pos + 1, "  ");
    s += "  (" + n + "): " + child + "\n";
  }
  return s + ")";
}

py::list named_list(const nn::NamedTensors& items) {
  py::list out;
  for (const auto& [n, t] : items) out.append(py::make_tuple(n, t));
  return out;
}

std::vector<Tensor> tensor_list(py::handle params) {
  if (py::isinstance<Tensor>(params)) return {params.cast<Tensor>()};
  std::vector<Tensor> out;
  for (py::handle h : py::iter(params)) {
    if (!py::isinstance<Tensor>(h))
      fail<TypeError>("expected tensors, got ", type_name(h));
    out.push_back(h.cast<Tensor>());
  }
  return out;
}

}  // namespace

void init_nn(py::module_& m) {
  py::class_<Module, PyModule, py::smart_holder>(m, "Module", py::dynamic_attr(),
                                                 "Base class of all layers; subclass it and define forward().")
      .def(py::init<>())
      // The GIL is released: C++ layers run without it, Python overrides reacquire it.
      .def("forward", &Module::forward, py::arg("input"), py::call_guard<py::gil_scoped_release>(),
           "The computation; subclasses override it.")
      .def("__call__", [](py::object self, py::args args, py::kwargs kwargs) {
        return self.attr("forward")(*args, **kwargs);
      }, "Calls forward().")
      .def("__setattr__", [](py::object self, const std::string& name, py::object value) {
        // Parameters (tensors made with nn.Parameter, or assigned to an existing parameter name),
        // buffers (existing buffer names) and modules are registered; anything else is a plain attribute.
        Module& mod = self.cast<Module&>();
        const bool is_tensor = py::isinstance<Tensor>(value);
        if ((is_tensor && value.cast<Tensor>().impl()->is_parameter) ||
            (mod.find_parameter(name) && (is_tensor || value.is_none()))) {
          mod.register_parameter(name, value.is_none() ? Tensor() : value.cast<Tensor>());
        } else if (mod.find_buffer(name) && (is_tensor || value.is_none())) {
          mod.register_buffer(name, value.is_none() ? Tensor() : value.cast<Tensor>());
        } else if (py::isinstance<Module>(value)) {
          mod.register_module(name, value.cast<std::shared_ptr<Module>>());
        } else {
          mod.unregister(name);
          object_setattr()(self, name, value);
          return;
        }
        // A registered name must not be shadowed by an instance attribute.
        py::dict d = self.attr("__dict__");
        if (d.contains(name)) PyDict_DelItemString(d.ptr(), name.c_str());
      })
      .def("__getattr__", [](py::object self, const std::string& name) -> py::object {
        Module& mod = self.cast<Module&>();
        if (Tensor* t = mod.find_parameter(name)) return t->defined() ? py::cast(*t) : py::none();
        if (Tensor* t = mod.find_buffer(name)) return t->defined() ? py::cast(*t) : py::none();
        if (auto c = mod.find_module(name)) return py::cast(c);
        throw py::attribute_error("'" + py::str(py::type::of(self).attr("__name__")).cast<std::string>() +
                                  "' object has no attribute '" + name + "'");
      })
      .def("__delattr__", [](py::object self, const std::string& name) {
        if (!self.cast<Module&>().unregister(name))
          py::module_::import("builtins").attr("object").attr("__delattr__")(self, name);
      })
      .def("register_parameter", &Module::register_parameter, py::arg("name"), py::arg("param"),
           "Registers a parameter (None keeps an empty slot).")
      .def("register_buffer", &Module::register_buffer, py::arg("name"), py::arg("tensor"),
           "Registers a non-trainable tensor saved in state_dict().")
      .def("add_module", &Module::register_module, py::arg("name"), py::arg("module"), "Registers a submodule.")
      .def("named_parameters", [](const Module& mod, bool recurse) { return named_list(mod.named_parameters(recurse)); },
           py::arg("recurse") = true, "(name, parameter) pairs, each parameter once.")
      .def("parameters", &Module::parameters, py::arg("recurse") = true, "All parameters, each once.")
      .def("named_buffers", [](const Module& mod, bool recurse) { return named_list(mod.named_buffers(recurse)); },
           py::arg("recurse") = true, "(name, buffer) pairs.")
      .def("buffers", [](const Module& mod, bool recurse) {
        std::vector<Tensor> out;
        for (auto& [n, t] : mod.named_buffers(recurse)) out.push_back(t);
        return out;
      }, py::arg("recurse") = true, "All buffers.")
      .def("named_children", &Module::named_children, "(name, module) pairs of direct submodules.")
      .def("children", [](const Module& mod) {
        std::vector<std::shared_ptr<Module>> out;
        for (auto& [n, c] : mod.named_children()) out.push_back(c);
        return out;
      }, "Direct submodules.")
      // These take a shared_ptr: a Python subclass has no C++ owner for shared_from_this() otherwise.
      .def("named_modules", [](const std::shared_ptr<Module>& mod) { return mod->named_modules(); },
           "(name, module) pairs: this module ('') and all descendants.")
      .def("modules", [](const std::shared_ptr<Module>& mod) {
        std::vector<std::shared_ptr<Module>> out;
        for (auto& [n, c] : mod->named_modules()) out.push_back(c);
        return out;
      }, "This module and all descendants.")
      .def("train", [](py::object self, bool mode) {
        self.cast<Module&>().train(mode);
        return self;
      }, py::arg("mode") = true, "Sets training mode (recursively); returns self.")
      .def("eval", [](py::object self) {
        self.cast<Module&>().eval();
        return self;
      }, "Sets evaluation mode (recursively); returns self.")
      .def_property_readonly("training", &Module::is_training, "True in training mode.")
      .def("zero_grad", &Module::zero_grad, py::arg("set_to_none") = true, py::call_guard<py::gil_scoped_release>(),
           "Clears the parameters' gradients.")
      .def("state_dict", [](const Module& mod) { return state_to_numpy(mod.state_dict()); },
           "Parameters and buffers by dotted name, as NumPy arrays (copies).")
      .def("load_state_dict", [](Module& mod, const py::dict& state, bool strict) {
        const nn::NamedTensors values = state_from_py(state);
        nn::Module::LoadResult r;
        {
          py::gil_scoped_release release;
          r = mod.load_state_dict(values, strict);
        }
        py::object nt = py::module_::import("collections").attr("namedtuple")("IncompatibleKeys",
                                                                               "missing_keys unexpected_keys");
        return nt(r.missing_keys, r.unexpected_keys);
      }, py::arg("state_dict"), py::arg("strict") = true,
           "Copies values into the parameters/buffers (shapes checked; all keys must match when strict).")
      .def("to", [](py::object self, py::handle dtype) {
        self.cast<Module&>().to(parse_dtype(dtype));
        return self;
      }, py::arg("dtype"), "Converts parameters and buffers in place; returns self.")
      .def("float", [](py::object self) {
        self.cast<Module&>().to(DType::float32);
        return self;
      })
      .def("double", [](py::object self) {
        self.cast<Module&>().to(DType::float64);
        return self;
      })
      .def("clone", &clone_module,
           "A deep copy: the same module types and configuration (Python subclasses of Module with\n"
           "deep copies of their Python attributes), copies of the parameters and buffers, the training\n"
           "flag. A submodule or tensor shared within the tree is shared in the copy; gradients are not\n"
           "copied and no random numbers are drawn.\n\n"
           "Returns\n-------\nModule\n    An independent module tree; ``copy.deepcopy(module)`` gives the same.")
      .def("__deepcopy__", [](const std::shared_ptr<Module>& mod, const py::dict&) { return clone_module(mod); },
           py::arg("memo"), "copy.deepcopy(module): the same as module.clone().")
      .def("extra_repr", &Module::extra_repr, "Constructor arguments shown by repr().")
      .def("__repr__", [](py::object self) { return module_repr(self); });

  py::class_<nn::Linear, Module, py::smart_holder>(m, "Linear", "y = x W^T + b; W is (out_features, in_features).")
      .def(py::init([](int64_t in, int64_t out, bool bias, py::handle dtype) {
        return std::make_shared<nn::Linear>(in, out, bias, parse_dtype(dtype));
      }), py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true, py::kw_only(),
           py::arg("dtype") = py::none())
      .def("forward", &nn::Linear::forward, py::arg("input"), py::call_guard<py::gil_scoped_release>())
      .def_readonly("in_features", &nn::Linear::in_features)
      .def_readonly("out_features", &nn::Linear::out_features);
  py::class_<nn::ReLU, Module, py::smart_holder>(m, "ReLU", "max(x, 0).").def(py::init<>());
  py::class_<nn::Tanh, Module, py::smart_holder>(m, "Tanh", "tanh(x).").def(py::init<>());
  py::class_<nn::Sigmoid, Module, py::smart_holder>(m, "Sigmoid", "1 / (1 + exp(-x)).").def(py::init<>());
  py::class_<nn::Softplus, Module, py::smart_holder>(m, "Softplus", "log(1 + exp(x)).").def(py::init<>());
  py::class_<nn::Identity, Module, py::smart_holder>(m, "Identity", "Returns its input.").def(py::init<>());
  py::class_<nn::Dropout, Module, py::smart_holder>(m, "Dropout", "Inverted dropout (identity in eval mode).")
      .def(py::init<double>(), py::arg("p") = 0.5)
      .def_readonly("p", &nn::Dropout::p);
  py::class_<nn::Sequential, Module, py::smart_holder>(m, "Sequential", "Applies its modules in order.")
      .def(py::init([](py::args mods) {
        std::vector<std::shared_ptr<Module>> v;
        for (py::handle h : mods) {
          if (!py::isinstance<Module>(h))
            fail<TypeError>("Sequential: ", type_name(h), " is not a Module");
          v.push_back(h.cast<std::shared_ptr<Module>>());
        }
        return std::make_shared<nn::Sequential>(v);
      }))
      .def("append", [](py::object self, std::shared_ptr<Module> mod) {
        self.cast<nn::Sequential&>().append(std::move(mod));
        return self;
      }, py::arg("module"))
      .def("__len__", &nn::Sequential::size)
      .def("__getitem__", &nn::Sequential::at, py::arg("index"))
      .def("__iter__", [](const nn::Sequential& s) {
        std::vector<std::shared_ptr<Module>> v;
        for (auto& [n, c] : s.named_children()) v.push_back(c);
        return py::iter(py::cast(v));
      });

  m.def("clip_grad_norm_", [](py::handle params, double max_norm) {
    const auto ps = tensor_list(params);
    py::gil_scoped_release release;
    return nn::utils::clip_grad_norm_(ps, max_norm);
  }, py::arg("parameters"), py::arg("max_norm"),
        "Scales gradients so their global L2 norm is at most max_norm; returns the norm before clipping.");
  m.def("clip_grad_value_", [](py::handle params, double clip_value) {
    const auto ps = tensor_list(params);
    py::gil_scoped_release release;
    nn::utils::clip_grad_value_(ps, clip_value);
  }, py::arg("parameters"), py::arg("clip_value"), "Clamps gradient elements to [-clip_value, clip_value].");
  m.def("Parameter", [](const Tensor& data, bool requires_grad) {
    Tensor p = data.detach();
    p.impl()->is_parameter = true;
    p.impl()->requires_grad = requires_grad;
    return p;
  }, py::arg("data"), py::arg("requires_grad") = true,
        "Marks a tensor (a detached alias of data) as a parameter: assigning it to a Module attribute registers it.");
}

}  // namespace varbayes::bind
