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
  // PyTorch's layout: a one-line extra_repr inline when there are no children, else every extra_repr
  // line and every child "(name): repr" on its own line, indented by two spaces.
  Module& mod = self.cast<Module&>();
  const std::string name = py::str(py::type::of(self).attr("__name__")).cast<std::string>();
  const std::string extra = self.attr("extra_repr")().cast<std::string>();
  auto indent = [](std::string text) {
    for (size_t pos = text.find('\n'); pos != std::string::npos; pos = text.find('\n', pos + 1))
      text.insert(pos + 1, "  ");
    return text;
  };
  std::vector<std::string> lines;
  for (size_t start = 0; !extra.empty() && start <= extra.size();) {
    const size_t end = std::min(extra.find('\n', start), extra.size());
    lines.push_back(extra.substr(start, end - start));
    start = end + 1;
  }
  const bool inline_extra = lines.size() == 1 && mod.named_children().empty();
  for (const auto& [n, c] : mod.named_children())
    lines.push_back("(" + n + "): " + indent(py::repr(py::cast(c)).cast<std::string>()));
  if (lines.empty()) return name + "()";
  if (inline_extra) return name + "(" + lines[0] + ")";
  std::string s = name + "(";
  for (const auto& line : lines) s += "\n  " + line;
  return s + "\n)";
}

// Module::hooked_call while a module has forward hooks: runs the Python ForwardHooks
// (varbayes/nn/hooks.py), which call forward; held so that it is released with the GIL.
struct HookedCall {
  std::shared_ptr<py::object> hooks;
  Tensor operator()(Module& m, const Tensor& x) const {
    py::gil_scoped_acquire gil;
    py::object self = py::cast(&m, py::return_value_policy::reference);
    return hooks->attr("call")(self, py::make_tuple(x), py::dict()).cast<Tensor>();
  }
};

// The module's ForwardHooks, created on first use when `create`; None if it has none.
py::object forward_hooks(Module& m, bool create) {
  if (const auto* call = m.hooked_call.target<HookedCall>()) return *call->hooks;
  if (!create) return py::none();
  std::shared_ptr<py::object> hooks(new py::object(py::module_::import("varbayes.nn.hooks").attr("ForwardHooks")()),
                                    [](py::object* o) {
                                      if (!Py_IsInitialized()) return;  // interpreter gone: nothing to release
                                      py::gil_scoped_acquire gil;
                                      delete o;
                                    });
  m.hooked_call = HookedCall{hooks};
  return *hooks;
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
        py::object hooks = forward_hooks(self.cast<Module&>(), false);
        if (hooks.is_none()) return self.attr("forward")(*args, **kwargs);
        return hooks.attr("call")(self, args, kwargs);
      }, "Calls forward() (through the forward hooks, if any).")
      .def("register_forward_pre_hook", [](py::object self, py::object hook) {
        return forward_hooks(self.cast<Module&>(), true).attr("add")("pre", hook);
      }, py::arg("hook"),
           "hook(module, args) runs before forward; a non-None result replaces args. Returns a handle whose "
           "remove() unregisters it.")
      .def("register_forward_hook", [](py::object self, py::object hook) {
        return forward_hooks(self.cast<Module&>(), true).attr("add")("post", hook);
      }, py::arg("hook"),
           "hook(module, args, output) runs after forward; a non-None result replaces the output. Returns a "
           "handle whose remove() unregisters it.")
      .def("__setattr__", [](py::object self, const std::string& name, py::object value) {
        // Parameters (tensors made with nn.Parameter, or assigned to an existing parameter name),
        // buffers (existing buffer names) and modules are registered; anything else is a plain attribute.
        Module& mod = self.cast<Module&>();
        const bool is_tensor = py::isinstance<Tensor>(value);
        if ((is_tensor && value.cast<Tensor>().impl()->is_parameter) ||
            (mod.find_parameter(name) && (is_tensor || value.is_none()))) {
          mod.register_parameter(name, value.is_none() ? Tensor() : value.cast<Tensor>());
        } else if (Tensor* buffer = mod.find_buffer(name); buffer && (is_tensor || value.is_none())) {
          // Replaced in its slot: the buffer keeps its position and its persistent flag, as in PyTorch.
          *buffer = value.is_none() ? Tensor() : value.cast<Tensor>();
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
      .def("register_parameter", [](Module& mod, const std::string& name, std::optional<Tensor> param) {
        mod.register_parameter(name, param.value_or(Tensor()));
      }, py::arg("name"), py::arg("param"), "Registers a parameter (None keeps an empty slot).")
      .def("register_buffer", [](Module& mod, const std::string& name, std::optional<Tensor> tensor, bool persistent) {
        mod.register_buffer(name, tensor.value_or(Tensor()), persistent);
      }, py::arg("name"), py::arg("tensor"), py::arg("persistent") = true,
           "Registers a non-trainable tensor (None keeps an empty slot); a persistent one is saved in state_dict().")
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
        return py::module_::import("varbayes.nn.modules").attr("IncompatibleKeys")(r.missing_keys, r.unexpected_keys);
      }, py::arg("state_dict"), py::arg("strict") = true,
           "Copies values into the parameters/buffers (shapes checked; all keys must match when strict).")
      .def("to", [](py::object self, const py::args& args, const py::kwargs& kwargs) {
        if (const std::optional<DType> d = parse_to(args, kwargs, "Module.to")) self.cast<Module&>().to(*d);
        return self;
      }, "As torch's: to(dtype), to(device, dtype=None), to(tensor) or to(device=..., dtype=...); converts\n"
         "parameters and buffers in place and returns self. 'cpu' is the only device.")
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
      .def("apply", [](py::object self, const py::object& fn) {
        for (auto& [n, c] : self.cast<Module&>().named_children())
          if (c) py::cast(c).attr("apply")(fn);
        fn(self);
        return self;
      }, py::arg("fn"), "Calls fn on every submodule (children first, recursively), then on self; returns self.")
      .def("requires_grad_", [](py::object self, bool requires_grad) {
        for (Tensor& p : self.cast<Module&>().parameters()) p.set_requires_grad(requires_grad);
        return self;
      }, py::arg("requires_grad") = true, "Sets requires_grad on every parameter; returns self.")
      .def("get_submodule", [](py::object self, const std::string& target) {
        // PyTorch's messages and error type (AttributeError) for a path that does not lead to a module.
        py::object mod = self;
        if (target.empty()) return mod;
        for (size_t start = 0; start <= target.size();) {
          const size_t end = std::min(target.find('.', start), target.size());
          const std::string item = target.substr(start, end - start);
          auto child = mod.cast<Module&>().find_module(item);
          if (!child) {
            const std::string owner = py::str(py::type::of(mod).attr("__name__")).cast<std::string>();
            throw py::attribute_error(owner + " has no attribute `" + item + "`");
          }
          mod = py::cast(child);
          start = end + 1;
        }
        return mod;
      }, py::arg("target"), "The submodule at a dotted path such as 'encoder.0'; AttributeError if there is none.")
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
  py::class_<nn::SiLU, Module, py::smart_holder>(m, "SiLU", "x sigmoid(x).").def(py::init<>());
  py::class_<nn::Mish, Module, py::smart_holder>(m, "Mish", "x tanh(softplus(x)).").def(py::init<>());
  py::class_<nn::Softsign, Module, py::smart_holder>(m, "Softsign", "x / (1 + |x|).").def(py::init<>());
  py::class_<nn::GELU, Module, py::smart_holder>(m, "GELU", "x Phi(x) (approximate='tanh': tanh approximation).")
      .def(py::init<std::string>(), py::arg("approximate") = "none")
      .def_readonly("approximate", &nn::GELU::approximate);
  py::class_<nn::ELU, Module, py::smart_holder>(m, "ELU", "x if x > 0, else alpha (exp(x) - 1).")
      .def(py::init<double>(), py::arg("alpha") = 1.0)
      .def_readonly("alpha", &nn::ELU::alpha);
  py::class_<nn::LeakyReLU, Module, py::smart_holder>(m, "LeakyReLU", "x if x > 0, else negative_slope x.")
      .def(py::init<double>(), py::arg("negative_slope") = 0.01)
      .def_readonly("negative_slope", &nn::LeakyReLU::negative_slope);
  py::class_<nn::Hardtanh, Module, py::smart_holder>(m, "Hardtanh", "x clamped to [min_val, max_val].")
      .def(py::init<double, double>(), py::arg("min_val") = -1.0, py::arg("max_val") = 1.0)
      .def_readonly("min_val", &nn::Hardtanh::min_val)
      .def_readonly("max_val", &nn::Hardtanh::max_val);
  py::class_<nn::Softmax, Module, py::smart_holder>(m, "Softmax", "softmax along dim.")
      .def(py::init<std::optional<int64_t>>(), py::arg("dim") = py::none())
      .def_readonly("dim", &nn::Softmax::dim);
  py::class_<nn::LogSoftmax, Module, py::smart_holder>(m, "LogSoftmax", "log_softmax along dim.")
      .def(py::init<std::optional<int64_t>>(), py::arg("dim") = py::none())
      .def_readonly("dim", &nn::LogSoftmax::dim);
  py::class_<nn::PReLU, Module, py::smart_holder>(m, "PReLU",
                                                  "x if x > 0, else weight x; weight is learnable (num_parameters values).")
      .def(py::init([](int64_t num_parameters, double init, py::handle dtype) {
        return std::make_shared<nn::PReLU>(num_parameters, init, parse_dtype(dtype));
      }), py::arg("num_parameters") = 1, py::arg("init") = 0.25, py::kw_only(), py::arg("dtype") = py::none())
      .def_readonly("num_parameters", &nn::PReLU::num_parameters);
  py::class_<nn::Identity, Module, py::smart_holder>(m, "Identity", "Returns its input.")
      // As PyTorch's, it accepts and ignores any arguments (so it can stand in for another layer).
      .def(py::init([](const py::args&, const py::kwargs&) { return std::make_shared<nn::Identity>(); }));
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

  m.def("clip_grad_norm_", [](py::handle params, double max_norm, double norm_type, bool error_if_nonfinite,
                              const py::object& /*foreach: accepted for PyTorch's signature; one code path*/) {
    const auto ps = tensor_list(params);
    py::gil_scoped_release release;
    return nn::utils::clip_grad_norm_(ps, max_norm, norm_type, error_if_nonfinite);
  }, py::arg("parameters"), py::arg("max_norm"), py::arg("norm_type") = 2.0, py::arg("error_if_nonfinite") = false,
        py::arg("foreach") = py::none(),
        "Scales gradients so their global norm of order norm_type is at most max_norm; returns the norm before "
        "clipping (a float).");
  m.def("clip_grad_value_", [](py::handle params, double clip_value) {
    const auto ps = tensor_list(params);
    py::gil_scoped_release release;
    nn::utils::clip_grad_value_(ps, clip_value);
  }, py::arg("parameters"), py::arg("clip_value"), "Clamps gradient elements to [-clip_value, clip_value].");
  m.def("is_parameter", [](const Tensor& t) { return t.impl()->is_parameter; }, py::arg("tensor"),
        "True for a tensor made by Parameter() or registered as a module parameter.");
  m.def("Parameter", [](const Tensor& data, bool requires_grad) {
    Tensor p = data.detach();
    p.impl()->is_parameter = true;
    p.impl()->requires_grad = requires_grad;
    return p;
  }, py::arg("data"), py::arg("requires_grad") = true,
        "Marks a tensor (a detached alias of data) as a parameter: assigning it to a Module attribute registers it.");
}

}  // namespace varbayes::bind
