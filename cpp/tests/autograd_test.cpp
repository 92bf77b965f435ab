// The backward engine: accumulation, retained and freed graphs, grad mode, detach, shared inputs,
// in-place changes of saved tensors, and 100,000-op chains (no recursion when running or freeing).
#include <catch2/catch.hpp>
#include <cmath>

#include "test_util.h"

using namespace varbayes;
using vbtest::check_values;
using vbtest::values;

namespace {

Tensor leaf(const std::vector<double>& v) {
  Tensor t = from_values(v, {static_cast<int64_t>(v.size())}, DType::float64);
  t.set_requires_grad(true);
  return t;
}

constexpr int64_t kChain = 100000;

}  // namespace

TEST_CASE("gradients accumulate over backward calls until reset", "[autograd]") {
  Tensor x = leaf({1, 2});
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  check_values(x.grad(), {6, 6});
  x.set_grad(Tensor());
  sum(x * x).backward();
  check_values(x.grad(), {2, 4});
}

TEST_CASE("retain_graph keeps saved tensors, a freed graph refuses a second backward", "[autograd]") {
  Tensor x = leaf({0.5, -1});
  const Tensor y = sum(exp(x));
  y.backward(Tensor(), true);
  CHECK_FALSE(y.grad_fn()->released());
  y.backward();
  CHECK(y.grad_fn()->released());
  check_values(x.grad(), {2 * std::exp(0.5), 2 * std::exp(-1.0)});
  CHECK_THROWS_AS(y.backward(), RuntimeError);
}

TEST_CASE("backward checks its root and gradient", "[autograd]") {
  Tensor x = leaf({1, 2, 3});
  const Tensor y = exp(x);
  CHECK_THROWS_AS(y.backward(), RuntimeError);  // not a scalar and no gradient given
  CHECK_THROWS_AS(y.backward(ones({2}, DType::float64)), ValueError);
  CHECK_THROWS_AS(zeros({}).backward(), RuntimeError);  // does not require grad
  y.backward(full({3}, 2.0, DType::float32));           // converted to the output's dtype
  check_values(x.grad(), {2 * std::exp(1.0), 2 * std::exp(2.0), 2 * std::exp(3.0)});
  CHECK(x.grad().dtype() == DType::float64);
}

TEST_CASE("a tensor used several times collects every path's gradient", "[autograd]") {
  Tensor x = leaf({1, -2});
  SECTION("both operands of one op") {
    sum(x * x).backward();
    check_values(x.grad(), {2, -4});
  }
  SECTION("a diamond: a feeds two branches that meet again") {
    const Tensor a = x * 2.0;
    sum(a * exp(a) + a).backward();  // d/dx = 2 (exp(a) + a exp(a) + 1)
    check_values(x.grad(), {2 * (std::exp(2.0) * 3 + 1), 2 * (std::exp(-4.0) * -3 + 1)});
  }
  SECTION("two separate ops summed") {
    (sum(exp(x)) + sum(x * 3.0)).backward();
    check_values(x.grad(), {std::exp(1.0) + 3, std::exp(-2.0) + 3});
  }
}

TEST_CASE("only tensors that require grad get one", "[autograd]") {
  Tensor x = leaf({1, 2});
  const Tensor c = from_values({3, 4}, {2}, DType::float64);
  const Tensor y = x * c;
  CHECK(y.requires_grad());
  CHECK_FALSE(y.is_leaf());
  CHECK_THROWS_AS(Tensor(y).set_requires_grad(false), RuntimeError);
  sum(y).backward();
  check_values(x.grad(), {3, 4});
  CHECK_FALSE(c.grad().defined());
}

TEST_CASE("grad mode: NoGradGuard records nothing and nests", "[autograd]") {
  Tensor x = leaf({1, 2});
  {
    NoGradGuard no_grad;
    CHECK_FALSE(grad_enabled());
    const Tensor y = exp(x);
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    {
      GradModeGuard enable(true);
      CHECK(exp(x).requires_grad());
    }
    CHECK_FALSE(grad_enabled());
  }
  CHECK(grad_enabled());
  CHECK(exp(x).requires_grad());
}

TEST_CASE("detach shares storage but cuts the graph", "[autograd]") {
  Tensor x = leaf({1, 2});
  const Tensor d = (x * 2.0).detach();
  CHECK(d.is_leaf());
  CHECK_FALSE(d.requires_grad());
  const Tensor xd = x.detach();
  CHECK(xd.storage() == x.storage());
  sum(x * xd).backward();  // xd is a constant: the gradient is x, not 2x
  check_values(x.grad(), {1, 2});
}

TEST_CASE("in-place changes of a saved tensor are detected on backward", "[autograd]") {
  Tensor x = leaf({0.5, 1.5});
  Tensor y = exp(x);  // saves its output
  const Tensor loss = sum(y);
  {
    NoGradGuard no_grad;
    mul_(y, 2.0);
  }
  CHECK_THROWS_WITH(loss.backward(), Catch::Contains("modified in place"));
  // Without the guard the write itself is refused: y is part of a graph.
  Tensor z = exp(x);
  CHECK_THROWS_AS(add_(z, ones({2}, DType::float64)), RuntimeError);
  CHECK_THROWS_AS(fill_(x, 0.0), RuntimeError);
}

TEST_CASE("a 100,000-op chain backwards and is freed without recursion", "[autograd][chain]") {
  Tensor x = leaf({1.0});
  SECTION("multiplicative chain") {
    Tensor y = x;
    for (int64_t i = 0; i < kChain; ++i) y = y * 1.0000001;
    sum(y).backward();
    check_values(x.grad(), {std::pow(1.0000001, static_cast<double>(kChain))}, 1e-9);
  }
  SECTION("every op also reads the leaf") {
    Tensor y = x;
    for (int64_t i = 0; i < kChain; ++i) y = y + x;
    sum(y).backward(Tensor(), true);  // the retained graph is then freed whole when y goes
    check_values(x.grad(), {static_cast<double>(kChain + 1)});
  }
  SECTION("built and dropped without backward") {
    Tensor y = x;
    for (int64_t i = 0; i < kChain; ++i) y = tanh(y) * 2.0;
    CHECK(y.requires_grad());
    y = Tensor();  // frees 200,000 nodes: a recursive destructor would overflow the stack
  }
}
