// Bayesian layers, priors, KL and the sampling switch.
#include "bindings.h"

namespace varbayes::bind {

namespace {
using nn::BayesLinear;
using nn::Module;
using nn::NormalPrior;

// Binds a Bayesian linear layer class (both estimators share constructor and members).
template <class Layer, class Base>
py::class_<Layer, Base, py::smart_holder> bind_bayes_linear(py::module_& m, const char* name, const char* doc) {
  return py::class_<Layer, Base, py::smart_holder>(m, name, doc)
      .def(py::init([](int64_t in, int64_t out, bool bias, std::shared_ptr<NormalPrior> prior, double rho_init,
                       py::handle dtype) {
        return std::make_shared<Layer>(in, out, bias, std::move(prior), rho_init, parse_dtype(dtype));
      }), py::arg("in_features"), py::arg("out_features"), py::arg("bias") = true, py::arg("prior") = nullptr,
           py::arg("posterior_rho_init") = -5.0, py::kw_only(), py::arg("dtype") = py::none())
      .def_static("from_linear", [](const nn::Linear& lin, std::shared_ptr<NormalPrior> prior, double rho_init) {
        auto layer = std::make_shared<Layer>(lin.in_features, lin.out_features, lin.param("bias").defined(),
                                             std::move(prior), rho_init, lin.param("weight").dtype());
        layer->init_from(lin);
        return layer;
      }, py::arg("linear"), py::arg("prior") = nullptr, py::arg("posterior_rho_init") = -5.0,
                  "A layer of the same shape whose posterior means start at the Linear layer's weights.")
      .def("forward", &Layer::forward, py::arg("input"), py::call_guard<py::gil_scoped_release>());
}
}  // namespace

void init_bayes(py::module_& m) {
  py::class_<NormalPrior, Module, py::smart_holder>(
      m, "NormalPrior",
      "Gaussian prior N(mean, std^2): fixed (buffers) or trainable (parameters 'mean' and 'std_rho', "
      "std = softplus(std_rho)). mean/std are numbers (one prior for all weights) or arrays of a "
      "layer's weight shape (per-weight priors).")
      .def(py::init([](py::handle mean, py::handle std, bool trainable) {
        return std::make_shared<NormalPrior>(as_tensor(mean), as_tensor(std), trainable);
      }), py::arg("mean") = 0.0, py::arg("std") = 1.0, py::arg("trainable") = false)
      .def_property_readonly("mean", &NormalPrior::mean, "The prior mean (differentiable).")
      .def_property_readonly("std", &NormalPrior::std, "The prior standard deviation (differentiable).")
      .def_property_readonly("trainable", &NormalPrior::trainable);

  bind_bayes_linear<BayesLinear, Module>(
      m, "BayesLinear",
      "Linear layer with a mean-field Gaussian posterior over weights and bias (sigma = softplus(rho)); "
      "each forward in sampling mode draws one weight sample (Bayes by Backprop).")
      .def("set_prior", &BayesLinear::set_prior, py::arg("weight_prior"), py::arg("bias_prior") = nullptr,
           "Sets the weight prior and the bias prior (the weight prior for both when bias_prior is None).")
      .def("init_from", &BayesLinear::init_from, py::arg("linear"),
           "Copies a Linear layer's weight and bias into the posterior means.")
      .def_readwrite("sample", &BayesLinear::sample, "Draw samples in forward (else use posterior means).")
      .def_readonly("in_features", &BayesLinear::in_features)
      .def_readonly("out_features", &BayesLinear::out_features);
  bind_bayes_linear<nn::BayesLinearLRT, BayesLinear>(
      m, "BayesLinearLRT",
      "The same Bayesian linear layer with the local reparameterization estimator: samples the "
      "pre-activations (one draw per example and unit), never a weight matrix.");

  // A shared_ptr argument gives a Python subclass an owner for shared_from_this() (named_modules).
  m.def("kl", [](const std::shared_ptr<Module>& mod) { return nn::kl(*mod); }, py::arg("module"),
        py::call_guard<py::gil_scoped_release>(),
        "Sum of the KL divergences of all Bayesian layers in module (a differentiable 0-d tensor).");
  py::object module_cls = m.attr("Module");
  module_cls.attr("kl") = py::cpp_function([](const std::shared_ptr<Module>& mod) { return nn::kl(*mod); },
                                           py::is_method(module_cls), py::name("kl"),
                                           py::call_guard<py::gil_scoped_release>(),
                                           "Sum of the KL divergences of all Bayesian layers in this module.");
  module_cls.attr("forward_with_kl") = py::cpp_function(
      [](const py::object& self, const py::args& args, const py::kwargs& kwargs) {
        // The collector is this thread's: forward may release and retake the GIL, but runs here.
        nn::KLCollector collector;
        py::object out = self(*args, **kwargs);
        const auto mod = self.cast<std::shared_ptr<Module>>();
        Tensor kl;
        {
          py::gil_scoped_release release;
          kl = collector.total(*mod);
        }
        return py::make_tuple(out, kl);
      },
      py::is_method(module_cls), py::name("forward_with_kl"),
      "Calls the module and returns ``(output, kl)``, with kl = vb.nn.kl(self), for an ELBO.\n\n"
      "The Bayesian layers hand their KL over from the forward pass: a sampling layer forms its weight\n"
      "KL in the same pass over the posterior parameters as the weight sample, and backward forms all\n"
      "their gradients in one pass, so ``out, kl = model.forward_with_kl(x)`` costs one pass over the\n"
      "weights each way where ``model(x)`` followed by ``model.kl()`` costs two.\n\n"
      "Parameters\n----------\n*args, **kwargs\n    The arguments of forward().\n\n"
      "Returns\n-------\ntuple\n    The output of forward() and the KL (a differentiable 0-d Tensor).");
  m.def("kl_normal", &kl_normal, py::arg("mu_q"), py::arg("rho_q"), py::arg("mu_p"), py::arg("std_p"),
        py::call_guard<py::gil_scoped_release>(),
        "Sum of KL(N(mu_q, softplus(rho_q)^2) || N(mu_p, std_p^2)) over elements (fused, differentiable).");
  m.def("sample_gaussian", [](const Tensor& mu, const Tensor& rho, py::handle gen) {
    Generator* g = gen.is_none() ? nullptr : gen.cast<Generator*>();
    py::gil_scoped_release release;
    return sample_gaussian(mu, rho, g);
  }, py::arg("mu"), py::arg("rho"), py::arg("generator") = py::none(),
        "mu + softplus(rho) * eps, eps ~ N(0, 1) (fused; eps is regenerated in backward).");
  m.def("is_sampling_enabled", &nn::sampling_enabled, "Whether Bayesian layers sample (thread-local).");
  m.def("set_sampling_enabled", &nn::set_sampling_enabled, py::arg("mode"),
        "Turns sampling in Bayesian layers on or off in this thread.");
}

}  // namespace varbayes::bind
