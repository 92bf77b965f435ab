#!/usr/bin/env bash
# Builds the Catch2 suite and the Python extension with AddressSanitizer + UndefinedBehaviorSanitizer,
# then runs ctest and a pytest subset under them. Usage: bash tools/sanitize.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/sanitize
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVARBAYES_BUILD_TESTS=ON -DVARBAYES_SANITIZE=address,undefined \
  -Dpybind11_DIR="$(python -c 'import pybind11; print(pybind11.get_cmake_dir())')" > /dev/null
cmake --build "$build" -j2
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Absurd sizes must come back as a failed allocation (a MemoryError), as they do without ASan.
export ASAN_OPTIONS=allocator_may_return_null=1
# CPython's own allocations are not ours to judge: leaks are checked by the C++ tests only.
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=1 ctest --test-dir "$build" --output-on-failure -j2 -E cpp_example
mkdir -p "$build/python/varbayes"
cp -r python/varbayes/. "$build/python/varbayes/"
cp "$build"/_core*.so "$build/python/varbayes/"
subset=(tests/test_ops.py tests/test_autograd.py tests/test_nn.py tests/test_bayes.py tests/test_io.py)
[ $# -gt 0 ] && subset=("$@")
# libstdc++ is preloaded too: Python does not link it, and ASan's exception interceptor needs it.
# -s: a sanitizer report goes to stderr, which pytest would otherwise capture and lose.
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 PYTHONPATH="$build/python" \
  LD_PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libstdc++.so)" \
  python -m pytest -q -s -p no:cacheprovider "${subset[@]}"
