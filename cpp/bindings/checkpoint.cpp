// The C++ checkpoint writer and reader (varbayes::save / load_module), exposed so the tests can
// check that files move between C++ and Python's vb.save / vb.load in both directions.
#include <pybind11/stl/filesystem.h>

#include "bindings.h"

namespace varbayes::bind {

void init_checkpoint(py::module_& m) {
  m.def(
      "save_module_cpp",
      [](const std::shared_ptr<nn::Module>& mod, const std::filesystem::path& path) {
        // A Python subclass of a built-in layer is a plain C++ layer underneath, which C++ would save
        // as the built-in type; refuse every Python-defined class by name instead.
        for (const auto& [name, sub] : mod->named_modules()) {
          const py::handle type = py::type::of(py::cast(sub));
          const std::string module = py::str(type.attr("__module__")),
                            qualname = py::str(type.attr("__qualname__"));
          if (module != "varbayes._core")
            fail<TypeError>("save_module_cpp: the module at '", name, "' is a ", module, ".", qualname,
                            ", defined in Python; C++ saves only its own module types (use vb.save)");
        }
        py::gil_scoped_release release;
        save(mod, path.string());
      },
      py::arg("module"), py::arg("path"),
      "Writes module with the C++ checkpoint writer (the format of vb.save).");
  m.def(
      "load_module_cpp", [](const std::filesystem::path& path) { return load_module(path.string()); },
      py::arg("path"),
      "Rebuilds a module with the C++ checkpoint reader (files of vb.save or save_module_cpp).");
}

}  // namespace varbayes::bind
