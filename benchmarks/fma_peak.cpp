// FMA throughput micro-benchmark: the machine's practical float32/float64 peak in GFLOP/s.
//
// bench_kernels.py compiles it on the fly (g++ -O2 -march=native, into a temporary directory) and
// runs `fma_peak THREADS REPEAT`; it prints one JSON object {"float32": GF/s, "float64": GF/s,
// "vector_bits": width used}.
// Each thread runs independent FMA chains on the widest vectors the compiler targets (zmm with
// AVX-512, ymm with AVX2): enough chains to cover FMA latency x FMA ports, so the loop is bound by
// FMA throughput alone. The best of REPEAT runs is reported, because the machine may be shared.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;
#else
constexpr int kVectorBytes = 16;
#endif

// 16 chains: covers a 4-cycle latency on 2 FMA ports (8 needed) with margin, and fits in 32 zmm
// (or 16 ymm) registers, so nothing spills.
constexpr int kChains = 16;
constexpr long kIterations = 20'000'000;

template <class T>
double run_chains(long iterations) {
    using V [[gnu::vector_size(kVectorBytes)]] = T;
    V acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = V{} + T(c) * T(1e-3);
    // The multiplier and addend are opaque to the optimizer (volatile reads), so it cannot fold
    // the recurrence; acc -> acc * 0.999 + 1e-3 stays bounded and never becomes subnormal.
    volatile T vm = T(0.999), va = T(1e-3);
    const V m = V{} + T(vm), a = V{} + T(va);
    for (long i = 0; i < iterations; ++i) {
        // Fully unrolled so every chain lives in a register (a rolled loop keeps acc in memory).
#pragma GCC unroll 16
        for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * m + a;  // contracted to one FMA
    }
    double sum = 0;
    for (int c = 0; c < kChains; ++c) sum += double(acc[c][0]);
    return sum;
}

template <class T>
double gflops(int threads, int repeat) {
    constexpr int lanes = kVectorBytes / sizeof(T);
    double best = 0;
    for (int r = 0; r < repeat; ++r) {
        std::atomic<int> ready{0};
        std::atomic<double> sink{0};
        std::vector<std::thread> pool;
        const auto start = std::chrono::steady_clock::now();
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                ready.fetch_add(1);
                while (ready.load() < threads) {
                }
                sink.store(run_chains<T>(kIterations));
            });
        }
        for (auto& th : pool) th.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double flops = 2.0 * lanes * kChains * double(kIterations) * threads;
        if (sink.load() != 0) best = std::max(best, flops / seconds * 1e-9);
    }
    return best;
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int repeat = argc > 2 ? std::atoi(argv[2]) : 5;
    std::printf("{\"float32\": %.2f, \"float64\": %.2f, \"vector_bits\": %d}\n", gflops<float>(threads, repeat),
                gflops<double>(threads, repeat), kVectorBytes * 8);
    return 0;
}
