// GEMM kernels of every ISA level the CPU has, checked against the scalar oracle (which is itself
// checked against a naive loop), plus feature detection and dispatch.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/kernels.h"

using namespace varbayes::cpu;

namespace {

// How a logical rows x cols operand is laid out in its storage.
enum class Layout { row_major, col_major, strided };
const char* layout_name(Layout l) {
  return l == Layout::row_major ? "row" : l == Layout::col_major ? "col" : "strided";
}

template <class T>
struct Operand {
  std::vector<T> storage;
  int64_t row_stride = 0, col_stride = 0;
  T at(int64_t r, int64_t c) const { return storage[size_t(r * row_stride + c * col_stride)]; }
};

// Leading dimensions exceed the logical width (sliced views); `strided` also skips every other
// column, so no dimension is unit-stride.
template <class T>
Operand<T> make_operand(int64_t rows, int64_t cols, Layout layout, std::mt19937& rng) {
  Operand<T> op;
  int64_t size = 0;
  switch (layout) {
    case Layout::row_major: op.row_stride = cols + 3, op.col_stride = 1, size = rows * (cols + 3); break;
    case Layout::col_major: op.row_stride = 1, op.col_stride = rows + 5, size = cols * (rows + 5); break;
    case Layout::strided: op.row_stride = 2 * cols + 1, op.col_stride = 2, size = rows * (2 * cols + 1); break;
  }
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  op.storage.resize(size_t(std::max<int64_t>(size, 1)));
  for (auto& v : op.storage) v = T(dist(rng));
  return op;
}

template <class T>
struct Problem {
  int64_t M, N, K;
  Operand<T> A, B;
  std::vector<T> bias;
  bool use_bias, relu;
  T beta;
  int64_t ldc;
  std::vector<T> C0;  // initial C storage (NaN when beta == 0: must never be read)

  GemmArgs<T> args(std::vector<T>& C) const {
    return {M,    N,    K,      A.storage.data(), A.row_stride, A.col_stride, B.storage.data(), B.row_stride,
            B.col_stride, C.data(), ldc, beta, use_bias ? bias.data() : nullptr, relu};
  }
  std::vector<T> run(GemmFn<T> fn) const {
    std::vector<T> C = C0;
    fn(args(C));
    return C;
  }
};

template <class T>
Problem<T> make_problem(int64_t M, int64_t N, int64_t K, Layout la, Layout lb, T beta, bool use_bias,
                        bool relu, unsigned seed) {
  std::mt19937 rng(seed);
  Problem<T> p{M, N, K, make_operand<T>(M, K, la, rng), make_operand<T>(K, N, lb, rng), {}, use_bias, relu, beta, N + 7, {}};
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  for (int64_t j = 0; j < N; ++j) p.bias.push_back(T(dist(rng)));
  p.C0.resize(size_t(M * p.ldc));
  for (auto& v : p.C0) v = beta == T(0) ? std::numeric_limits<T>::quiet_NaN() : T(dist(rng));
  return p;
}

// Elementwise |got - want| <= tol * (|beta*C0| + |bias| + sum_k |a_ik b_kj|); C's padding columns
// (ldc > N) must be untouched.
template <class T>
void check_close(const Problem<T>& p, const std::vector<T>& got, const std::vector<T>& want) {
  const double tol = 8.0 * double(p.K + 2) * std::numeric_limits<T>::epsilon();
  int64_t bad = 0;
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.ldc; ++j) {
      const size_t idx = size_t(i * p.ldc + j);
      if (j >= p.N) {
        bad += std::memcmp(&got[idx], &p.C0[idx], sizeof(T)) != 0;
        continue;
      }
      double mag = (p.beta != T(0) ? std::abs(double(p.C0[idx])) : 0.0) + (p.use_bias ? std::abs(double(p.bias[j])) : 0.0);
      for (int64_t k = 0; k < p.K; ++k) mag += std::abs(double(p.A.at(i, k)) * double(p.B.at(k, j)));
      const bool ok = std::abs(double(got[idx]) - double(want[idx])) <= tol * mag + 1e-30;
      if (!ok && bad < 3) WARN("C[" << i << "," << j << "] = " << got[idx] << ", expected " << want[idx]);
      bad += !ok;
    }
  }
  CHECK(bad == 0);
}

std::vector<Isa> simd_levels() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::avx2, Isa::avx512})
    if (isa <= cpu_features().best()) out.push_back(isa);
  return out;
}

// Restores the OpenMP thread count a test changed.
struct ThreadGuard {
  int saved = get_num_threads();
  ~ThreadGuard() { set_num_threads(saved); }
};

template <class T>
void compare_with_scalar(int64_t M, int64_t N, int64_t K, Layout la, Layout lb, unsigned seed) {
  std::mt19937 rng(seed);
  const T beta = T(rng() % 2);
  const bool use_bias = rng() % 2, relu = rng() % 2;
  const auto p = make_problem<T>(M, N, K, la, lb, beta, use_bias, relu, seed);
  const auto want = p.run(gemm_fn<T>(kernels_for(Isa::scalar)));
  for (Isa isa : simd_levels()) {
    INFO(isa_name(isa) << " M=" << M << " N=" << N << " K=" << K << " A=" << layout_name(la)
                       << " B=" << layout_name(lb) << " beta=" << beta << " bias=" << use_bias << " relu=" << relu);
    check_close(p, p.run(gemm_fn<T>(kernels_for(isa))), want);
  }
}

}  // namespace

TEMPLATE_TEST_CASE("scalar gemm matches a naive loop", "[gemm]", float, double) {
  unsigned seed = 1;
  for (Layout la : {Layout::row_major, Layout::col_major, Layout::strided})
    for (Layout lb : {Layout::row_major, Layout::col_major, Layout::strided})
      for (int flags = 0; flags < 8; ++flags) {
        const auto p = make_problem<TestType>(17, 33, 31, la, lb, TestType(flags & 1), flags & 2, flags & 4, seed++);
        std::vector<TestType> want = p.C0;
        for (int64_t i = 0; i < p.M; ++i)
          for (int64_t j = 0; j < p.N; ++j) {
            double s = 0;
            for (int64_t k = 0; k < p.K; ++k) s += double(p.A.at(i, k)) * double(p.B.at(k, j));
            TestType& c = want[size_t(i * p.ldc + j)];
            const double v = (p.beta != TestType(0) ? double(c) : 0.0) + s + (p.use_bias ? double(p.bias[j]) : 0.0);
            c = TestType(p.relu && v < 0 ? 0.0 : v);
          }
        INFO("A=" << layout_name(la) << " B=" << layout_name(lb) << " flags=" << flags);
        check_close(p, p.run(gemm_fn<TestType>(kernels_for(Isa::scalar))), want);
      }
}

TEMPLATE_TEST_CASE("simd gemm matches scalar on small and edge sizes", "[gemm]", float, double) {
  const int64_t sizes[] = {1, 15, 16, 17, 31, 33, 64};
  unsigned seed = 100;
  for (int64_t M : sizes)
    for (int64_t N : sizes)
      for (int64_t K : sizes)
        for (Layout la : {Layout::row_major, Layout::col_major})
          for (Layout lb : {Layout::row_major, Layout::col_major}) compare_with_scalar<TestType>(M, N, K, la, lb, seed++);
}

TEMPLATE_TEST_CASE("simd gemm matches scalar on large, blocked and strided problems", "[gemm]", float, double) {
  // Shapes crossing the K/M/N cache blocks, the threading threshold and the small-problem path.
  const int64_t shapes[][3] = {{1000, 64, 1000}, {64, 1000, 1000}, {1000, 1000, 17}, {257, 1000, 300},
                               {1000, 1, 1000},  {1, 1000, 1000},  {33, 4500, 40},   {128, 1200, 784}};
  unsigned seed = 10000;
  for (const auto& s : shapes) {
    compare_with_scalar<TestType>(s[0], s[1], s[2], Layout::row_major, Layout::row_major, seed++);
    compare_with_scalar<TestType>(s[0], s[1], s[2], Layout::col_major, Layout::strided, seed++);
  }
  for (Layout la : {Layout::row_major, Layout::col_major, Layout::strided})
    for (Layout lb : {Layout::row_major, Layout::col_major, Layout::strided})
      compare_with_scalar<TestType>(150, 97, 300, la, lb, seed++);
  // A Linear layer's forward, x @ W^T: B column-major, packed through the in-register transposes.
  compare_with_scalar<TestType>(128, 1200, 784, Layout::row_major, Layout::col_major, seed++);
}

TEMPLATE_TEST_CASE("gemm epilogue combinations and degenerate shapes", "[gemm]", float, double) {
  std::vector<Isa> levels = simd_levels();
  levels.push_back(Isa::scalar);
  for (Isa isa : levels) {
    const GemmFn<TestType> fn = gemm_fn<TestType>(kernels_for(isa));
    INFO(isa_name(isa));
    for (int flags = 0; flags < 8; ++flags) {
      const auto p = make_problem<TestType>(100, 70, 500, Layout::row_major, Layout::row_major, TestType(flags & 1),
                                            flags & 2, flags & 4, 7 + flags);
      const auto got = p.run(fn);
      check_close(p, got, p.run(gemm_fn<TestType>(kernels_for(Isa::scalar))));
      for (int64_t i = 0; i < p.M && (flags & 4); ++i)
        for (int64_t j = 0; j < p.N; ++j) REQUIRE(got[size_t(i * p.ldc + j)] >= TestType(0));
    }
    // K == 0: C = beta * C + bias, then ReLU.
    auto p = make_problem<TestType>(5, 9, 0, Layout::row_major, Layout::row_major, TestType(1), true, true, 3);
    const auto got = p.run(fn);
    for (int64_t i = 0; i < p.M; ++i)
      for (int64_t j = 0; j < p.N; ++j)
        CHECK(got[size_t(i * p.ldc + j)] == Approx(std::max<TestType>(0, p.C0[size_t(i * p.ldc + j)] + p.bias[j])));
    // M == 0 or N == 0: nothing is touched.
    std::vector<TestType> C(4, TestType(42));
    for (auto [m, n] : {std::pair<int64_t, int64_t>{0, 2}, {2, 0}}) {
      p.M = m, p.N = n, p.K = 3;
      fn(p.args(C));
    }
    CHECK(C == std::vector<TestType>(4, TestType(42)));
  }
}

TEMPLATE_TEST_CASE("gemm results do not depend on the thread count", "[gemm]", float, double) {
  ThreadGuard guard;
  const int64_t shapes[][3] = {{128, 1200, 784}, {300, 500, 700}, {1000, 40, 300}};
  unsigned seed = 500;
  for (Isa isa : simd_levels())
    for (const auto& s : shapes) {
      INFO(isa_name(isa) << " M=" << s[0] << " N=" << s[1] << " K=" << s[2]);
      const auto p = make_problem<TestType>(s[0], s[1], s[2], Layout::row_major, Layout::col_major, TestType(1), true,
                                            true, seed++);
      set_num_threads(1);
      const auto one = p.run(gemm_fn<TestType>(kernels_for(isa)));
      set_num_threads(2);
      const auto two = p.run(gemm_fn<TestType>(kernels_for(isa)));
      CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(TestType)) == 0);
    }
}

TEST_CASE("cpu features and kernel dispatch", "[dispatch]") {
  const CpuFeatures& f = cpu_features();
  const Isa best = f.best();
  CHECK(&f == &cpu_features());
  CHECK_FALSE(f.vendor.empty());
  const auto names = f.names();
  const auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  CHECK(has("avx2") == f.avx2);
  CHECK(has("avx512f") == f.avx512f);
  CHECK((best >= Isa::avx2) == (f.avx2 && f.fma));
  CHECK(std::string(isa_name(Isa::scalar)) == "scalar");
  CHECK(std::string(isa_name(Isa::avx2)) == "avx2");
  CHECK(std::string(isa_name(Isa::avx512)) == "avx512");

  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (isa <= best) {
      const KernelTable& t = kernels_for(isa);
      CHECK(t.isa == isa);
      CHECK(t.gemm_f32 != nullptr);
      CHECK(t.binary_f64 != nullptr);
    } else {
      CHECK_THROWS_AS(kernels_for(isa), std::invalid_argument);
    }
  }
  CHECK_THROWS_AS(kernels_for(static_cast<Isa>(7)), std::invalid_argument);

  const char* env = std::getenv("VARBAYES_ISA");
  if (!env || !*env) {
    CHECK(kernels().isa == best);
  } else {
    INFO("VARBAYES_ISA=" << env);
    CHECK(std::string(isa_name(kernels().isa)) == env);
  }
  CHECK(&kernels() == &kernels_for(kernels().isa));
}

TEST_CASE("set_num_threads validates and round-trips", "[dispatch]") {
  ThreadGuard guard;
  CHECK_THROWS_AS(set_num_threads(0), std::invalid_argument);
  CHECK_THROWS_AS(set_num_threads(-3), std::invalid_argument);
  set_num_threads(3);
  CHECK(get_num_threads() == 3);
  // More threads than any machine could use are refused before OpenMP tries to create them.
  REQUIRE(max_num_threads() >= 64);
  CHECK_THROWS_AS(set_num_threads(max_num_threads() + 1), std::invalid_argument);
  CHECK_THROWS_AS(set_num_threads(100000), std::invalid_argument);
  CHECK(get_num_threads() == 3);
}
