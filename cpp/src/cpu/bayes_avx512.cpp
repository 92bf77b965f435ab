// Sampling and Bayesian-layer kernels for the avx512 level (see bayes_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::avx512 {
constexpr int kVectorBytes = 64;
#include "cpu/bayes_impl.h"
}  // namespace varbayes::cpu::avx512
