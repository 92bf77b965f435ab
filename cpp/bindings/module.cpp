// The extension module varbayes._core: calls each area's init function.
#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "varbayes native core: tensors, autograd, modules, optimizers and CPU kernels";
  // Library exceptions become the Python exceptions of the same name.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const varbayes::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const varbayes::RuntimeError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
  varbayes::bind::init_cpu(m);
  varbayes::bind::init_tensor(m);
  varbayes::bind::init_random(m);
  varbayes::bind::init_ops(m);
  varbayes::bind::init_nn(m);
  varbayes::bind::init_bayes(m);
  varbayes::bind::init_optim(m);
  varbayes::bind::init_checkpoint(m);
}
