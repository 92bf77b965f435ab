// Fused optimizer updates for the scalar level (see optim_impl.h).
#include <algorithm>
#include <cmath>

#include "cpu/kernels.h"

namespace varbayes::cpu::scalar {
#include "cpu/optim_impl.h"
}  // namespace varbayes::cpu::scalar
