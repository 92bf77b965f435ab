// Every op's gradient against central finite differences in float64, one table row per op.
// Shapes broadcast where the op broadcasts; a few rows take non-contiguous inputs.
#include <catch2/catch.hpp>

#include "test_util.h"

using namespace varbayes;
using vbtest::GradCase;
using vbtest::positive64;
using vbtest::randn64;
using In = std::vector<Tensor>;

namespace {

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
      {"neg", [](const In& x) { return neg(x[0]); }, {randn64(s, 1)}},
      {"exp", [](const In& x) { return exp(x[0]); }, {randn64(s, 2)}},
      {"exp non-contiguous", [](const In& x) { return exp(x[0]); }, {transposed64(3, 4, 3)}},
      {"log", [](const In& x) { return log(x[0]); }, {positive64(s, 4)}},
      {"log1p", [](const In& x) { return log1p(x[0]); }, {positive64(s, 5) - 0.8}},
      {"sqrt", [](const In& x) { return sqrt(x[0]); }, {positive64(s, 6)}},
      {"abs", [](const In& x) { return abs(x[0]); }, {randn64(s, 7)}},
      {"reciprocal", [](const In& x) { return reciprocal(x[0]); }, {positive64(s, 8)}},
      {"relu", [](const In& x) { return relu(x[0]); }, {randn64(s, 9)}},
      {"relu strided", [](const In& x) { return relu(x[0]); }, {strided64(3, 4, 10)}},
      {"sigmoid", [](const In& x) { return sigmoid(x[0]); }, {randn64(s, 11)}},
      {"tanh", [](const In& x) { return varbayes::tanh(x[0]); }, {randn64(s, 12)}},
      {"softplus", [](const In& x) { return softplus(x[0]); }, {randn64(s, 13) * 3.0}},
      {"clamp", [](const In& x) { return clamp(x[0], -0.5, 0.7); }, {randn64(s, 14)}},
      {"clamp min only", [](const In& x) { return clamp(x[0], 0.1, std::nullopt); }, {randn64(s, 15)}},
      {"clamp max only", [](const In& x) { return clamp(x[0], std::nullopt, -0.1); }, {randn64(s, 16)}},
  });
}

TEST_CASE("gradients of binary ops with broadcasting", "[grad][binary]") {
  // Condition for `where`: a fixed 0/1 pattern (no gradient flows to it).
  const Tensor cond = compare(randn64({3, 4}, 30), zeros({}, DType::float64), Compare::gt);
  vbtest::check_gradient_table({
      {"add", [](const In& x) { return add(x[0], x[1]); }, {randn64({3, 4}, 1), randn64({4}, 2)}},
      {"sub", [](const In& x) { return sub(x[0], x[1]); }, {randn64({2, 1, 4}, 3), randn64({3, 1}, 4)}},
      {"mul", [](const In& x) { return mul(x[0], x[1]); }, {randn64({3, 4}, 5), randn64({3, 1}, 6)}},
      {"mul non-contiguous", [](const In& x) { return mul(x[0], x[1]); }, {transposed64(3, 4, 7), strided64(3, 4, 8)}},
      {"mul scalar operand", [](const In& x) { return mul(x[0], x[1]); }, {randn64({3, 4}, 9), randn64({}, 10)}},
      {"div", [](const In& x) { return div(x[0], x[1]); }, {randn64({3, 4}, 11), positive64({4}, 12)}},
      {"pow tensor exponent", [](const In& x) { return pow(x[0], x[1]); }, {positive64({3, 4}, 13), randn64({4}, 14)}},
      {"pow scalar exponent", [](const In& x) { return pow(x[0], 2.5); }, {positive64({3, 4}, 15)}},
      {"pow integer exponent of negatives", [](const In& x) { return pow(x[0], 3.0); }, {randn64({3, 4}, 16)}},
      {"maximum", [](const In& x) { return maximum(x[0], x[1]); }, {randn64({3, 4}, 17), randn64({4}, 18)}},
      {"minimum", [](const In& x) { return minimum(x[0], x[1]); }, {randn64({3, 1}, 19), randn64({3, 4}, 20)}},
      {"where", [cond](const In& x) { return where(cond, x[0], x[1]); }, {randn64({3, 4}, 21), randn64({4}, 22)}},
  });
}

TEST_CASE("gradients of matmul and linear", "[grad][linalg]") {
  vbtest::check_gradient_table({
      {"matmul 1-D x 1-D", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({4}, 1), randn64({4}, 2)}},
      {"matmul 1-D x 2-D", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({4}, 3), randn64({4, 3}, 4)}},
      {"matmul 2-D x 1-D", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({3, 4}, 5), randn64({4}, 6)}},
      {"matmul 2-D", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({3, 4}, 7), randn64({4, 5}, 8)}},
      {"matmul transposed operands",
       [](const In& x) { return matmul(x[0], x[1]); },
       {transposed64(3, 4, 9), transposed64(4, 5, 10)}},
      {"matmul batched broadcast",
       [](const In& x) { return matmul(x[0], x[1]); },
       {randn64({2, 1, 3, 4}, 11), randn64({3, 4, 2}, 12)}},
      {"matmul batch x matrix", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({2, 3, 4}, 13), randn64({4, 5}, 14)}},
      {"matmul vector x batch", [](const In& x) { return matmul(x[0], x[1]); }, {randn64({4}, 15), randn64({2, 4, 3}, 16)}},
      {"linear",
       [](const In& x) { return linear(x[0], x[1], x[2]); },
       {randn64({5, 3}, 17), randn64({4, 3}, 18), randn64({4}, 19)}},
      {"linear without bias", [](const In& x) { return linear(x[0], x[1]); }, {randn64({5, 3}, 20), randn64({4, 3}, 21)}},
      {"linear 3-D input",
       [](const In& x) { return linear(x[0], x[1], x[2]); },
       {randn64({2, 5, 3}, 22), transposed64(4, 3, 23), randn64({4}, 24)}},
  });
}

TEST_CASE("gradients of reductions", "[grad][reduction]") {
  const Shape s{2, 3, 4};
  vbtest::check_gradient_table({
      {"sum all", [](const In& x) { return sum(x[0]); }, {randn64(s, 1)}},
      {"sum dim keepdim", [](const In& x) { return sum(x[0], {1}, true); }, {randn64(s, 2)}},
      {"sum two dims", [](const In& x) { return sum(x[0], {0, -1}); }, {randn64(s, 3)}},
      {"sum non-contiguous", [](const In& x) { return sum(x[0], {0}); }, {transposed64(3, 4, 4)}},
      {"mean all", [](const In& x) { return mean(x[0]); }, {randn64(s, 5)}},
      {"mean dim", [](const In& x) { return mean(x[0], {-1}); }, {randn64(s, 6)}},
      {"var all", [](const In& x) { return var(x[0]); }, {randn64(s, 7)}},
      {"var dim keepdim", [](const In& x) { return var(x[0], {1}, 1, true); }, {randn64(s, 8)}},
      {"var population", [](const In& x) { return var(x[0], {0, 2}, 0); }, {randn64(s, 9)}},
      {"max all", [](const In& x) { return max(x[0]); }, {randn64(s, 10)}},
      {"max dim", [](const In& x) { return max(x[0], {1}); }, {randn64(s, 11)}},
      {"min dim keepdim", [](const In& x) { return min(x[0], {0}, true); }, {randn64(s, 12)}},
      {"min all keepdim", [](const In& x) { return min(x[0], {}, true); }, {randn64(s, 13)}},
      {"logsumexp all", [](const In& x) { return logsumexp(x[0]); }, {randn64(s, 14)}},
      {"logsumexp dim", [](const In& x) { return logsumexp(x[0], {1}); }, {randn64(s, 15)}},
      {"logsumexp dims keepdim", [](const In& x) { return logsumexp(x[0], {0, 2}, true); }, {randn64(s, 16)}},
  });
}

TEST_CASE("gradients of shape ops", "[grad][shape]") {
  const Shape s{2, 3, 4};
  vbtest::check_gradient_table({
      {"reshape", [](const In& x) { return reshape(x[0], {4, -1}); }, {randn64(s, 1)}},
      {"reshape copying", [](const In& x) { return reshape(x[0], {12}); }, {transposed64(3, 4, 2)}},
      {"view", [](const In& x) { return view(x[0], {6, 4}); }, {randn64(s, 3)}},
      {"transpose", [](const In& x) { return transpose(x[0], 0, 2); }, {randn64(s, 4)}},
      {"permute", [](const In& x) { return permute(x[0], {2, 0, 1}); }, {randn64(s, 5)}},
      {"slice", [](const In& x) { return slice(x[0], 2, 1, 4, 2); }, {randn64(s, 6)}},
      {"slice negative bounds", [](const In& x) { return slice(x[0], 1, -2, 100); }, {randn64(s, 7)}},
      {"select", [](const In& x) { return select(x[0], 1, -1); }, {randn64(s, 8)}},
      {"expand", [](const In& x) { return expand(x[0], {2, 3, 4}); }, {randn64({3, 1}, 9)}},
      {"unsqueeze", [](const In& x) { return unsqueeze(x[0], 1); }, {randn64(s, 10)}},
      {"squeeze", [](const In& x) { return squeeze(x[0]); }, {randn64({3, 1, 4}, 11)}},
      {"flatten", [](const In& x) { return flatten(x[0], 1); }, {randn64(s, 12)}},
      {"index_select repeated", [](const In& x) { return index_select(x[0], 1, {2, 0, 2, -1}); }, {randn64(s, 13)}},
      {"cat", [](const In& x) { return cat({x[0], x[1], x[2]}, 1); },
       {randn64({2, 1, 4}, 14), randn64({2, 3, 4}, 15), transpose(randn64({2, 4, 2}, 16), 1, 2).detach()}},
      {"stack", [](const In& x) { return stack({x[0], x[1]}, -1); }, {randn64({3, 4}, 17), strided64(3, 4, 18)}},
  });
}

TEST_CASE("gradients of neural-network functions", "[grad][nn]") {
  const std::vector<int64_t> target{2, 0, 3};
  vbtest::check_gradient_table({
      {"softmax", [](const In& x) { return softmax(x[0], 1); }, {randn64({3, 4}, 1)}},
      {"softmax dim 0", [](const In& x) { return softmax(x[0], 0); }, {randn64({2, 3, 4}, 2)}},
      {"log_softmax", [](const In& x) { return log_softmax(x[0], -1); }, {randn64({3, 4}, 3)}},
      {"log_softmax non-contiguous", [](const In& x) { return log_softmax(x[0], 0); }, {transposed64(4, 3, 4)}},
      {"cross_entropy", [target](const In& x) { return cross_entropy(x[0], target); }, {randn64({3, 4}, 5)}},
      {"cross_entropy sum",
       [target](const In& x) { return cross_entropy(x[0], target, Reduction::sum); },
       {randn64({3, 4}, 6)}},
      {"nll_loss none", [target](const In& x) { return nll_loss(x[0], target, Reduction::none); }, {randn64({3, 4}, 7)}},
      {"nll_loss strided", [target](const In& x) { return nll_loss(x[0], target); }, {strided64(3, 4, 8)}},
      {"mse_loss", [](const In& x) { return mse_loss(x[0], x[1]); }, {randn64({3, 4}, 9), randn64({3, 4}, 10)}},
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
