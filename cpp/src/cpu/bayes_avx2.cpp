// Sampling and Bayesian-layer kernels for the avx2 level (see bayes_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::avx2 {
constexpr int kVectorBytes = 32;
#include "cpu/bayes_impl.h"
}  // namespace varbayes::cpu::avx2
