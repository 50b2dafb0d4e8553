#!/usr/bin/env bash
# Builds llama.cpp (static libraries plus llama-batched-bench, the reference
# for bench/engine) into the cache, with ccache, once per commit, backend and
# CPU feature set (native CPU flags; see cpu_features_key in common.sh).
# Usage: build_llama.sh [cpu|cuda] [--server]. Prints the build directory.
# --server builds llama-server instead (bench/peers' reference), from the
# same source and flags in a build directory of its own (suffix -server), so
# set-up and `make test` never configure or build the server.
# Idempotent: ninja rebuilds nothing when nothing changed.
set -euo pipefail
source "$(dirname "$0")/common.sh"
backend="${1:-cpu}"
server="${2:-}"
case "$server" in
  ""|--server) ;;
  *) die "unknown option '$server' (--server or nothing)" ;;
esac

extra=()
key="$(cpu_features_key)"
case "$backend" in
  cpu)  extra+=(-DGGML_CUDA=OFF) ;;
  cuda)
    # The CUDA kernels are compiled for this GPU too (CUDA_ARCHS, default
    # native): key the directory by the architectures it targets.
    archs="${CUDA_ARCHS:-native}"
    if [ "$archs" = native ] && command -v nvidia-smi >/dev/null; then
      archs="native-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | sort -u | tr -d '.\n ' || true)"
    fi
    key="$key-$(printf '%s' "$archs" | sha256sum | cut -c1-8)"
    extra+=(-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-native}") ;;
  *)    die "unknown backend '$backend' (cpu or cuda)" ;;
esac
build="$AGENTCODER_HOME/llama.cpp/$LLAMA_COMMIT/build-$backend-$key${server:+-server}"
targets=(llama llama-common llama-batched-bench)
server_flags=(-DLLAMA_BUILD_SERVER=OFF)
if [ -n "$server" ]; then
  targets=(llama-server)
  # The server's web UI would be built with npm or downloaded at build time;
  # the benchmark talks to its HTTP API only.
  server_flags=(-DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF)
fi

# ccache hashes -march=native as text (ccache issue 824): a shared ccache
# would hand one CPU's objects to another just as a shared build directory
# did, so it also hashes a file holding this CPU's features.
features="$build.cpu-features"
[ -f "$features" ] || cpu_features >"$features"
launcher="env;CCACHE_EXTRAFILES=$features;ccache"
cflags=""
if [ "$(uname -m)" = x86_64 ]; then
  # llama.cpp's AMX kernels at this commit die with SIGILL at their first
  # tile load on an AMX CPU whose kernel grants AMX to a plain test program
  # (the tile config they load is invalid: upstream pull request 26954,
  # open). Without AMX code ggml uses its other CPU kernels.
  cflags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
fi
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="$cflags" -DCMAKE_CXX_FLAGS="$cflags"
      -DCMAKE_C_COMPILER_LAUNCHER="$launcher" -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DGGML_CCACHE=OFF
      -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TESTS=OFF
      -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON "${server_flags[@]}"
      -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DGGML_NATIVE=ON
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON "${extra[@]}")
if [ "$backend" = cuda ]; then args+=(-DCMAKE_CUDA_COMPILER_LAUNCHER="$launcher"); fi
# Configured again whenever these arguments change (the last ones used are
# kept beside the build), so an edit here never meets a stale configuration.
stamp="$build/agentcoder-configure-args"
if [ ! -f "$build/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${args[*]}" ]; then
  log "configuring llama.cpp ($backend, CPU features $key) in $build"
  cmake -S "$LLAMA_SRC" -B "$build" "${args[@]}" >"$build.configure.log" 2>&1 \
    || { rm -rf "$build"; die "llama.cpp configure failed, see $build.configure.log"; }
  printf '%s' "${args[*]}" >"$stamp"
fi
log "building llama.cpp ($backend, -j$AGENTCODER_JOBS; about 4 minutes the first time, seconds after)"
ninja_or_die "$build" "$build.build.log" "${targets[@]}"
echo "$build"
