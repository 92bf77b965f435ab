// Every op's gradient against central finite differences in float64, one table row per op.
// Shapes broadcast where the op broadcasts; a few rows take non-contiguous inputs.
#include <catch2/catch.hpp>
#include <type_traits>

#include "test_util.h"

using namespace varbayes;
using vbtest::positive64;
using vbtest::randn64;
using In = std::vector<Tensor>;

namespace {

// An op applied to the first input with fixed trailing arguments: partial(sum, {1}, true).
template <class... Args>
vbtest::Fn partial(Tensor (*op)(const Tensor&, Args...), std::type_identity_t<Args>... args) {
  return [=](const In& x) { return op(x[0], args...); };
}
// An op of two tensors applied to the first two inputs.
vbtest::Fn binary(Tensor (*op)(const Tensor&, const Tensor&)) {
  return [op](const In& x) { return op(x[0], x[1]); };
}

// A non-contiguous leaf of the given 2-D shape: the transpose of a fresh (cols, rows) tensor.
Tensor transposed64(int64_t rows, int64_t cols, uint64_t seed) {
  return transpose(randn64({cols, rows}, seed), 0, 1).detach();
}

// A non-contiguous leaf: every other column of a wider tensor.
Tensor strided64(int64_t rows, int64_t cols, uint64_t seed) {
  return slice(randn64({rows, 2 * cols}, seed), 1, 0, 2 * cols, 2).detach();
}

}  // namespace

TEST_CASE("gradients of unary ops", "[grad][unary]") {
  const Shape s{3, 4};
  vbtest::check_gradient_table({
      {"neg", partial(neg), {randn64(s, 1)}},
      {"exp", partial(exp), {randn64(s, 2)}},
      {"exp non-contiguous", partial(exp), {transposed64(3, 4, 3)}},
      {"log", partial(log), {positive64(s, 4)}},
      {"log1p", partial(log1p), {positive64(s, 5) - 0.8}},
      {"sqrt", partial(sqrt), {positive64(s, 6)}},
      {"abs", partial(abs), {randn64(s, 7)}},
      {"reciprocal", partial(reciprocal), {positive64(s, 8)}},
      {"relu", partial(relu), {randn64(s, 9)}},
      {"relu strided", partial(relu), {strided64(3, 4, 10)}},
      {"sigmoid", partial(sigmoid), {randn64(s, 11)}},
      {"tanh", partial(varbayes::tanh), {randn64(s, 12)}},
      {"softplus", partial(softplus), {randn64(s, 13) * 3.0}},
      {"clamp", partial(clamp, -0.5, 0.7), {randn64(s, 14)}},
      {"clamp min only", partial(clamp, 0.1, std::nullopt), {randn64(s, 15)}},
      {"clamp max only", partial(clamp, std::nullopt, -0.1), {randn64(s, 16)}},
  });
}

TEST_CASE("gradients of binary ops with broadcasting", "[grad][binary]") {
  // Condition for `where`: a fixed 0/1 pattern (no gradient flows to it).
  const Tensor cond = compare(randn64({3, 4}, 30), zeros({}, DType::float64), Compare::gt);
  vbtest::check_gradient_table({
      {"add", binary(add), {randn64({3, 4}, 1), randn64({4}, 2)}},
      {"sub", binary(sub), {randn64({2, 1, 4}, 3), randn64({3, 1}, 4)}},
      {"mul", binary(mul), {randn64({3, 4}, 5), randn64({3, 1}, 6)}},
      {"mul non-contiguous", binary(mul), {transposed64(3, 4, 7), strided64(3, 4, 8)}},
      {"mul scalar operand", binary(mul), {randn64({3, 4}, 9), randn64({}, 10)}},
      {"div", binary(div), {randn64({3, 4}, 11), positive64({4}, 12)}},
      {"pow tensor exponent", binary(pow), {positive64({3, 4}, 13), randn64({4}, 14)}},
      {"pow scalar exponent", [](const In& x) { return pow(x[0], 2.5); }, {positive64({3, 4}, 15)}},
      {"pow integer exponent of negatives",
       [](const In& x) { return pow(x[0], 3.0); },
       {randn64({3, 4}, 16)}},
      {"maximum", binary(maximum), {randn64({3, 4}, 17), randn64({4}, 18)}},
      {"minimum", binary(minimum), {randn64({3, 1}, 19), randn64({3, 4}, 20)}},
      {"where",
       [cond](const In& x) { return where(cond, x[0], x[1]); },
       {randn64({3, 4}, 21), randn64({4}, 22)}},
  });
}

TEST_CASE("gradients of matmul and linear", "[grad][linalg]") {
  vbtest::check_gradient_table({
      {"matmul 1-D x 1-D", binary(matmul), {randn64({4}, 1), randn64({4}, 2)}},
      {"matmul 1-D x 2-D", binary(matmul), {randn64({4}, 3), randn64({4, 3}, 4)}},
      {"matmul 2-D x 1-D", binary(matmul), {randn64({3, 4}, 5), randn64({4}, 6)}},
      {"matmul 2-D", binary(matmul), {randn64({3, 4}, 7), randn64({4, 5}, 8)}},
      {"matmul transposed operands", binary(matmul), {transposed64(3, 4, 9), transposed64(4, 5, 10)}},
      {"matmul batched broadcast", binary(matmul), {randn64({2, 1, 3, 4}, 11), randn64({3, 4, 2}, 12)}},
      {"matmul batch x matrix", binary(matmul), {randn64({2, 3, 4}, 13), randn64({4, 5}, 14)}},
      {"matmul vector x batch", binary(matmul), {randn64({4}, 15), randn64({2, 4, 3}, 16)}},
      {"linear",
       [](const In& x) { return linear(x[0], x[1], x[2]); },
       {randn64({5, 3}, 17), randn64({4, 3}, 18), randn64({4}, 19)}},
      {"linear without bias",
       [](const In& x) { return linear(x[0], x[1]); },
       {randn64({5, 3}, 20), randn64({4, 3}, 21)}},
      {"linear 3-D input",
       [](const In& x) { return linear(x[0], x[1], x[2]); },
       {randn64({2, 5, 3}, 22), transposed64(4, 3, 23), randn64({4}, 24)}},
  });
}

TEST_CASE("gradients of reductions", "[grad][reduction]") {
  const Shape s{2, 3, 4};
  vbtest::check_gradient_table({
      {"sum all", partial(sum, {}, false), {randn64(s, 1)}},
      {"sum dim keepdim", partial(sum, {1}, true), {randn64(s, 2)}},
      {"sum two dims", partial(sum, {0, -1}, false), {randn64(s, 3)}},
      {"sum non-contiguous", partial(sum, {0}, false), {transposed64(3, 4, 4)}},
      {"mean all", partial(mean, {}, false), {randn64(s, 5)}},
      {"mean dim", partial(mean, {-1}, false), {randn64(s, 6)}},
      {"var all", partial(var, {}, 1, false), {randn64(s, 7)}},
      {"var dim keepdim", partial(var, {1}, 1, true), {randn64(s, 8)}},
      {"var population", partial(var, {0, 2}, 0, false), {randn64(s, 9)}},
      {"max all", partial(max, {}, false), {randn64(s, 10)}},
      {"max dim", partial(max, {1}, false), {randn64(s, 11)}},
      {"min dim keepdim", partial(min, {0}, true), {randn64(s, 12)}},
      {"min all keepdim", partial(min, {}, true), {randn64(s, 13)}},
      {"logsumexp all", partial(logsumexp, {}, false), {randn64(s, 14)}},
      {"logsumexp dim", partial(logsumexp, {1}, false), {randn64(s, 15)}},
      {"logsumexp dims keepdim", partial(logsumexp, {0, 2}, true), {randn64(s, 16)}},
  });
}

TEST_CASE("gradients of shape ops", "[grad][shape]") {
  const Shape s{2, 3, 4};
  vbtest::check_gradient_table({
      {"reshape", partial(reshape, {4, -1}), {randn64(s, 1)}},
      {"reshape copying", partial(reshape, {12}), {transposed64(3, 4, 2)}},
      {"view", partial(view, {6, 4}), {randn64(s, 3)}},
      {"transpose", partial(transpose, 0, 2), {randn64(s, 4)}},
      {"permute", partial(permute, {2, 0, 1}), {randn64(s, 5)}},
      {"slice", partial(slice, 2, 1, 4, 2), {randn64(s, 6)}},
      {"slice negative bounds", partial(slice, 1, -2, 100, 1), {randn64(s, 7)}},
      {"select", partial(select, 1, -1), {randn64(s, 8)}},
      {"expand", partial(expand, {2, 3, 4}), {randn64({3, 1}, 9)}},
      {"unsqueeze", partial(unsqueeze, 1), {randn64(s, 10)}},
      {"squeeze", partial(squeeze, std::nullopt), {randn64({3, 1, 4}, 11)}},
      {"flatten", partial(flatten, 1, -1), {randn64(s, 12)}},
      {"index_select repeated", partial(index_select, 1, {2, 0, 2, -1}), {randn64(s, 13)}},
      {"cat",
       [](const In& x) { return cat(x, 1); },
       {randn64({2, 1, 4}, 14), randn64({2, 3, 4}, 15), transpose(randn64({2, 4, 2}, 16), 1, 2).detach()}},
      {"stack", [](const In& x) { return stack(x, -1); }, {randn64({3, 4}, 17), strided64(3, 4, 18)}},
  });
}

TEST_CASE("gradients of neural-network functions", "[grad][nn]") {
  const std::vector<int64_t> target{2, 0, 3};
  vbtest::check_gradient_table({
      {"softmax", partial(softmax, 1), {randn64({3, 4}, 1)}},
      {"softmax dim 0", partial(softmax, 0), {randn64({2, 3, 4}, 2)}},
      {"log_softmax", partial(log_softmax, -1), {randn64({3, 4}, 3)}},
      {"log_softmax non-contiguous", partial(log_softmax, 0), {transposed64(4, 3, 4)}},
      {"cross_entropy", partial(cross_entropy, target, Reduction::mean), {randn64({3, 4}, 5)}},
      {"cross_entropy sum", partial(cross_entropy, target, Reduction::sum), {randn64({3, 4}, 6)}},
      {"nll_loss none", partial(nll_loss, target, Reduction::none), {randn64({3, 4}, 7)}},
      {"nll_loss strided", partial(nll_loss, target, Reduction::mean), {strided64(3, 4, 8)}},
      {"mse_loss",
       [](const In& x) { return mse_loss(x[0], x[1]); },
       {randn64({3, 4}, 9), randn64({3, 4}, 10)}},
      {"mse_loss none",
       [](const In& x) { return mse_loss(x[0], x[1], Reduction::none); },
       {randn64({3, 4}, 11), randn64({3, 4}, 12)}},
      {"gaussian_nll_loss",
       [](const In& x) { return gaussian_nll_loss(x[0], x[1], x[2]); },
       {randn64({3, 4}, 13), randn64({3, 4}, 14), positive64({3, 4}, 15)}},
      {"gaussian_nll_loss broadcast var, full, sum",
       [](const In& x) { return gaussian_nll_loss(x[0], x[1], x[2], true, 1e-6, Reduction::sum); },
       {randn64({3, 4}, 16), randn64({3, 4}, 17), positive64({4}, 18)}},
  });
}

TEST_CASE("values and gradients at edges follow PyTorch's conventions", "[grad][edge]") {
  struct Row {
    std::string name;
    vbtest::Fn f;
    std::vector<double> x, value, grad;
  };
  const Tensor two = full({}, 2.0, DType::float64);
  const std::vector<Row> rows{
      // Stable at large |x|: no overflow to inf, no underflow of the gradient to 0 before it is due.
      {"softplus",
       partial(softplus),
       {-100, 0, 100},
       {std::exp(-100.0), std::log(2.0), 100},
       {std::exp(-100.0), 0.5, 1}},
      {"sigmoid", partial(sigmoid), {-1000, 1000}, {0, 1}, {0, 0}},
      {"logsumexp with -inf", partial(logsumexp, {}, false), {-INFINITY, 0}, {0}, {0, 1}},
      // Kinks: relu and abs give 0 at 0, clamp passes the gradient at its bounds.
      {"relu at 0", partial(relu), {-1, 0, 1}, {0, 0, 1}, {0, 0, 1}},
      {"abs at 0", partial(abs), {-2, 0, 2}, {2, 0, 2}, {-1, 0, 1}},
      {"clamp at bounds", partial(clamp, 0.0, 1.0), {-1, 0, 1, 2}, {0, 0, 1, 1}, {0, 1, 1, 0}},
      // Ties share the gradient evenly.
      {"max ties", partial(max, {}, false), {1, 3, 3, 2}, {3}, {0, 0.5, 0.5, 0}},
      {"maximum ties", [two](const In& x) { return maximum(x[0], two); }, {2, 3}, {2, 3}, {0.5, 1}},
      // 0^0 = 1 with a zero gradient; sqrt'(0) = inf.
      {"pow at 0", [](const In& x) { return pow(x[0], x[0]); }, {0}, {1}, {0}},
      {"sqrt at 0", partial(sqrt), {0, 4}, {0, 2}, {INFINITY, 0.25}},
  };
  for (const Row& e : rows) {
    DYNAMIC_SECTION(e.name) {
      Tensor x = from_values(e.x, {static_cast<int64_t>(e.x.size())}, DType::float64);
      x.set_requires_grad(true);
      const Tensor y = e.f({x});
      // No absolute tolerance: a tiny expected value (exp(-100)) must not be matched by 0.
      vbtest::check_values(y, e.value, 1e-12, 0);
      sum(y).backward();
      vbtest::check_values(x.grad(), e.grad, 1e-12, 0);
    }
  }
}
