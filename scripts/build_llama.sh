#!/usr/bin/env bash
# Builds llama.cpp (static libraries plus llama-batched-bench, the reference
# for bench/engine) once per commit and backend into the cache, with ccache.
# Usage: build_llama.sh [cpu|cuda]. Prints the build directory.
# Idempotent: ninja rebuilds nothing when nothing changed.
source "$(dirname "$0")/common.sh"
backend="${1:-cpu}"
build="$AGENTCODER_HOME/llama.cpp/$LLAMA_COMMIT/build-$backend"
jobs="${AGENTCODER_JOBS:-$(nproc)}"

extra=()
case "$backend" in
  cpu)  extra+=(-DGGML_CUDA=OFF) ;;
  cuda) extra+=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-native}") ;;
  *)    die "unknown backend '$backend' (cpu or cuda)" ;;
esac

if [ ! -f "$build/build.ninja" ]; then
  log "configuring llama.cpp ($backend) in $build"
  cmake -S "$LLAMA_SRC" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=ON -DGGML_CCACHE=ON \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON "${extra[@]}" >"$build.configure.log" 2>&1 \
    || { rm -rf "$build"; die "llama.cpp configure failed, see $build.configure.log"; }
fi
log "building llama.cpp ($backend, -j$jobs; about 4 minutes the first time, seconds after)"
ninja -C "$build" -j"$jobs" llama llama-common llama-batched-bench >"$build.build.log" 2>&1 \
  || die "llama.cpp build failed, see $build.build.log"
echo "$build"
