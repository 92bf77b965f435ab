// Helpers shared by the core tests: reading tensors back, random inputs, and the one generic
// finite-difference gradient checker every op's gradient test goes through.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "varbayes/varbayes.h"

namespace vbtest {

using varbayes::DType;
using varbayes::Shape;
using varbayes::Tensor;

// The elements of t in logical (row-major) order, whatever its strides and dtype.
inline std::vector<double> values(const Tensor& t) {
  varbayes::NoGradGuard no_grad;
  const Tensor c = varbayes::contiguous(varbayes::to_dtype(t.detach(), DType::float64));
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

// A float64 tensor of standard normals from its own seeded generator (reproducible per test).
inline Tensor randn64(const Shape& shape, uint64_t seed) {
  varbayes::Generator gen(seed);
  return varbayes::randn(shape, DType::float64, &gen);
}

// A float64 tensor uniform in [0.5, 2): inside the domain of log, sqrt, reciprocal and pow, away from 0.
inline Tensor positive64(const Shape& shape, uint64_t seed) {
  varbayes::Generator gen(seed);
  Tensor t = varbayes::empty(shape, DType::float64);
  gen.fill_uniform(t, 0.5, 2.0);
  return t;
}

// Storage offset (in elements) of the element with row-major logical index `flat`.
inline int64_t element_offset(const Tensor& t, int64_t flat) {
  int64_t off = t.offset();
  for (int64_t d = t.dim() - 1; d >= 0; --d) {
    off += (flat % t.shape()[d]) * t.strides()[d];
    flat /= t.shape()[d];
  }
  return off;
}

// Checks `actual` element by element: each value within rtol (relative) or atol (absolute) of `expected`.
inline void check_values(const Tensor& actual, const std::vector<double>& expected, double rtol = 1e-12,
                         double atol = 1e-12) {
  const std::vector<double> a = values(actual);
  REQUIRE(a.size() == expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element " << i);
    CHECK(a[i] == Approx(expected[i]).epsilon(rtol).margin(atol));
  }
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares the autograd gradient of sum(f(inputs) * g), for a fixed random upstream gradient g,
// with central differences (f(x + h) - f(x - h)) / 2h taken element by element. Inputs must be
// float64 leaves with distinct memory (they may be non-contiguous views, but not expanded ones).
inline void check_gradients(const Fn& f, std::vector<Tensor> inputs, double rtol = 1e-6, double atol = 1e-8) {
  constexpr double h = 1e-6;
  for (Tensor& x : inputs) {
    REQUIRE(x.dtype() == DType::float64);
    x.set_requires_grad(true);
  }
  const Tensor out = f(inputs);
  const Tensor g = randn64(out.shape(), 99);
  varbayes::sum(out * g).backward();

  varbayes::NoGradGuard no_grad;
  auto objective = [&] { return varbayes::sum(f(inputs) * g).item(); };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    const Tensor grad = x.grad();
    REQUIRE(grad.defined());
    REQUIRE(grad.shape() == x.shape());
    const std::vector<double> analytic = values(grad);
    double* base = static_cast<double*>(x.storage()->data());
    for (int64_t j = 0; j < x.numel(); ++j) {
      double& v = base[element_offset(x, j)];
      const double saved = v;
      v = saved + h;
      const double up = objective();
      v = saved - h;
      const double down = objective();
      v = saved;
      const double numeric = (up - down) / (2 * h);
      INFO("input " << i << ", element " << j << ": analytic " << analytic[j] << ", numeric " << numeric);
      CHECK(std::abs(analytic[j] - numeric) <= atol + rtol * std::abs(numeric));
    }
  }
}

// One row of a gradient table: the op's name, its inputs and how to apply it.
struct GradCase {
  std::string name;
  Fn f;
  std::vector<Tensor> inputs;
};

// Runs every case of a table in its own section, so one failing op does not hide the others.
inline void check_gradient_table(const std::vector<GradCase>& cases) {
  for (const GradCase& c : cases) {
    DYNAMIC_SECTION(c.name) { check_gradients(c.f, c.inputs); }
  }
}

}  // namespace vbtest
