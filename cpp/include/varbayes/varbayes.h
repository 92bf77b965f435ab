// Umbrella header: the whole C++ API of varbayes (namespace varbayes).
#pragma once

#include "varbayes/autograd.h"
#include "varbayes/bayes.h"
#include "varbayes/checkpoint.h"
#include "varbayes/dtype.h"
#include "varbayes/error.h"
#include "varbayes/nn.h"
#include "varbayes/ops.h"
#include "varbayes/optim.h"
#include "varbayes/random.h"
#include "varbayes/runtime.h"
#include "varbayes/tensor.h"
