// The counter-based generator: reproducible, independent of the thread count, right moments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "test_util.h"

using namespace varbayes;
using vbtest::values;

namespace {

// Above the fill's parallel threshold, so several threads really share the work.
constexpr int64_t kLarge = 200000;

std::vector<double> draw_normal(Generator& gen, int64_t n, DType dtype = DType::float64) {
  return values(randn({n}, dtype, &gen));
}

// Restores the kernel thread count when a test changes it.
struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

}  // namespace

TEST_CASE("a generator repeats its draws after re-seeding, consecutive draws differ", "[random]") {
  Generator a(42), b(42);
  const auto first = draw_normal(a, 101);
  CHECK(first == draw_normal(b, 101));
  CHECK(a.offset() == 51);  // one Philox block per two values
  const auto second = draw_normal(a, 101);
  CHECK(first != second);
  a.manual_seed(42);
  CHECK(draw_normal(a, 101) == first);
  Generator other(43);
  CHECK(draw_normal(other, 101) != first);
  // The default generator behaves the same.
  manual_seed(7);
  const auto d1 = values(rand({10}));
  manual_seed(7);
  CHECK(values(rand({10})) == d1);
}

TEST_CASE("filled values do not depend on the thread count", "[random]") {
  ThreadCountGuard restore;
  std::vector<double> normal[2], uniform[2];
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    Generator gen(5);
    normal[threads - 1] = draw_normal(gen, kLarge, DType::float32);
    uniform[threads - 1] = values(rand({kLarge}, DType::float64, &gen));
  }
  CHECK(normal[0] == normal[1]);
  CHECK(uniform[0] == uniform[1]);
}

TEST_CASE("normal draws have mean 0 and std 1", "[random]") {
  constexpr int64_t n = 1000000;
  Generator gen(123);
  for (DType dtype : {DType::float32, DType::float64}) {
    const auto v = draw_normal(gen, n, dtype);
    const double m = std::accumulate(v.begin(), v.end(), 0.0) / n;
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    // Five standard errors: 5 / sqrt(n) for the mean, about 5 / sqrt(2n) for the std.
    CHECK(std::abs(m) < 5e-3);
    CHECK(std::abs(std::sqrt(ss / (n - 1)) - 1.0) < 4e-3);
  }
}

TEST_CASE("uniform draws lie in 0 <= u < 1 (or low <= u < high) with mean 1/2", "[random]") {
  Generator gen(9);
  for (DType dtype : {DType::float32, DType::float64}) {
    const auto v = values(rand({kLarge}, dtype, &gen));
    CHECK(*std::min_element(v.begin(), v.end()) >= 0.0);
    CHECK(*std::max_element(v.begin(), v.end()) < 1.0);
    CHECK(std::accumulate(v.begin(), v.end(), 0.0) / kLarge == Approx(0.5).margin(5e-3));
  }
  Tensor t = empty({1000}, DType::float32);
  gen.fill_uniform(t, -2.0, -1.0);
  const auto v = values(t);
  CHECK(*std::min_element(v.begin(), v.end()) >= -2.0);
  CHECK(*std::max_element(v.begin(), v.end()) < -1.0);
  Tensor strided = transpose(empty({4, 5}), 0, 1);
  CHECK_THROWS_AS(gen.fill_normal(strided), ValueError);
}
