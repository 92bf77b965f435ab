// CPU feature detection with cpuid + xgetbv. Compiled for baseline x86-64: it must run (and say
// "scalar") on any machine the wheel is installed on.
#include <cpuid.h>

#include <cstring>

#include "cpu/kernels.h"

namespace varbayes::cpu {

namespace {

// XCR0: which register state the OS saves on context switch. A CPU bit alone is not enough.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
}

bool bit(unsigned reg, int n) { return (reg >> n) & 1u; }

CpuFeatures detect() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
  const unsigned max_leaf = eax;
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  f.vendor = vendor;

  unsigned ext_max = __get_cpuid_max(0x80000000u, nullptr);
  if (ext_max >= 0x80000004u) {
    unsigned regs[12];
    for (unsigned i = 0; i < 3; ++i)
      __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    char brand[49] = {};
    std::memcpy(brand, regs, 48);
    f.brand = brand;
    f.brand.erase(0, f.brand.find_first_not_of(' '));
    f.brand.erase(f.brand.find_last_not_of(' ') + 1);
  }

  __get_cpuid(1, &eax, &ebx, &ecx, &edx);
  const bool osxsave = bit(ecx, 27), avx = bit(ecx, 28), fma = bit(ecx, 12);
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;                  // XMM + YMM upper halves
  const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;      // opmask, ZMM0-15 upper, ZMM16-31
  f.fma = avx && fma && os_ymm;
  if (max_leaf >= 7) {
    __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx);
    f.avx2 = avx && os_ymm && bit(ebx, 5);
    f.avx512f = os_zmm && bit(ebx, 16);
    f.avx512dq = os_zmm && bit(ebx, 17);
    f.avx512bw = os_zmm && bit(ebx, 30);
    f.avx512vl = os_zmm && bit(ebx, 31);
  }
  return f;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    case Isa::scalar: break;
  }
  return "scalar";
}

Isa CpuFeatures::best() const {
  // The AVX-512 kernels are compiled with -mavx2 -mfma as well, so they need all of these.
  if (avx2 && fma && avx512f && avx512dq && avx512bw && avx512vl) return Isa::avx512;
  if (avx2 && fma) return Isa::avx2;
  return Isa::scalar;
}

std::vector<std::string> CpuFeatures::names() const {
  std::vector<std::string> out;
  const std::pair<bool, const char*> all[] = {{avx2, "avx2"},         {fma, "fma"},
                                              {avx512f, "avx512f"},   {avx512dq, "avx512dq"},
                                              {avx512bw, "avx512bw"}, {avx512vl, "avx512vl"}};
  for (const auto& [present, name] : all)
    if (present) out.emplace_back(name);
  return out;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace varbayes::cpu
