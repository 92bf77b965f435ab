// Activation modules with constructor arguments: checks, forward and PyTorch-style repr.
#include <charconv>
#include <cmath>

#include "varbayes/nn.h"

namespace varbayes::nn {

namespace {

// v as Python's repr writes a float (shortest round trip; scientific below 1e-4 and from 1e16),
// so that repr(module) reads as PyTorch's.
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const double a = std::fabs(v);
  const bool scientific = a != 0 && (a < 1e-4 || a >= 1e16);
  const auto end = std::to_chars(buf, buf + sizeof buf, v,
                                 scientific ? std::chars_format::scientific : std::chars_format::fixed)
                       .ptr;
  std::string s(buf, end);
  if (!scientific && s.find('.') == std::string::npos) s += ".0";
  return s;
}

}  // namespace

GELU::GELU(std::string approximate) : approximate(std::move(approximate)) {
  if (this->approximate != "none" && this->approximate != "tanh")
    fail<ValueError>("GELU: approximate must be 'none' or 'tanh', got '", this->approximate, "'");
}

std::string ELU::extra_repr() const { return "alpha=" + py_float(alpha); }

std::string LeakyReLU::extra_repr() const { return "negative_slope=" + py_float(negative_slope); }

Hardtanh::Hardtanh(double min_val, double max_val) : min_val(min_val), max_val(max_val) {
  if (!(max_val > min_val))
    fail<ValueError>("Hardtanh: max_val ", max_val, " must be larger than min_val ", min_val);
}

std::string Hardtanh::extra_repr() const {
  return "min_val=" + py_float(min_val) + ", max_val=" + py_float(max_val);
}

PReLU::PReLU(int64_t num_parameters, double init, DType dtype) : num_parameters(num_parameters) {
  if (num_parameters <= 0) fail<ValueError>("PReLU: num_parameters must be positive, got ", num_parameters);
  register_parameter("weight", full({num_parameters}, init, dtype));
}

std::string PReLU::extra_repr() const { return "num_parameters=" + std::to_string(num_parameters); }

}  // namespace varbayes::nn
