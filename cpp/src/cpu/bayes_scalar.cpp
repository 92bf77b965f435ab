// Sampling and Bayesian-layer kernels for the scalar level (see bayes_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::scalar {
constexpr int kVectorBytes = 0;  // std:: loops only: the oracle
#include "cpu/bayes_impl.h"
}  // namespace varbayes::cpu::scalar
