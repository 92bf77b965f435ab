// Ops, each registered both as a function (vb.exp(x)) and a Tensor method (x.exp()), and the
// creation functions.
#include "bindings.h"

namespace varbayes::bind {

namespace {

using namespace pybind11::literals;
using Unary = Tensor (*)(const Tensor&);

Tensor with_grad(Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

Generator* generator_arg(py::handle g) { return g.is_none() ? nullptr : g.cast<Generator*>(); }

// Functions registered by `both` run with the GIL released; Python arguments are parsed under it.
template <class F>
auto with_gil(F&& parse) {
  py::gil_scoped_acquire gil;
  return parse();
}

}  // namespace

void init_ops(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  // Registers f as vb.<name>(input, ...) and as the method Tensor.<name>(self, ...).
  auto both = [&](const char* name, auto f, const char* doc, auto... extra) {
    m.def(name, f, py::arg("input"), extra..., doc, py::call_guard<py::gil_scoped_release>());
    cls.def(name, f, extra..., doc, py::call_guard<py::gil_scoped_release>());
  };

  const std::pair<const char*, Unary> unary[] = {
      {"neg", &neg},       {"exp", &exp},         {"log", &log},         {"log1p", &log1p},
      {"sqrt", &sqrt},     {"abs", &abs},         {"reciprocal", &reciprocal}, {"relu", &relu},
      {"sigmoid", &sigmoid}, {"tanh", &tanh},     {"softplus", &softplus}, {"sign", &sign},
      {"contiguous", &contiguous}, {"clone", &clone}};
  for (const auto& [name, f] : unary) both(name, f, "Elementwise op (see the README's op table).");

  both("clamp", [](const Tensor& x, std::optional<double> lo, std::optional<double> hi) { return clamp(x, lo, hi); },
       "Limits values to [min, max] (either may be None).", py::arg("min") = py::none(), py::arg("max") = py::none());
  // Binary functions accept Python numbers and array-likes for either operand.
  auto binary = [&](const char* name, Tensor (*op)(const Tensor&, const Tensor&), const char* doc) {
    m.def(name, [op](py::handle a, py::handle b) {
      const Tensor at = as_tensor(a), bt = as_tensor(b, &at);
      py::gil_scoped_release release;
      return op(at, bt);
    }, py::arg("input"), py::arg("other"), doc);
  };
  binary("add", &add, "input + other (broadcasting).");
  binary("sub", &sub, "input - other (broadcasting).");
  binary("mul", &mul, "input * other (broadcasting).");
  binary("div", &div, "input / other (broadcasting).");
  binary("pow", static_cast<Tensor (*)(const Tensor&, const Tensor&)>(&pow), "input ** other (broadcasting).");
  binary("maximum", &maximum, "Elementwise maximum (NaN propagates).");
  binary("minimum", &minimum, "Elementwise minimum (NaN propagates).");
  binary("matmul", &matmul, "Matrix product with NumPy semantics (1-D, 2-D, batched).");
  cls.def("pow", [](const Tensor& a, py::handle b) {
    const Tensor bt = as_tensor(b, &a);
    py::gil_scoped_release release;
    return pow(a, bt);
  }, py::arg("exponent"));
  cls.def("matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"),
          py::call_guard<py::gil_scoped_release>());
  m.def("where", [](const Tensor& c, py::handle a, py::handle b) {
    const Tensor at = as_tensor(a, &c), bt = as_tensor(b, &at);
    py::gil_scoped_release release;
    return where(c, at, bt);
  }, py::arg("condition"), py::arg("input"), py::arg("other"), "condition != 0 ? input : other (broadcasting).");

  // Reductions: dim is None (all), an int or a tuple of ints.
  auto reduction = [&](const char* name, Tensor (*op)(const Tensor&, std::vector<int64_t>, bool), const char* doc) {
    both(name, [op](const Tensor& x, py::object dim, bool keepdim) {
      return op(x, with_gil([&] { return parse_dims(dim); }), keepdim);
    }, doc, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  };
  reduction("sum", &sum, "Sum over dim (all dims when None).");
  reduction("mean", &mean, "Mean over dim (all dims when None).");
  reduction("max", &max, "Maximum over dim (ties share the gradient).");
  reduction("min", &min, "Minimum over dim (ties share the gradient).");
  reduction("logsumexp", &logsumexp, "log(sum(exp(x))) over dim, computed stably.");
  both("var", [](const Tensor& x, py::object dim, int64_t correction, bool keepdim) {
    return var(x, with_gil([&] { return parse_dims(dim); }), correction, keepdim);
  }, "Variance over dim with `correction` degrees of freedom removed (1: unbiased).",
       py::arg("dim") = py::none(), py::arg("correction") = 1, py::arg("keepdim") = false);

  // Shape ops. Methods take sizes as varargs (x.reshape(2, 3)); functions take a tuple.
  m.def("reshape", [](const Tensor& x, const Shape& s) { return reshape(x, s); }, py::arg("input"), py::arg("shape"),
        "A tensor with the same elements and a new shape (a view when possible).");
  cls.def("reshape", [](const Tensor& x, py::args s) { return reshape(x, parse_ints(s, "reshape")); })
      .def("view", [](const Tensor& x, py::args s) { return view(x, parse_ints(s, "view")); },
           "A view with a new shape; raises ValueError when the strides do not allow one.")
      .def("expand", [](const Tensor& x, py::args s) { return expand(x, parse_ints(s, "expand")); },
           "A broadcast view to a larger shape (-1 keeps a size).")
      .def("permute", [](const Tensor& x, py::args dims) { return permute(x, parse_ints(dims, "permute")); },
           "Reorders the dimensions (a view).")
      .def_property_readonly("T", [](const Tensor& x) {
        std::vector<int64_t> dims;
        for (int64_t d = x.dim() - 1; d >= 0; --d) dims.push_back(d);
        return permute(x, dims);
      }, "The tensor with its dimensions reversed.")
      .def("t", [](const Tensor& x) {
        if (x.dim() > 2) fail<ValueError>("t(): expects a tensor with at most 2 dimensions, got ", x.dim());
        return x.dim() < 2 ? x : transpose(x, 0, 1);
      }, "Transpose of a matrix.")
      .def("to", [](const Tensor& x, py::handle dtype) {
        const DType dt = parse_dtype(dtype);
        py::gil_scoped_release release;
        return to_dtype(x, dt);
      }, py::arg("dtype"), "A copy converted to dtype (the tensor itself if it already has it).")
      .def("float", [](const Tensor& x) { return to_dtype(x, DType::float32); },
           py::call_guard<py::gil_scoped_release>())
      .def("double", [](const Tensor& x) { return to_dtype(x, DType::float64); },
           py::call_guard<py::gil_scoped_release>());
  m.def("permute", [](const Tensor& x, const std::vector<int64_t>& dims) { return permute(x, dims); },
        py::arg("input"), py::arg("dims"), "Reorders the dimensions (a view).");
  both("transpose", &transpose, "Swaps two dimensions (a view).", py::arg("dim0"), py::arg("dim1"));
  both("unsqueeze", &unsqueeze, "Inserts a dimension of size 1 (a view).", py::arg("dim"));
  both("squeeze", [](const Tensor& x, std::optional<int64_t> d) { return squeeze(x, d); },
       "Removes dimensions of size 1 (only `dim` when given).", py::arg("dim") = py::none());
  both("flatten", &flatten, "Merges dimensions start_dim..end_dim.", py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  both("index_select", [](const Tensor& x, int64_t dim, py::handle index) {
    const auto idx = with_gil([&] { return parse_index(index, "index_select"); });
    return index_select(x, dim, idx);
  }, "Copies the entries at the given integer indices along dim.", py::arg("dim"), py::arg("index"));
  m.def("cat", &cat, py::arg("tensors"), py::arg("dim") = 0, "Concatenates tensors along an existing dimension.",
        py::call_guard<py::gil_scoped_release>());
  m.def("stack", &stack, py::arg("tensors"), py::arg("dim") = 0, "Stacks tensors along a new dimension.",
        py::call_guard<py::gil_scoped_release>());

  // Neural-network functions (re-exported by varbayes.nn.functional).
  both("softmax", &softmax, "Softmax along dim.", py::arg("dim") = -1);
  both("log_softmax", &log_softmax, "Log-softmax along dim, computed stably.", py::arg("dim") = -1);
  m.def("linear", [](const Tensor& x, const Tensor& w, std::optional<Tensor> b) { return linear(x, w, b.value_or(Tensor())); },
        py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
        "input @ weight.T + bias in one fused GEMM.", py::call_guard<py::gil_scoped_release>());
  m.def("cross_entropy", [](const Tensor& logits, py::handle target, const std::string& reduction) {
    const auto idx = parse_index(target, "cross_entropy");
    const Reduction r = reduction_from_string(reduction);
    py::gil_scoped_release release;
    return cross_entropy(logits, idx, r);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
        "Cross-entropy of logits (N, C) and integer class targets (N,).");
  m.def("nll_loss", [](const Tensor& logp, py::handle target, const std::string& reduction) {
    const auto idx = parse_index(target, "nll_loss");
    const Reduction r = reduction_from_string(reduction);
    py::gil_scoped_release release;
    return nll_loss(logp, idx, r);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean",
        "Negative log-likelihood of integer class targets under log-probabilities (N, C).");
  m.def("mse_loss", [](const Tensor& a, const Tensor& b, const std::string& r) {
    return mse_loss(a, b, reduction_from_string(r));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", "Mean squared error (shapes must match).",
        py::call_guard<py::gil_scoped_release>());
  m.def("gaussian_nll_loss", [](const Tensor& x, const Tensor& y, py::handle var, bool full, double eps,
                                const std::string& r) {
    const Tensor v = as_tensor(var, &x);
    py::gil_scoped_release release;
    return gaussian_nll_loss(x, y, v, full, eps, reduction_from_string(r));
  }, py::arg("input"), py::arg("target"), py::arg("var"), py::arg("full") = false, py::arg("eps") = 1e-6,
        py::arg("reduction") = "mean", "Gaussian negative log-likelihood with variance var, as PyTorch's.");
  m.def("dropout", [](const Tensor& x, double p, bool training, py::handle gen) {
    Generator* g = generator_arg(gen);
    py::gil_scoped_release release;
    return dropout(x, p, training, g);
  }, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true, py::arg("generator") = py::none(),
        "Zeroes elements with probability p and scales the rest by 1/(1-p) when training.");

  // Creation. Sizes as varargs or one tuple; dtype defaults to float32.
  auto creator = [&](const char* name, auto make, const char* doc) {
    m.def(name, [make, name](py::args size, py::handle dtype, bool requires_grad) {
      const Shape shape = parse_shape(size, name);
      const DType dt = parse_dtype(dtype);
      py::gil_scoped_release release;
      return with_grad(make(shape, dt), requires_grad);
    }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false, doc);
  };
  creator("zeros", [](const Shape& s, DType d) { return zeros(s, d); }, "A tensor of zeros.");
  creator("ones", [](const Shape& s, DType d) { return ones(s, d); }, "A tensor of ones.");
  creator("empty", [](const Shape& s, DType d) { return empty(s, d); }, "An uninitialised tensor.");
  auto random = [&](const char* name, Tensor (*make)(const Shape&, DType, Generator*), const char* doc) {
    m.def(name, [make, name](py::args size, py::handle dtype, bool requires_grad, py::handle gen) {
      const Shape shape = parse_shape(size, name);
      const DType dt = parse_dtype(dtype);
      Generator* g = generator_arg(gen);
      py::gil_scoped_release release;
      return with_grad(make(shape, dt, g), requires_grad);
    }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
          py::arg("generator") = py::none(), doc);
  };
  random("randn", &randn, "Standard normal samples (counter-based Philox generator).");
  random("rand", &rand, "Uniform samples in [0, 1) (counter-based Philox generator).");
  m.def("full", [](py::object size, double value, py::handle dtype, bool requires_grad) {
    return with_grad(full(parse_shape(py::make_tuple(size), "full"), value, parse_dtype(dtype)), requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "A tensor filled with fill_value.");
  m.def("arange", [](double start, py::object end, double step, py::handle dtype, bool requires_grad) {
    const bool one = end.is_none();
    return with_grad(arange(one ? 0.0 : start, one ? start : end.cast<double>(), step, parse_dtype(dtype)),
                     requires_grad);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1.0, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
        "Values from start (or 0) up to end, exclusive, by step.");
  m.def("linspace", [](double start, double end, int64_t steps, py::handle dtype, bool requires_grad) {
    return with_grad(linspace(start, end, steps, parse_dtype(dtype)), requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "`steps` evenly spaced values from start to end inclusive.");
  m.def("eye", [](int64_t n, std::optional<int64_t> mcols, py::handle dtype, bool requires_grad) {
    return with_grad(eye(n, mcols.value_or(-1), parse_dtype(dtype)), requires_grad);
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "The n x m identity matrix.");
  m.def("zeros_like", &zeros_like, py::arg("input"), "Zeros of input's shape and dtype.");
  m.def("ones_like", &ones_like, py::arg("input"), "Ones of input's shape and dtype.");
  m.def("full_like", &full_like, py::arg("input"), py::arg("fill_value"), "fill_value in input's shape and dtype.");
}

}  // namespace varbayes::bind
