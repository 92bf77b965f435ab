// Fused optimizer updates for the scalar level (see optim_impl.h).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/kernels.h"
#include "varbayes/random.h"

namespace varbayes::cpu::scalar {
constexpr int kVectorBytes = 0;  // std:: loops only: the oracle
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::scalar
