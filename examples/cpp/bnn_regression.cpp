// Trains a small Bayesian network with a trainable (empirical Bayes) prior on a synthetic 1-D
// regression, in pure C++, and prints the final loss and the predictive mean/std at a few points.
// With a path argument it also saves the trained model there (vb.load reads it in Python) and
// checks that the file loads back to the same predictions. Exits non-zero if training did not
// reduce the loss or the saved model does not load back.
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include <varbayes/varbayes.h>

namespace vb = varbayes;
using vb::nn::Module;

int main(int argc, char** argv) {
  vb::manual_seed(0);
  // y = sin(3x) + 0.1 * noise on [-1, 1].
  const int64_t n = 128;
  vb::Generator noise_gen(1);
  const vb::Tensor eps = vb::randn({n}, vb::DType::float32, &noise_gen);
  std::vector<double> xs(n), ys(n);
  for (int64_t i = 0; i < n; ++i) {
    xs[i] = -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
    ys[i] = std::sin(3.0 * xs[i]) + 0.1 * eps.data<float>()[i];
  }
  const vb::Tensor x = vb::from_values(xs, {n, 1}), y = vb::from_values(ys, {n, 1});

  // One trainable prior shared by both layers; the noise std = softplus(noise_rho) is learned too. The
  // noise parameter stays outside the model, which holds just the built-in layers a checkpoint can rebuild.
  auto prior = std::make_shared<vb::nn::NormalPrior>(0.0, 1.0, /*trainable=*/true);
  auto model = std::make_shared<vb::nn::Sequential>(std::vector<std::shared_ptr<Module>>{
      std::make_shared<vb::nn::BayesLinear>(1, 32, true, prior), std::make_shared<vb::nn::Tanh>(),
      std::make_shared<vb::nn::BayesLinear>(32, 1, true, prior)});
  vb::Tensor noise_rho = vb::full({}, vb::inverse_softplus(0.3)).set_requires_grad(true);
  std::vector<vb::Tensor> params = model->parameters();
  params.push_back(noise_rho);
  vb::optim::Adam opt({{params, {}}}, 1e-2);

  // Negative ELBO per data point: Gaussian NLL + KL / n.
  auto loss_fn = [&] {
    const vb::Tensor sd = vb::softplus(noise_rho);
    return vb::gaussian_nll_loss((*model)(x), y, sd * sd, /*full=*/true) + vb::nn::kl(*model) / static_cast<double>(n);
  };
  const double initial = loss_fn().item();
  double recent = 0.0;
  const int steps = 3000, window = 100;
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    vb::Tensor loss = loss_fn();
    loss.backward();
    vb::nn::utils::clip_grad_norm_(params, 5.0);
    opt.step();
    if (step >= steps - window) recent += loss.item() / window;
  }
  std::printf("loss: initial %.4f, final (mean of last %d steps) %.4f\n", initial, window, recent);
  std::printf("learned prior: mean %.4f, std %.4f; noise std %.4f\n", prior->mean().item(), prior->std().item(),
              vb::softplus(noise_rho).item());

  // Predictive mean and standard deviation from 200 weight samples, without a graph.
  vb::NoGradGuard no_grad;
  const std::vector<double> points{-0.8, -0.4, 0.0, 0.4, 0.8};
  const vb::Tensor xp = vb::from_values(points, {static_cast<int64_t>(points.size()), 1});
  std::vector<vb::Tensor> samples;
  for (int s = 0; s < 200; ++s) samples.push_back((*model)(xp));
  const vb::Tensor stacked = vb::stack(samples);
  const vb::Tensor mean = vb::mean(stacked, {0}), sd = vb::sqrt(vb::var(stacked, {0}, 0));
  for (size_t i = 0; i < points.size(); ++i)
    std::printf("x = %+.1f: mean %+.3f, std %.3f (true %+.3f)\n", points[i],
                mean.data<float>()[i], sd.data<float>()[i], std::sin(3.0 * points[i]));
  if (recent >= initial) return 1;

  if (argc > 1) {
    vb::save(model, argv[1]);
    const std::shared_ptr<Module> loaded = vb::load_module(argv[1]);
    // Posterior means (no sampling) make the comparison deterministic.
    vb::nn::set_sampling_enabled(false);
    const vb::Tensor before = (*model)(xp), after = (*loaded)(xp);
    for (int64_t i = 0; i < before.numel(); ++i)
      if (before.data<float>()[i] != after.data<float>()[i]) {
        std::fprintf(stderr, "the model loaded from %s predicts differently\n", argv[1]);
        return 1;
      }
    std::printf("saved the model to %s (vb.load reads it in Python)\n", argv[1]);
  }
  return 0;
}
