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

constexpr const char* clamp_doc =
    "Limits values to [min, max] (either may be None); an integer tensor with a float bound becomes float32.";

Tensor clamp_bounds(const Tensor& x, py::handle lo, py::handle hi) {
  auto bound = [](py::handle b) { return b.is_none() ? std::nullopt : std::optional<double>(b.cast<double>()); };
  // The bounds take part in type promotion as torch's (a float bound makes an integer tensor float).
  const Tensor in = to_dtype(x, result_type({x, lo.is_none() ? Tensor() : as_operand(lo),
                                             hi.is_none() ? Tensor() : as_operand(hi)}));
  return clamp(in, bound(lo), bound(hi));
}

// The default dtype of a creation function from its Python number arguments, as torch: bool
// when all are bools, int64 when all are integers (None skipped), else float32.
DType number_dtype(std::initializer_list<py::handle> values) {
  bool all_bool = true, all_int = true;
  for (py::handle v : values) {
    if (v.is_none()) continue;
    all_bool = all_bool && PyBool_Check(v.ptr());
    all_int = all_int && (PyLong_Check(v.ptr()) || (py::isinstance<Tensor>(v) && !is_floating_point(v.cast<Tensor>().dtype())));
  }
  return all_bool ? DType::bool_ : all_int ? DType::int64 : kDefaultFloat;
}

py::object nonzero_tuple(const Tensor& x) {
  const Tensor idx = nonzero(x);
  py::tuple out(static_cast<size_t>(x.dim()));
  for (int64_t d = 0; d < x.dim(); ++d) out[static_cast<size_t>(d)] = py::cast(contiguous(select(idx, 1, d)));
  return out;
}

// torch.max / torch.min: (input) the extreme value; (input, dim: int) the named tuple
// (values, indices); (input, dim: tuple) the reduction over those dims (as amax); (input, other:
// Tensor) the elementwise maximum.
void extremum(py::module_& m, py::class_<Tensor>& cls, const char* name,
              Tensor (*reduce)(const Tensor&, std::vector<int64_t>, bool),
              std::pair<Tensor, Tensor> (*along)(const Tensor&, int64_t, bool),
              Tensor (*elementwise)(const Tensor&, const Tensor&)) {
  // The named tuple type lives in the Python module varbayes.return_types (as torch.return_types).
  auto fn = [name, reduce, along, elementwise](const Tensor& x, py::object dim, bool keepdim) -> py::object {
    if (py::isinstance<Tensor>(dim)) return py::cast(elementwise(x, dim.cast<Tensor>()));
    if (!dim.is_none() && !py::isinstance<py::sequence>(dim)) {
      const auto [values, indices] = along(x, parse_dims(dim)[0], keepdim);
      return py::module_::import("varbayes.return_types").attr(name)(values, indices);
    }
    return py::cast(reduce(x, parse_dims(dim), keepdim));
  };
  const std::string doc = std::string("The ") + name +
                          " of all elements; with an int dim, the named tuple (values, indices) along it "
                          "(the gradient goes to the selected element); with a tuple of dims, the reduction over "
                          "them (ties share the gradient); with a tensor, the elementwise " + name + "imum.";
  m.def(name, fn, py::arg("input"), py::arg("dim") = py::none(), py::arg("keepdim") = false, doc.c_str());
  cls.def(name, fn, py::arg("dim") = py::none(), py::arg("keepdim") = false, doc.c_str());
}

}  // namespace

void init_ops(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  // Registers f as vb.<name>(input, ...) and as the method Tensor.<name>(self, ...).
  auto both = [&](const char* name, auto f, const char* doc, auto... extra) {
    m.def(name, f, py::arg("input"), extra..., doc, py::call_guard<py::gil_scoped_release>());
    cls.def(name, f, extra..., doc, py::call_guard<py::gil_scoped_release>());
  };

  const std::tuple<const char*, Unary, const char*> unary[] = {
      {"neg", &neg, "-input, elementwise."},
      {"exp", &exp, "e ** input, elementwise."},
      {"log", &log, "Natural logarithm, elementwise."},
      {"log1p", &log1p, "log(1 + input), elementwise, accurate for small input."},
      {"sqrt", &sqrt, "Square root, elementwise."},
      {"abs", &abs, "Absolute value, elementwise."},
      {"reciprocal", &reciprocal, "1 / input, elementwise."},
      {"relu", &relu, "max(input, 0), elementwise."},
      {"sigmoid", &sigmoid, "1 / (1 + exp(-input)), elementwise, stable for large |input|."},
      {"tanh", &tanh, "Hyperbolic tangent, elementwise."},
      {"softplus", &softplus, "log(1 + exp(input)), elementwise, stable for large |input|."},
      {"sign", &sign, "-1, 0 or 1 by the sign of input (NaN stays NaN); no gradient flows through it."},
      {"contiguous", &contiguous, "The tensor itself if contiguous, else a contiguous copy."},
      {"clone", &clone, "A copy with its own storage (differentiable)."}};
  for (const auto& [name, f, doc] : unary) both(name, f, doc);
  const std::pair<const char*, Unary> math[] = {
      {"sin", &sin},       {"cos", &cos},       {"tan", &tan},       {"asin", &asin},     {"acos", &acos},
      {"atan", &atan},     {"sinh", &sinh},     {"cosh", &cosh},     {"asinh", &asinh},   {"acosh", &acosh},
      {"atanh", &atanh},   {"erf", &erf},       {"erfc", &erfc},     {"erfinv", &erfinv}, {"expm1", &expm1},
      {"exp2", &exp2},     {"log2", &log2},     {"log10", &log10},   {"rsqrt", &rsqrt},   {"square", &square},
      {"floor", &floor},   {"ceil", &ceil},     {"trunc", &trunc},   {"frac", &frac}};
  for (const auto& [name, f] : math) both(name, f, "Elementwise function, as PyTorch's of the same name.");
  const std::pair<const char*, Unary> classify[] = {{"isnan", &isnan}, {"isinf", &isinf}, {"isfinite", &isfinite}};
  for (const auto& [name, f] : classify)
    both(name, f, "True where the test holds: a bool tensor (no gradient).");
  both("round", [](const Tensor& x, int64_t decimals) { return round(x, decimals); },
       "Rounds half to even, at `decimals` decimal places (negative: tens, hundreds, ...).", py::kw_only(),
       py::arg("decimals") = 0);
  both("logit", [](const Tensor& x, std::optional<double> eps) { return logit(x, eps); },
       "log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.", py::arg("eps") = py::none());
  both("nan_to_num",
       [](const Tensor& x, double nan, std::optional<double> posinf, std::optional<double> neginf) {
         return nan_to_num(x, nan, posinf, neginf);
       },
       "Replaces NaN, +inf and -inf (by default with 0 and the largest and lowest finite values).",
       py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());

  m.def("clamp", [](const Tensor& x, py::handle lo, py::handle hi) { return clamp_bounds(x, lo, hi); }, py::arg("input"),
        py::arg("min") = py::none(), py::arg("max") = py::none(), clamp_doc);
  cls.def("clamp", &clamp_bounds, py::arg("min") = py::none(), py::arg("max") = py::none(), clamp_doc);
  // Binary functions accept Python numbers and array-likes for either operand.
  auto binary = [&](const char* name, Tensor (*op)(const Tensor&, const Tensor&), const char* doc) {
    m.def(name, [op](py::handle a, py::handle b) {
      const Tensor at = as_operand(a), bt = as_operand(b);
      py::gil_scoped_release release;
      return op(at, bt);
    }, py::arg("input"), py::arg("other"), doc);
  };
  m.def("result_type", [](py::handle a, py::handle b) { return result_type({as_operand(a), as_operand(b)}); },
        py::arg("tensor1"), py::arg("tensor2"),
        "The dtype an op on the two operands (tensors or Python numbers) computes in, as torch.result_type.");
  m.def("promote_types", &promote_types, py::arg("type1"), py::arg("type2"),
        "The smallest dtype both dtypes convert to without losing category or width.");
  m.def("can_cast", &can_cast, py::arg("from_"), py::arg("to"),
        "Whether an in-place op may cast from one dtype to the other (never to a lower category).");
  binary("add", &add, "input + other (broadcasting).");
  binary("sub", &sub, "input - other (broadcasting).");
  binary("mul", &mul, "input * other (broadcasting).");
  binary("div", &div, "input / other, true division (integer operands give float32; broadcasting).");
  binary("floor_divide", &floor_divide, "floor(input / other), Python's //; integer division by zero raises.");
  binary("remainder", &remainder, "input - other * floor(input / other): Python's %, the sign of other.");
  binary("pow", static_cast<Tensor (*)(const Tensor&, const Tensor&)>(&pow), "input ** other (broadcasting).");
  binary("maximum", &maximum, "Elementwise maximum (NaN propagates).");
  binary("minimum", &minimum, "Elementwise minimum (NaN propagates).");
  binary("matmul", &matmul, "Matrix product with NumPy semantics (1-D, 2-D, batched).");
  // The binary math functions are also methods (x.atan2(y)).
  const std::tuple<const char*, Tensor (*)(const Tensor&, const Tensor&), const char*> binary_math[] = {
      {"atan2", &atan2, "Angle of the point (other, input) in (-pi, pi] (broadcasting)."},
      {"fmod", &fmod, "Remainder of input / other with the sign of input, as C's fmod (broadcasting)."},
      {"hypot", &hypot, "sqrt(input^2 + other^2) without overflow (broadcasting)."},
      {"logaddexp", &logaddexp, "log(exp(input) + exp(other)), computed stably (broadcasting)."}};
  for (const auto& entry : binary_math) {
    const auto [name, op, doc] = entry;
    binary(name, op, doc);
    cls.def(name, [f = op](const Tensor& a, py::handle b) {
      const Tensor bt = as_operand(b);
      py::gil_scoped_release release;
      return f(a, bt);
    }, py::arg("other"), doc);
  }
  auto lerp_fn = [](const Tensor& start, py::handle end, py::handle weight) {
    return lerp(start, as_operand(end), as_operand(weight));
  };
  const char* lerp_doc = "input + weight * (end - input); weight is a number or a tensor (broadcasting).";
  m.def("lerp", lerp_fn, py::arg("input"), py::arg("end"), py::arg("weight"), lerp_doc);
  cls.def("lerp", lerp_fn, py::arg("end"), py::arg("weight"), lerp_doc);
  cls.def("pow", [](const Tensor& a, py::handle b) {
    const Tensor bt = as_operand(b);
    py::gil_scoped_release release;
    return pow(a, bt);
  }, py::arg("exponent"));
  cls.def("matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::arg("other"),
          py::call_guard<py::gil_scoped_release>());
  m.def("where", [](const Tensor& c, py::handle a, py::handle b) -> py::object {
    if (a.is_none() && b.is_none()) return nonzero_tuple(c);
    if (a.is_none() || b.is_none()) fail<TypeError>("where: pass both input and other, or neither");
    return py::cast(where(c, as_operand(a), as_operand(b)));
  }, py::arg("condition"), py::arg("input") = py::none(), py::arg("other") = py::none(),
        "condition ? input : other for a bool condition (broadcasting; operands promoted as torch);\n"
        "where(condition) alone is nonzero(condition, as_tuple=True).");
  auto nonzero_fn = [](const Tensor& x, bool as_tuple) -> py::object {
    return as_tuple ? nonzero_tuple(x) : py::cast(nonzero(x));
  };
  const char* nonzero_doc = "Indices of the nonzero elements: int64 (count, ndim), or one index tensor per dim.";
  m.def("nonzero", nonzero_fn, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false, nonzero_doc);
  cls.def("nonzero", nonzero_fn, py::kw_only(), py::arg("as_tuple") = false, nonzero_doc);

  // Logical (bool results, nonzero is true) and bitwise (integer and bool tensors) ops.
  both("logical_not", &logical_not, "Elementwise not: a bool tensor, true where input is zero.");
  both("bitwise_not", &bitwise_not, "Elementwise ~ of an integer or bool tensor.");
  const std::tuple<const char*, const char*, Logic> logic[] = {
      {"logical_and", "bitwise_and", Logic::and_}, {"logical_or", "bitwise_or", Logic::or_},
      {"logical_xor", "bitwise_xor", Logic::xor_}};
  for (const auto& [lname, bname, op] : logic) {
    auto lfn = [op](py::handle a, py::handle b) { return logical(as_operand(a), as_operand(b), op); };
    auto bfn = [op](py::handle a, py::handle b) { return bitwise(as_operand(a), as_operand(b), op); };
    m.def(lname, lfn, py::arg("input"), py::arg("other"), "Elementwise logical op: a bool tensor.");
    cls.def(lname, lfn, py::arg("other"), "Elementwise logical op: a bool tensor.");
    m.def(bname, bfn, py::arg("input"), py::arg("other"), "Elementwise bitwise op of integer or bool tensors.");
    cls.def(bname, bfn, py::arg("other"), "Elementwise bitwise op of integer or bool tensors.");
  }

  // Reductions: dim is None (all), an int or a tuple of ints.
  auto reduction = [&](const char* name, Tensor (*op)(const Tensor&, std::vector<int64_t>, bool), const char* doc) {
    both(name, [op](const Tensor& x, py::object dim, bool keepdim) {
      return op(x, with_gil([&] { return parse_dims(dim); }), keepdim);
    }, doc, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  };
  reduction("sum", &sum, "Sum over dim (all dims when None).");
  reduction("mean", &mean, "Mean over dim (all dims when None).");
  extremum(m, cls, "max", &max, &max_dim, &maximum);
  extremum(m, cls, "min", &min, &min_dim, &minimum);
  reduction("amax", &max, "Maximum over dim, an int or a tuple (ties share the gradient).");
  reduction("amin", &min, "Minimum over dim, an int or a tuple (ties share the gradient).");
  both("any", [](const Tensor& x, py::object dim, bool keepdim) {
    return any(x, with_gil([&] { return parse_dims(dim); }), keepdim);
  }, "Whether any element is nonzero (over dim), as a bool tensor.", py::arg("dim") = py::none(),
       py::arg("keepdim") = false);
  both("all", [](const Tensor& x, py::object dim, bool keepdim) {
    return all(x, with_gil([&] { return parse_dims(dim); }), keepdim);
  }, "Whether every element is nonzero (over dim), as a bool tensor.", py::arg("dim") = py::none(),
       py::arg("keepdim") = false);
  both("argmax", [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return argmax(x, dim, keepdim); },
       "int64 index of the first maximum along dim (of the flattened tensor when dim is None).",
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  both("argmin", [](const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return argmin(x, dim, keepdim); },
       "int64 index of the first minimum along dim (of the flattened tensor when dim is None).",
       py::arg("dim") = py::none(), py::arg("keepdim") = false);
  reduction("logsumexp", &logsumexp, "log(sum(exp(x))) over dim, computed stably.");
  // var and std take both of torch's signatures: (dim=None, *, correction=1, keepdim=False) and the
  // older (dim, unbiased, keepdim), where a bool first argument is unbiased.
  auto spread = [&](const char* name, Tensor (*op)(const Tensor&, std::vector<int64_t>, int64_t, bool),
                    const char* doc) {
    both(name, [op, name](const Tensor& x, py::object dim, py::object unbiased, bool keepdim, py::object correction) {
      const auto [dims, c] = with_gil([&] {
        if (PyBool_Check(dim.ptr())) {
          if (!unbiased.is_none()) fail<TypeError>(name, ": unbiased given twice");
          unbiased = dim;
          dim = py::none();
        }
        if (!unbiased.is_none() && !correction.is_none())
          fail<TypeError>(name, ": pass unbiased or correction, not both");
        const int64_t c = !correction.is_none() ? correction.cast<int64_t>()
                          : (unbiased.is_none() || unbiased.cast<bool>()) ? 1 : 0;
        return std::make_pair(parse_dims(dim), c);
      });
      return op(x, dims, c, keepdim);
    }, doc, py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
         py::kw_only(), py::arg("correction") = py::none());
  };
  spread("var", &var, "Variance over dim with `correction` degrees of freedom removed (default 1: unbiased).");
  spread("std", &std_, "Standard deviation over dim: the square root of var with the same arguments.");

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
      .def("to", [](const Tensor& x, const py::args& args, const py::kwargs& kwargs) {
        const std::optional<DType> d = parse_to(args, kwargs, "Tensor.to");
        return d ? to_dtype(x, *d) : x;
      }, "As torch's: to(dtype), to(device, dtype=None), to(other_tensor) or to(device=..., dtype=...); a copy\n"
         "converted to the dtype (the tensor itself if it already has it). 'cpu' is the only device.")
      .def("type", [](const Tensor& x, py::handle dtype) { return to_dtype(x, parse_dtype(dtype)); }, py::arg("dtype"),
           "A copy converted to dtype (the tensor itself if it already has it).");
  const std::pair<const char*, DType> casts[] = {{"float", DType::float32}, {"double", DType::float64},
                                                 {"int", DType::int32},     {"long", DType::int64},
                                                 {"bool", DType::bool_}};
  for (const auto& [name, d] : casts)
    cls.def(name, [d](const Tensor& x) { return to_dtype(x, d); }, "A copy converted to this dtype (or the tensor).");
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
  m.def("gelu", [](const Tensor& x, const std::string& approximate) { return gelu(x, approximate); },
        py::arg("input"), py::arg("approximate") = "none",
        "x Phi(x), Phi the standard normal CDF; approximate='tanh' uses the tanh approximation.",
        py::call_guard<py::gil_scoped_release>());
  m.def("silu", &silu, py::arg("input"), "x sigmoid(x) (swish).", py::call_guard<py::gil_scoped_release>());
  m.def("mish", &mish, py::arg("input"), "x tanh(softplus(x)).", py::call_guard<py::gil_scoped_release>());
  m.def("softsign", &softsign, py::arg("input"), "x / (1 + |x|).", py::call_guard<py::gil_scoped_release>());
  m.def("elu", &elu, py::arg("input"), py::arg("alpha") = 1.0, "x if x > 0, else alpha (exp(x) - 1).",
        py::call_guard<py::gil_scoped_release>());
  m.def("leaky_relu", &leaky_relu, py::arg("input"), py::arg("negative_slope") = 0.01,
        "x if x > 0, else negative_slope x.", py::call_guard<py::gil_scoped_release>());
  m.def("hardtanh", &hardtanh, py::arg("input"), py::arg("min_val") = -1.0, py::arg("max_val") = 1.0,
        "x clamped to [min_val, max_val] (no gradient at or beyond the bounds).",
        py::call_guard<py::gil_scoped_release>());
  both("prelu", &prelu, "x if x > 0, else weight x; weight has one value or one per channel (dimension 1).",
       py::arg("weight"));
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
    const Tensor v = as_operand(var);
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
  m.def("full", [](py::object size, py::handle value, py::handle dtype, bool requires_grad) {
    const DType d = parse_dtype(dtype, number_dtype({value}));
    return with_grad(full(parse_shape(py::make_tuple(size), "full"), value.cast<double>(), d), requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false,
        "A tensor filled with fill_value; the dtype defaults to int64 for an int, bool for a bool, else float32.");
  m.def("arange", [](py::handle start, py::handle end, py::handle step, py::handle dtype, bool requires_grad) {
    const bool one = end.is_none();
    const DType d = parse_dtype(dtype, number_dtype({start, end, step}));
    return with_grad(arange(one ? 0.0 : start.cast<double>(), (one ? start : end).cast<double>(), step.cast<double>(), d),
                     requires_grad);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("requires_grad") = false,
        "Values from start (or 0) up to end, exclusive, by step; int64 when all are integers, else float32.");
  m.def("linspace", [](double start, double end, int64_t steps, py::handle dtype, bool requires_grad) {
    return with_grad(linspace(start, end, steps, parse_dtype(dtype)), requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "`steps` evenly spaced values from start to end inclusive.");
  m.def("eye", [](int64_t n, std::optional<int64_t> mcols, py::handle dtype, bool requires_grad) {
    return with_grad(eye(n, mcols.value_or(-1), parse_dtype(dtype)), requires_grad);
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "The n x m identity matrix.");
  auto like = [&](const char* name, auto fill, const char* doc) {
    m.def(name, [fill](const Tensor& x, py::handle dtype, bool requires_grad) {
      return with_grad(full(x.shape(), fill, parse_dtype(dtype, x.dtype())), requires_grad);
    }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("requires_grad") = false, doc);
  };
  like("zeros_like", 0.0, "Zeros of input's shape and dtype (or dtype).");
  like("ones_like", 1.0, "Ones of input's shape and dtype (or dtype).");
  m.def("full_like", [](const Tensor& x, double value, py::handle dtype, bool requires_grad) {
    return with_grad(full(x.shape(), value, parse_dtype(dtype, x.dtype())), requires_grad);
  }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("requires_grad") = false, "fill_value in input's shape and dtype (or dtype).");
}

}  // namespace varbayes::bind
