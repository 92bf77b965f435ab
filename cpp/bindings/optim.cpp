// Optimizers. param_groups[i] behaves like PyTorch's dict: opt.param_groups[0]["lr"] = 0.1.
#include "bindings.h"

namespace varbayes::bind {

namespace {

using optim::Optimizer;
using optim::Options;
using optim::ParamGroup;

// Options stored as doubles that Python sees as bools, and PyTorch's "betas" pair.
bool is_flag(const std::string& k) {
  return k == "nesterov" || k == "amsgrad" || k == "preconditioned" || k == "centered" || k == "maximize" ||
         k == "decoupled_weight_decay";
}

py::object option_value(const Options& o, const std::string& key) {
  if (key == "betas" && o.count("beta1")) return py::make_tuple(o.at("beta1"), o.at("beta2"));
  auto it = o.find(key);
  if (it == o.end()) throw py::key_error(key);
  return is_flag(key) ? py::cast(it->second != 0) : py::cast(it->second);
}

void set_option(Options& o, const std::string& key, py::handle value) {
  if (key == "betas" && o.count("beta1")) {
    const auto b = value.cast<Betas>();
    o["beta1"] = b.beta1;
    o["beta2"] = b.beta2;
    return;
  }
  if (!o.count(key)) throw py::key_error(key);
  o[key] = is_flag(key) ? (value.cast<bool>() ? 1.0 : 0.0) : value.cast<double>();
}

std::vector<std::string> option_keys(const Options& o) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : o)
    if (k != "beta1" && k != "beta2") keys.push_back(k);
  if (o.count("beta1")) keys.push_back("betas");
  return keys;
}

// A live view of one parameter group.
struct GroupRef {
  std::shared_ptr<Optimizer> opt;
  size_t index;
  ParamGroup& group() const { return opt->param_groups().at(index); }
};

ParamGroup parse_group(py::handle item) {
  ParamGroup g;
  auto add_params = [&g](py::handle ps) {
    if (py::isinstance<Tensor>(ps)) fail<TypeError>("params must be an iterable of tensors, not a single tensor");
    for (py::handle h : py::iter(ps)) {
      if (!py::isinstance<Tensor>(h))
        fail<TypeError>("optimizer params must be tensors, got ", type_name(h));
      g.params.push_back(h.cast<Tensor>());
    }
  };
  if (py::isinstance<py::dict>(item)) {
    py::dict d = item.cast<py::dict>();
    if (!d.contains("params")) fail<ValueError>("a parameter group dict needs a 'params' entry");
    add_params(d["params"]);
    for (auto [k, v] : d) {
      const std::string key = py::str(k);
      if (key == "params") continue;
      if (key == "betas") {
        const auto b = v.cast<Betas>();
        g.options["beta1"] = b.beta1;
        g.options["beta2"] = b.beta2;
      } else {
        g.options[key] = is_flag(key) ? (v.cast<bool>() ? 1.0 : 0.0) : v.cast<double>();
      }
    }
  } else {
    add_params(item);
  }
  return g;
}

// params: an iterable of tensors, or of dicts {"params": [...], option: value, ...}.
std::vector<ParamGroup> parse_groups(py::handle params) {
  if (py::isinstance<Tensor>(params)) fail<TypeError>("params must be an iterable of tensors, not a single tensor");
  py::list items = py::list(py::iter(params));
  if (items.empty()) fail<ValueError>("optimizer got an empty parameter list");
  if (py::isinstance<py::dict>(items[0])) {
    std::vector<ParamGroup> groups;
    for (py::handle h : items) groups.push_back(parse_group(h));
    return groups;
  }
  return {parse_group(items)};
}

// SGLD's Gaussian prior as (mean, std): a NormalPrior with one mean and one std, a (mean, std)
// pair, or a number (the std of a zero-mean prior).
std::pair<double, double> parse_prior(py::handle prior) {
  if (py::isinstance<nn::NormalPrior>(prior)) {
    const auto& p = prior.cast<const nn::NormalPrior&>();
    if (p.trainable()) fail<ValueError>("SGLD: the prior is fixed; got a trainable NormalPrior");
    const Tensor mean = p.mean(), std = p.std();
    if (mean.numel() != 1 || std.numel() != 1)
      fail<ValueError>("SGLD: the prior must have one mean and one std for all weights, got shapes ",
                       shape_str(mean.shape()), " and ", shape_str(std.shape()));
    return {mean.item(), std.item()};
  }
  const bool number = (py::isinstance<py::float_>(prior) || py::isinstance<py::int_>(prior)) &&
                      !py::isinstance<py::bool_>(prior);
  if (number) return {0.0, prior.cast<double>()};
  if (py::isinstance<py::tuple>(prior) || py::isinstance<py::list>(prior)) {
    if (py::len(prior) != 2) fail<ValueError>("SGLD: a prior pair must be (mean, std), got ", py::len(prior), " values");
    return prior.cast<std::pair<double, double>>();
  }
  fail<TypeError>("SGLD: prior must be a vb.nn.NormalPrior, a (mean, std) pair or a std, got ",
                  type_name(prior));
}

py::dict state_to_py(const Optimizer& opt) {
  const auto s = opt.state_dict();
  py::dict state;
  for (const auto& [index, ps] : s.params) {
    py::dict entry;
    entry["step"] = ps.step;
    for (const auto& [k, t] : ps.buffers) entry[py::str(k)] = to_numpy(t).attr("copy")();
    for (const auto& [k, v] : ps.scalars) entry[py::str(k)] = v;
    state[py::int_(index)] = entry;
  }
  py::list groups;
  int64_t next = 0;
  for (size_t i = 0; i < s.groups.size(); ++i) {
    py::dict g;
    for (const auto& k : option_keys(s.groups[i])) g[py::str(k)] = option_value(s.groups[i], k);
    py::list idx;
    for (size_t j = 0; j < opt.param_groups()[i].params.size(); ++j) idx.append(next++);
    g["params"] = idx;
    groups.append(g);
  }
  py::dict out;
  out["type"] = opt.type_name();
  out["state"] = state;
  out["param_groups"] = groups;
  return out;
}

void state_from_py(Optimizer& opt, const py::dict& d) {
  if (!d.contains("state") || !d.contains("param_groups"))
    fail<ValueError>("optimizer state_dict needs 'state' and 'param_groups'");
  if (d.contains("type") && py::str(d["type"]).cast<std::string>() != opt.type_name())
    fail<ValueError>("state_dict of a ", py::str(d["type"]).cast<std::string>(), " loaded into a ", opt.type_name());
  Optimizer::State s;
  for (py::handle g : d["param_groups"]) {
    Options o = opt.defaults();
    for (auto [k, v] : g.cast<py::dict>()) {
      const std::string key = py::str(k);
      if (key != "params") set_option(o, key, v);
    }
    s.groups.push_back(o);
  }
  for (auto [k, v] : d["state"].cast<py::dict>()) {
    optim::ParamState ps;
    for (auto [name, val] : v.cast<py::dict>()) {
      const std::string key = py::str(name);
      if (key == "step") ps.step = val.cast<int64_t>();
      else if (py::isinstance<py::float_>(val)) ps.scalars[key] = val.cast<double>();
      else ps.buffers[key] = as_tensor(val);
    }
    s.params.emplace_back(k.cast<int64_t>(), ps);
  }
  opt.load_state_dict(s);
}

}  // namespace

void init_optim(py::module_& m) {
  py::class_<GroupRef>(m, "ParamGroup", "A live view of an optimizer's parameter group (dict-like).")
      .def("__getitem__", [](const GroupRef& r, const std::string& k) -> py::object {
        if (k == "params") return py::cast(r.group().params);
        return option_value(r.group().options, k);
      })
      .def("__setitem__", [](const GroupRef& r, const std::string& k, py::handle v) {
        if (k == "params") fail<ValueError>("the parameters of a group cannot be replaced; use add_param_group");
        Options o = r.group().options;
        set_option(o, k, v);
        r.opt->validate(o);
        r.group().options = o;
      })
      .def("__contains__", [](const GroupRef& r, const std::string& k) {
        const auto keys = option_keys(r.group().options);
        return k == "params" || std::find(keys.begin(), keys.end(), k) != keys.end();
      })
      .def("keys", [](const GroupRef& r) {
        auto keys = option_keys(r.group().options);
        keys.insert(keys.begin(), "params");
        return keys;
      })
      .def("get", [](const GroupRef& r, const std::string& k, py::object dflt) -> py::object {
        try {
          return k == "params" ? py::cast(r.group().params) : option_value(r.group().options, k);
        } catch (py::key_error&) {
          return dflt;
        }
      }, py::arg("key"), py::arg("default") = py::none());

  py::class_<Optimizer, py::smart_holder>(m, "Optimizer", "Base class of optimizers.")
      .def("step", &Optimizer::step, py::call_guard<py::gil_scoped_release>(),
           "Updates every parameter that has a gradient.")
      .def("zero_grad", &Optimizer::zero_grad, py::arg("set_to_none") = true, "Clears the gradients.")
      .def_property_readonly("param_groups", [](py::object self) {
        auto opt = self.cast<std::shared_ptr<Optimizer>>();
        std::vector<GroupRef> refs;
        for (size_t i = 0; i < opt->param_groups().size(); ++i) refs.push_back({opt, i});
        return refs;
      }, "Live views of the parameter groups: group['lr'] reads and writes the learning rate.")
      .def("add_param_group", [](Optimizer& o, py::dict g) { o.add_param_group(parse_group(g)); },
           py::arg("param_group"), "Adds a group {'params': [...], option: value}.")
      .def("state_dict", &state_to_py, "Options and per-parameter state (NumPy arrays), keyed by parameter index.")
      .def("load_state_dict", &state_from_py, py::arg("state_dict"), "Restores a state from state_dict().")
      .def("__repr__", [](const Optimizer& o) { return o.type_name() + "()"; });

  py::class_<optim::SGD, Optimizer, py::smart_holder>(m, "SGD", "Stochastic gradient descent, as torch.optim.SGD.")
      .def(py::init([](py::handle params, double lr, double momentum, double dampening, double wd, bool nesterov,
                       bool maximize) {
        return std::make_shared<optim::SGD>(parse_groups(params), lr, momentum, dampening, wd, nesterov, maximize);
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
           py::arg("weight_decay") = 0.0, py::arg("nesterov") = false, py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::Adam, Optimizer, py::smart_holder>(m, "Adam", "Adam with L2 weight decay, as torch.optim.Adam.")
      .def(py::init([](py::handle params, double lr, Betas betas, double eps, double wd, bool amsgrad, bool maximize) {
        return std::make_shared<optim::Adam>(parse_groups(params), lr, betas.beta1, betas.beta2, eps, wd, amsgrad,
                                             maximize);
      }), py::arg("params"), py::arg("lr") = 1e-3,
           py::arg("betas") = Betas{0.9, 0.999}, py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0,
           py::arg("amsgrad") = false, py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::AdamW, optim::Adam, py::smart_holder>(m, "AdamW",
                                                         "Adam with decoupled weight decay, as torch.optim.AdamW.")
      .def(py::init([](py::handle params, double lr, Betas betas, double eps, double wd, bool amsgrad, bool maximize) {
        return std::make_shared<optim::AdamW>(parse_groups(params), lr, betas.beta1, betas.beta2, eps, wd, amsgrad,
                                              maximize);
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("betas") = Betas{0.9, 0.999},
           py::arg("eps") = 1e-8, py::arg("weight_decay") = 1e-2, py::arg("amsgrad") = false, py::kw_only(),
           py::arg("maximize") = false);
  py::class_<optim::SGLD, Optimizer, py::smart_holder>(
      m, "SGLD",
      "Stochastic-gradient Langevin dynamics (Welling & Teh 2011); pSGLD (Li et al. 2016) with preconditioned=True.\n\n"
      "Backpropagate the mean NLL of the minibatch; the step is\n"
      "theta <- theta - lr * G * grad U + sqrt(2 * lr * temperature * G) * xi, xi ~ N(0, 1),\n"
      "U = n_data * (mean minibatch NLL) - log N(theta; prior_mean, prior_std^2), so the visited weights\n"
      "sample exp(-U / temperature). G = 1 (SGLD) or 1 / (eps + sqrt(V)), V <- alpha V + (1 - alpha) g^2\n"
      "(pSGLD, V starting at g^2, Gamma correction neglected as by Li et al.). prior: a vb.nn.NormalPrior\n"
      "with one mean and std, a (mean, std) pair or a std (mean 0); fixed. The noise is a Philox stream\n"
      "keyed by seed (default: drawn from the current generator, see vb.generator_scope) and the parameter's index.")
      .def(py::init([](py::handle params, double lr, py::handle prior, double n_data, double temperature,
                       bool preconditioned, double alpha, double eps, std::optional<Seed> seed) {
        const auto [mean, std] = parse_prior(prior);
        return std::make_shared<optim::SGLD>(parse_groups(params), lr, n_data, mean, std, temperature, preconditioned,
                                             alpha, eps,
                                             seed ? std::optional<uint64_t>(seed->value) : std::nullopt);
      }), py::arg("params"), py::arg("lr"), py::kw_only(), py::arg("prior"), py::arg("n_data"),
           py::arg("temperature") = 1.0, py::arg("preconditioned") = false, py::arg("alpha") = 0.99,
           py::arg("eps") = 1e-5, py::arg("seed") = py::none())
      .def_property_readonly("seed", &optim::SGLD::seed, "The key of the noise streams.");

  py::class_<optim::RMSprop, Optimizer, py::smart_holder>(
      m, "RMSprop",
      "RMSprop, as torch.optim.RMSprop: steps along g / (sqrt(v) + eps), v the moving average (weight\n"
      "alpha) of g^2, minus the squared moving average of g if centered; with momentum > 0 through a\n"
      "momentum buffer. State: square_avg, grad_avg (centered), momentum_buffer (momentum > 0).")
      .def(py::init([](py::handle params, double lr, double alpha, double eps, double wd, double momentum,
                       bool centered, bool maximize) {
        return std::make_shared<optim::RMSprop>(parse_groups(params), lr, alpha, eps, wd, momentum, centered,
                                                maximize);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("alpha") = 0.99, py::arg("eps") = 1e-8,
           py::arg("weight_decay") = 0.0, py::arg("momentum") = 0.0, py::arg("centered") = false,
           py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::Adagrad, Optimizer, py::smart_holder>(
      m, "Adagrad",
      "Adagrad, as torch.optim.Adagrad: steps along g / (sqrt(sum of g^2) + eps) with the learning rate\n"
      "lr / (1 + (t - 1) * lr_decay) at step t. State: sum (starting at initial_accumulator_value).")
      .def(py::init([](py::handle params, double lr, double lr_decay, double wd, double initial, double eps,
                       bool maximize) {
        return std::make_shared<optim::Adagrad>(parse_groups(params), lr, lr_decay, wd, initial, eps, maximize);
      }), py::arg("params"), py::arg("lr") = 1e-2, py::arg("lr_decay") = 0.0, py::arg("weight_decay") = 0.0,
           py::arg("initial_accumulator_value") = 0.0, py::arg("eps") = 1e-10, py::kw_only(),
           py::arg("maximize") = false);
  py::class_<optim::Adadelta, Optimizer, py::smart_holder>(
      m, "Adadelta",
      "Adadelta (Zeiler 2012), as torch.optim.Adadelta: steps lr * g * sqrt(u + eps) / sqrt(v + eps), v and u\n"
      "the moving averages (weight rho) of g^2 and of the squared steps. State: square_avg, acc_delta.")
      .def(py::init([](py::handle params, double lr, double rho, double eps, double wd, bool maximize) {
        return std::make_shared<optim::Adadelta>(parse_groups(params), lr, rho, eps, wd, maximize);
      }), py::arg("params"), py::arg("lr") = 1.0, py::arg("rho") = 0.9, py::arg("eps") = 1e-6,
           py::arg("weight_decay") = 0.0, py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::Adamax, Optimizer, py::smart_holder>(
      m, "Adamax",
      "Adamax, as torch.optim.Adamax: Adam with the infinity norm u = max(beta2 * u, |g| + eps) in place of\n"
      "the second moment. State: exp_avg, exp_inf.")
      .def(py::init([](py::handle params, double lr, Betas betas, double eps, double wd, bool maximize) {
        return std::make_shared<optim::Adamax>(parse_groups(params), lr, betas.beta1, betas.beta2, eps, wd, maximize);
      }), py::arg("params"), py::arg("lr") = 2e-3, py::arg("betas") = Betas{0.9, 0.999}, py::arg("eps") = 1e-8,
           py::arg("weight_decay") = 0.0, py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::NAdam, Optimizer, py::smart_holder>(
      m, "NAdam",
      "NAdam (Dozat 2016), as torch.optim.NAdam: Adam with Nesterov momentum under the momentum schedule\n"
      "mu_t = beta1 * (1 - 0.96^(t * momentum_decay) / 2); decoupled_weight_decay decays the weights\n"
      "as AdamW does. State: exp_avg, exp_avg_sq, mu_product (a number).")
      .def(py::init([](py::handle params, double lr, Betas betas, double eps, double wd, double momentum_decay,
                       bool decoupled, bool maximize) {
        return std::make_shared<optim::NAdam>(parse_groups(params), lr, betas.beta1, betas.beta2, eps, wd,
                                              momentum_decay, decoupled, maximize);
      }), py::arg("params"), py::arg("lr") = 2e-3, py::arg("betas") = Betas{0.9, 0.999}, py::arg("eps") = 1e-8,
           py::arg("weight_decay") = 0.0, py::arg("momentum_decay") = 4e-3,
           py::arg("decoupled_weight_decay") = false, py::kw_only(), py::arg("maximize") = false);
  py::class_<optim::RAdam, Optimizer, py::smart_holder>(
      m, "RAdam",
      "RAdam (Liu et al. 2020), as torch.optim.RAdam: Adam with its adaptive step rectified for its\n"
      "variance, and bias-corrected momentum SGD while that variance is intractable (rho_t <= 5);\n"
      "decoupled_weight_decay decays the weights as AdamW does. State: exp_avg, exp_avg_sq.")
      .def(py::init([](py::handle params, double lr, Betas betas, double eps, double wd, bool decoupled,
                       bool maximize) {
        return std::make_shared<optim::RAdam>(parse_groups(params), lr, betas.beta1, betas.beta2, eps, wd,
                                              decoupled, maximize);
      }), py::arg("params"), py::arg("lr") = 1e-3, py::arg("betas") = Betas{0.9, 0.999}, py::arg("eps") = 1e-8,
           py::arg("weight_decay") = 0.0, py::arg("decoupled_weight_decay") = false, py::kw_only(),
           py::arg("maximize") = false);
}

}  // namespace varbayes::bind
