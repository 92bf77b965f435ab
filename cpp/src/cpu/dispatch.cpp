// Kernel tables per ISA level and the choice of the active one (cpuid, VARBAYES_ISA).
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "cpu/kernels.h"

namespace varbayes::cpu {

namespace {

#define VARBAYES_TABLE(ISA) \
  KernelTable { Isa::ISA, ISA::gemm_f32, ISA::gemm_f64, ISA::unary_f32, ISA::unary_f64, ISA::binary_f32, ISA::binary_f64, \
                &ISA::bayes_f32, &ISA::bayes_f64, &ISA::optim_f32, &ISA::optim_f64, &ISA::reduce_f32, &ISA::reduce_f64 }
// Built eagerly: filling pointers executes no ISA-specific code.
const std::array<KernelTable, 3> kTables = {VARBAYES_TABLE(scalar), VARBAYES_TABLE(avx2), VARBAYES_TABLE(avx512)};
#undef VARBAYES_TABLE

std::string detected() {
  std::string s;
  for (const auto& name : cpu_features().names()) s += (s.empty() ? "" : " ") + name;
  return "detected CPU features: " + (s.empty() ? std::string("none") : s) + ", best level " +
         isa_name(cpu_features().best());
}

Isa active_isa() {
  const char* env = std::getenv("VARBAYES_ISA");
  if (!env || !*env) return cpu_features().best();
  const std::string value = env;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (value != isa_name(isa)) continue;
    if (isa > cpu_features().best())
      throw std::invalid_argument("VARBAYES_ISA=" + value + " requested but this CPU lacks it (" +
                                  detected() + ")");
    return isa;
  }
  throw std::invalid_argument("VARBAYES_ISA='" + value + "' is not one of scalar, avx2, avx512 (" +
                              detected() + ")");
}

}  // namespace

const KernelTable& kernels_for(Isa isa) {
  if (isa < Isa::scalar || isa > Isa::avx512)
    throw std::invalid_argument("unknown ISA level " + std::to_string(int(isa)));
  if (isa > cpu_features().best())
    throw std::invalid_argument(std::string("ISA level ") + isa_name(isa) +
                                " is not supported by this CPU (" + detected() + ")");
  return kTables[size_t(isa)];
}

const KernelTable& kernels() {
  // Thread-safe static init; if VARBAYES_ISA is invalid this throws and the next call retries.
  static const KernelTable& table = kernels_for(active_isa());
  return table;
}

int max_num_threads() {
  // OpenMP creates the threads at the next parallel region and dies (a segfault here at 10^5)
  // when the system refuses them; a bound far above any useful oversubscription refuses the
  // request instead.
  return 16 * std::max(4, int(std::thread::hardware_concurrency()));
}

namespace {
// The kernels' thread count, one for the process. OpenMP's own (omp_set_num_threads) belongs to
// the calling thread, so a count set in one Python thread would not reach the kernels another
// thread runs; every parallel region asks for this count instead.
std::atomic<int>& thread_count() {
  static std::atomic<int> n{omp_get_max_threads()};
  return n;
}
}  // namespace

void set_num_threads(int n) {
  if (n < 1 || n > max_num_threads())
    throw std::invalid_argument("set_num_threads: n must be in [1, " + std::to_string(max_num_threads()) +
                                "], got " + std::to_string(n));
  thread_count().store(n, std::memory_order_relaxed);
}

int get_num_threads() { return thread_count().load(std::memory_order_relaxed); }

}  // namespace varbayes::cpu
