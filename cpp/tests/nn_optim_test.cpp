// Modules and optimizers used as a C++ user would: forward, parameter listings, state_dict,
// train/eval, optimizer steps, zero_grad, gradient clipping and parameter groups.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <memory>

#include "test_util.h"

using namespace varbayes;
using vbtest::check_values;
using vbtest::randn64;
using vbtest::values;

namespace {

std::vector<std::string> names(const nn::NamedTensors& items) {
  std::vector<std::string> out;
  for (const auto& [n, t] : items) out.push_back(n);
  return out;
}

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4, true, DType::float64), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(4, 2, true, DType::float64)});
}

std::vector<optim::ParamGroup> single_group(const Tensor& w) { return {{{w}}}; }

// sum((w - target)^2) for w starting at 0; its minimum is 0 at w = target.
struct Quadratic {
  Tensor w = zeros({4}, DType::float64).set_requires_grad(true);
  Tensor target = from_values({1, -2, 3, 0.5}, {4}, DType::float64);
  Tensor loss() const { return sum(pow(w - target, 2.0)); }
};

}  // namespace

TEST_CASE("Linear computes x W^T + b with PyTorch's initialisation bounds", "[nn]") {
  manual_seed(0);
  nn::Linear lin(3, 2, true, DType::float64);
  const Tensor& w = lin.param("weight");
  const Tensor& b = lin.param("bias");
  CHECK(w.shape() == Shape{2, 3});
  CHECK(b.shape() == Shape{2});
  CHECK(w.requires_grad());
  for (double v : values(w)) CHECK(std::abs(v) <= 1 / std::sqrt(3.0));
  const Tensor x = randn64({5, 3}, 1);
  check_values(lin(x), values(matmul(x, transpose(w, 0, 1)) + b));
  CHECK(lin(randn64({2, 5, 3}, 2)).shape() == Shape{2, 5, 2});

  nn::Linear no_bias(3, 2, false);
  CHECK(names(no_bias.named_parameters()) == std::vector<std::string>{"weight"});
  CHECK_THROWS_AS(nn::Linear(0, 2), ValueError);
  CHECK_THROWS_AS(lin(randn64({5, 4}, 3)), ValueError);
}

TEST_CASE("Sequential applies its children in order and names parameters with dots", "[nn]") {
  const auto net = mlp();
  CHECK(names(net->named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(net->parameters().size() == 4);
  CHECK(net->parameters(false).empty());
  CHECK(net->size() == 3);
  CHECK(net->at(-1)->type_name() == "Linear");
  CHECK_THROWS_AS(net->at(3), IndexError);
  const Tensor x = randn64({5, 3}, 4);
  const Tensor expected = (*net->at(2))(varbayes::tanh((*net->at(0))(x)));
  check_values((*net)(x), values(expected));

  // A module used twice contributes its parameters once.
  const auto lin = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential shared({lin, lin});
  CHECK(names(shared.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias"});
  CHECK(names(shared.state_dict()) == std::vector<std::string>{"0.weight", "0.bias"});
}

TEST_CASE("state_dict round-trips and load_state_dict checks keys and shapes", "[nn][state]") {
  const auto a = mlp(), b = mlp();
  const nn::NamedTensors state = a->state_dict();
  for (const auto& [n, t] : state) CHECK_FALSE(t.requires_grad());
  b->load_state_dict(state);
  const Tensor x = randn64({4, 3}, 5);
  check_values((*b)(x), values((*a)(x)));
  // The loaded values are copies: the parameters stay distinct tensors.
  CHECK(b->parameters()[0].storage() != a->parameters()[0].storage());

  nn::NamedTensors missing(state.begin() + 1, state.end());
  CHECK_THROWS_WITH(b->load_state_dict(missing), Catch::Contains("Missing: 0.weight"));
  nn::NamedTensors extra = state;
  extra.emplace_back("3.weight", zeros({1}));
  CHECK_THROWS_WITH(b->load_state_dict(extra), Catch::Contains("Unexpected: 3.weight"));
  const auto result = b->load_state_dict(extra, false);
  CHECK(result.unexpected_keys == std::vector<std::string>{"3.weight"});
  CHECK(result.missing_keys.empty());

  // A wrong shape anywhere fails before anything is written.
  nn::NamedTensors wrong = a->state_dict();
  wrong[0].second = zeros({4, 3}, DType::float64);
  wrong.back().second = zeros({3}, DType::float64);
  const auto before = values(b->parameters()[0]);
  CHECK_THROWS_AS(b->load_state_dict(wrong), ValueError);
  CHECK(values(b->parameters()[0]) == before);
}

TEST_CASE("train and eval reach every submodule, Dropout is the identity in eval", "[nn]") {
  const auto net = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 3), std::make_shared<nn::Dropout>(0.5)});
  CHECK(net->is_training());
  net->eval();
  for (const auto& [n, m] : net->named_modules()) CHECK_FALSE(m->is_training());
  const Tensor x = ones({8, 3});
  check_values((*net)(x), values((*net->at(0))(x)));
  net->train();
  CHECK(net->at(1)->is_training());
  const auto dropped = values((*net->at(1))(ones({1000})));
  for (double v : dropped) CHECK((v == 0.0 || v == 2.0));
}

TEST_CASE("optimizers reduce a quadratic loss", "[optim]") {
  using Factory = std::function<std::unique_ptr<optim::Optimizer>(Tensor)>;
  const std::vector<std::pair<const char*, Factory>> optimizers{
      {"SGD", [](Tensor w) { return std::make_unique<optim::SGD>(single_group(w), 0.1); }},
      {"SGD nesterov",
       [](Tensor w) { return std::make_unique<optim::SGD>(single_group(w), 0.05, 0.9, 0.0, 0.0, true); }},
      {"Adam", [](Tensor w) { return std::make_unique<optim::Adam>(single_group(w), 0.1); }},
      {"AdamW", [](Tensor w) { return std::make_unique<optim::AdamW>(single_group(w), 0.1); }},
  };
  for (const auto& [name, make] : optimizers) {
    DYNAMIC_SECTION(name) {
      Quadratic q;
      const auto opt = make(q.w);
      const double initial = q.loss().item();
      for (int step = 0; step < 200; ++step) {
        opt->zero_grad();
        q.loss().backward();
        opt->step();
      }
      CHECK(q.loss().item() < 1e-3 * initial);
    }
  }
}

TEST_CASE("SGD's step is w -= lr * grad, step skips parameters without a gradient", "[optim]") {
  Quadratic q;
  Tensor idle = ones({2}, DType::float64).set_requires_grad(true);
  optim::SGD opt({{{q.w, idle}}}, 0.25);
  q.loss().backward();  // grad = 2 (w - target) = -2 target
  opt.step();
  check_values(q.w, {0.5, -1, 1.5, 0.25});
  check_values(idle, {1, 1});
}

TEST_CASE("SGLD without noise descends U = n_data L - log prior; its noise repeats with the seed", "[optim]") {
  Quadratic q;
  // From w = 0 the prior's gradient w / s^2 is 0: w = -lr * n_data * 2 (w - target) = target / 2.
  optim::SGLD cold(single_group(q.w), 0.125, 2.0, 0.0, 1.0, 0.0);
  q.loss().backward();
  cold.step();
  check_values(q.w, {0.5, -1, 1.5, 0.25});

  auto run = [](uint64_t seed) {
    Quadratic r;
    optim::SGLD opt(single_group(r.w), 1e-2, 3.0, 0.0, 1.0, 1.0, true, 0.99, 1e-5, seed);
    for (int step = 0; step < 5; ++step) {
      opt.zero_grad();
      r.loss().backward();
      opt.step();
    }
    return values(r.w);
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("zero_grad drops or zeroes gradients", "[optim][nn]") {
  Quadratic q;
  optim::Adam opt({{{q.w}}});
  q.loss().backward();
  opt.zero_grad(false);
  check_values(q.w.grad(), {0, 0, 0, 0});
  opt.zero_grad();
  CHECK_FALSE(q.w.grad().defined());

  const auto net = mlp();
  sum((*net)(ones({2, 3}, DType::float64))).backward();
  for (const Tensor& p : net->parameters()) CHECK(p.grad().defined());
  net->zero_grad();
  for (const Tensor& p : net->parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("clip_grad_norm_ returns the norm before clipping and scales to max_norm", "[nn][clip]") {
  Tensor a = zeros({1}, DType::float64), b = zeros({1}, DType::float64), none = zeros({1});
  a.set_grad(full({1}, 3.0, DType::float64));
  b.set_grad(full({1}, 4.0, DType::float64));
  const std::vector<Tensor> params{a, b, none};
  CHECK(nn::utils::clip_grad_norm_(params, 10.0) == Approx(5.0));
  check_values(a.grad(), {3});  // already below max_norm: unchanged
  CHECK(nn::utils::clip_grad_norm_(params, 1.0) == Approx(5.0));
  check_values(a.grad(), {0.6}, 1e-6);
  check_values(b.grad(), {0.8}, 1e-6);
  CHECK(nn::utils::clip_grad_norm_(params, 1.0) == Approx(1.0).epsilon(1e-5));
  CHECK_THROWS_AS(nn::utils::clip_grad_norm_(params, 0.0), ValueError);
}

TEST_CASE("parameter groups carry their own options", "[optim][groups]") {
  Tensor w1 = ones({2}, DType::float64).set_requires_grad(true);
  Tensor w2 = ones({2}, DType::float64).set_requires_grad(true);
  optim::SGD opt({{{w1}, {{"lr", 0.5}}}, {{w2}, {}}}, 0.1);
  CHECK(opt.param_groups()[0].options.at("lr") == 0.5);
  CHECK(opt.param_groups()[1].options.at("lr") == 0.1);  // the default
  sum(w1 + w2).backward();
  opt.step();
  check_values(w1, {0.5, 0.5});
  check_values(w2, {0.9, 0.9});
  opt.param_groups()[1].options["lr"] = 0.0;  // changed after construction, as a scheduler does
  opt.step();
  check_values(w2, {0.9, 0.9});
  opt.param_groups()[1].options["lr"] = -1.0;
  CHECK_THROWS_AS(opt.step(), ValueError);

  CHECK_THROWS_AS(opt.add_param_group({{w1}}), ValueError);  // already in a group
  Tensor w3 = ones({1}).set_requires_grad(true);
  CHECK_THROWS_AS(opt.add_param_group({{w3}, {{"betas", 0.9}}}), ValueError);
  opt.add_param_group({{w3}, {{"momentum", 0.9}}});
  CHECK(opt.param_groups().size() == 3);
}

TEST_CASE("an optimizer resumed from its state_dict continues the same trajectory", "[optim][state]") {
  Quadratic a, b;
  optim::Adam opt_a(single_group(a.w), 0.1), opt_b(single_group(b.w), 0.1);
  auto run = [](Quadratic& q, optim::Optimizer& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      q.loss().backward();
      opt.step();
    }
  };
  run(a, opt_a, 5);
  {
    NoGradGuard no_grad;
    copy_(b.w, a.w);
  }
  opt_b.load_state_dict(opt_a.state_dict());
  run(a, opt_a, 5);
  run(b, opt_b, 5);
  check_values(b.w, values(a.w), 0, 0);
}

TEST_CASE("Module::to converts parameters in place, keeping handles valid", "[nn]") {
  nn::Linear lin(2, 2);
  const Tensor w = lin.param("weight");
  const auto before = values(w);
  lin.to(DType::float64);
  CHECK(w.dtype() == DType::float64);
  CHECK(values(w) == before);
  CHECK(lin(ones({1, 2}, DType::float64)).dtype() == DType::float64);
}

TEST_CASE("clone copies types, configuration and state; shared priors stay shared", "[nn][clone]") {
  manual_seed(3);
  auto prior = std::make_shared<nn::NormalPrior>(0.0, 0.5, true);
  auto layer = std::make_shared<nn::BayesLinear>(3, 2, true, prior, -4.0, DType::float64);
  layer->sample = false;
  auto model = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 3, true, DType::float64), std::make_shared<nn::Dropout>(0.2), layer});
  model->eval();
  const auto before = default_generator().offset();
  auto copy = std::dynamic_pointer_cast<nn::Sequential>(model->clone());
  REQUIRE(copy);
  CHECK(default_generator().offset() == before);
  CHECK_FALSE(copy->is_training());
  auto copied = std::dynamic_pointer_cast<nn::BayesLinear>(copy->at(2));
  REQUIRE(copied);
  CHECK((copied->sample == false && copied->in_features == 3 && copied->out_features == 2));
  CHECK(copied->find_module("weight_prior") == copied->find_module("bias_prior"));
  CHECK(copied->find_module("weight_prior") != layer->find_module("weight_prior"));
  CHECK(std::dynamic_pointer_cast<nn::Dropout>(copy->at(1))->p == 0.2);
  const auto a = model->state_dict(), b = copy->state_dict();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].first == b[i].first);
    CHECK(values(a[i].second) == values(b[i].second));
    CHECK(a[i].second.storage() != b[i].second.storage());
  }
  const Tensor x = randn64({4, 3}, 7);
  CHECK(values((*model)(x)) == values((*copy)(x)));
}

TEST_CASE("forward_with_kl hands over the KL its sampling forward formed", "[bayes][kl]") {
  manual_seed(4);
  auto model = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::BayesLinear>(3, 4, true, nullptr, -3.0, DType::float64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::BayesLinearLRT>(4, 1, true, nullptr, -3.0, DType::float64)});
  const Tensor x = randn64({5, 3}, 8);
  const auto [out, kl] = nn::forward_with_kl(*model, x);
  CHECK(out.shape() == Shape{5, 1});
  CHECK(kl.item() == Approx(nn::kl(*model).item()).epsilon(1e-12));
  std::function<bool(const std::shared_ptr<Node>&, const std::string&)> has = [&](const auto& n, const auto& op) {
    if (!n) return false;
    if (n->name() == op) return true;
    for (const Edge& e : n->next())
      if (has(e.fn, op)) return true;
    return false;
  };
  CHECK((has(kl.grad_fn(), "sample_gaussian_kl") && has(kl.grad_fn(), "linear_lrt_kl")));
  CHECK_FALSE(has(nn::kl(*model).grad_fn(), "sample_gaussian_kl"));
  CHECK(nn::KLCollector::active() == nullptr);  // the hand-off's collector is gone
  {
    nn::KLCollector outer;
    CHECK(nn::KLCollector::active() == &outer);
    {
      nn::KLCollector inner;
      CHECK(nn::KLCollector::active() == &inner);
    }
    CHECK(nn::KLCollector::active() == &outer);
  }
}
