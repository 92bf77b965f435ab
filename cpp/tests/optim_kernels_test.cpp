// The fused optimizer kernels of every ISA level the CPU has against the scalar reference.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "cpu/kernels.h"

using namespace varbayes::cpu;

namespace {

template <class T>
std::vector<T> random_vector(int64_t n, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

template <class T>
void check_close(const std::vector<T>& a, const std::vector<T>& b) {
  const double tol = sizeof(T) == 4 ? 1e-6 : 1e-14;
  for (size_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == Approx(b[i]).epsilon(tol).margin(tol));
}

// Runs `call` with the kernels of the scalar level and of `isa` on two copies of the same
// parameter (in [-1, 1]) and n_state state buffers (in [0.01, 0.02], inside every square root),
// and compares the results.
template <class T, class Call>
void check_against_scalar(Isa isa, int64_t n, int n_state, Call call) {
  std::vector<std::vector<T>> buffers[2];
  for (int k = 0; k < 2; ++k) {
    std::mt19937 same(13);
    buffers[k].push_back(random_vector<T>(n, same, -1, 1));
    for (int j = 0; j < n_state; ++j) buffers[k].push_back(random_vector<T>(n, same, 0.01, 0.02));
    call(optim_kernels<T>(kernels_for(k == 0 ? Isa::scalar : isa)), buffers[k]);
  }
  for (size_t j = 0; j < buffers[0].size(); ++j) check_close(buffers[0][j], buffers[1][j]);
}

// The optimizers on UpdateArgs, with and without maximize, L2 weight decay and each option that
// changes their rule.
template <class T>
void check_update_kernels(Isa isa, int64_t n, const std::vector<T>& g) {
  using Buffers = std::vector<std::vector<T>>;
  for (bool maximize : {false, true})
    for (double wd : {0.0, 0.01}) {
      INFO("maximize " << maximize << " weight_decay " << wd);
      const auto update = [&](Buffers& b, double lr) {
        return UpdateArgs<T>{b[0].data(), g.data(), n, lr, wd, maximize};
      };
      for (bool centered : {false, true})
        for (double momentum : {0.0, 0.9})
          check_against_scalar<T>(isa, n, 3, [&](const OptimKernels<T>& k, Buffers& b) {
            k.rmsprop({update(b, 1e-2), b[1].data(), centered ? b[2].data() : nullptr,
                       momentum > 0 ? b[3].data() : nullptr, 0.99, 1e-8, momentum});
          });
      check_against_scalar<T>(isa, n, 1, [&](const OptimKernels<T>& k, Buffers& b) {
        k.adagrad({update(b, 1e-2), b[1].data(), 1e-10});
      });
      check_against_scalar<T>(isa, n, 2, [&](const OptimKernels<T>& k, Buffers& b) {
        k.adadelta({update(b, 1.0), b[1].data(), b[2].data(), 0.9, 1e-6});
      });
      check_against_scalar<T>(isa, n, 2, [&](const OptimKernels<T>& k, Buffers& b) {
        k.adamax({update(b, 2e-3), b[1].data(), b[2].data(), 0.9, 0.999, 1e-8, 2e-2});
      });
      for (bool decoupled : {false, true}) {
        check_against_scalar<T>(isa, n, 2, [&](const OptimKernels<T>& k, Buffers& b) {
          k.nadam({update(b, 2e-3), b[1].data(), b[2].data(), 0.9, 0.999, 1e-8, 0.003, -0.01, -0.02, decoupled});
        });
        for (double rect : {0.0, 0.7})
          check_against_scalar<T>(isa, n, 2, [&](const OptimKernels<T>& k, Buffers& b) {
            k.radam({update(b, 1e-3), b[1].data(), b[2].data(), 0.9, 0.999, 1e-8, 0.3, 0.05, rect, decoupled});
          });
      }
    }
}

template <class T>
void check_optimizers(Isa isa) {
  for (int64_t n : {1, 15, 16, 17, 31, 33, 64, 1000, 70001}) {
    std::mt19937 rng(static_cast<unsigned>(n));
    const auto g = random_vector<T>(n, rng, -1, 1);
    for (bool amsgrad : {false, true})
      for (bool decoupled : {false, true}) {
        const bool maximize = amsgrad != decoupled;  // both values over the four combinations
        std::vector<T> w[2], m[2], v[2], vmax[2];
        for (int k = 0; k < 2; ++k) {
          std::mt19937 same(7);
          w[k] = random_vector<T>(n, same, -1, 1);
          m[k] = random_vector<T>(n, same, -0.1, 0.1);
          v[k] = random_vector<T>(n, same, 0, 0.01);
          vmax[k] = random_vector<T>(n, same, 0, 0.02);
          const Isa level = k == 0 ? Isa::scalar : isa;
          const AdamArgs<T> args{w[k].data(), m[k].data(), v[k].data(), amsgrad ? vmax[k].data() : nullptr,
                                 g.data(), n, 1e-3, 0.9, 0.999, 1e-8, 0.01, 1.1e-3, 0.05, decoupled, maximize};
          optim_kernels<T>(kernels_for(level)).adam(args);
        }
        check_close(w[0], w[1]);
        check_close(m[0], m[1]);
        check_close(v[0], v[1]);
      }
    for (bool nesterov : {false, true})
      for (bool maximize : {false, true}) {
        std::vector<T> w[2], buf[2];
        for (int k = 0; k < 2; ++k) {
          std::mt19937 same(9);
          w[k] = random_vector<T>(n, same, -1, 1);
          buf[k] = random_vector<T>(n, same, -0.1, 0.1);
          const SgdArgs<T> args{w[k].data(), buf[k].data(), g.data(), n, 0.1, 0.9, 0.0, 1e-4,
                                nesterov, false, maximize};
          optim_kernels<T>(kernels_for(k == 0 ? Isa::scalar : isa)).sgd(args);
        }
        check_close(w[0], w[1]);
        check_close(buf[0], buf[1]);
      }
    // SGLD draws its noise in the kernel: the vector Box-Muller is within a few float64 ulp of the
    // scalar one, so the levels agree to round-off (a wrong element order would not).
    for (bool preconditioned : {false, true})
      for (bool first : {false, true}) {
        std::vector<T> w[2], v[2];
        for (int k = 0; k < 2; ++k) {
          std::mt19937 same(11);
          w[k] = random_vector<T>(n, same, -1, 1);
          v[k] = random_vector<T>(n, same, 0, 0.01);
          const SgldArgs<T> args{w[k].data(), preconditioned ? v[k].data() : nullptr, g.data(), n, 1e-3, 50.0, 0.1,
                                 4.0, 0.05, 0.99, 1e-5, first, 1234, 77};
          optim_kernels<T>(kernels_for(k == 0 ? Isa::scalar : isa)).sgld(args);
        }
        check_close(w[0], w[1]);
        check_close(v[0], v[1]);
      }
    check_update_kernels(isa, n, g);
  }
}

}  // namespace

TEST_CASE("fused optimizer kernels match the scalar reference at every ISA level") {
  for (Isa isa : {Isa::avx2, Isa::avx512}) {
    if (isa > cpu_features().best()) continue;
    INFO("isa " << isa_name(isa));
    check_optimizers<float>(isa);
    check_optimizers<double>(isa);
  }
}
