#!/bin/sh
# Cross-builds the native library and its ctests for linux-arm64 and runs them under qemu-aarch64
# (every kernel against its scalar reference at every ARM level qemu's "max" CPU has: NEON, dotprod,
# i8mm). Timings under emulation mean nothing; this checks correctness only.
# Needs Debian's g++-aarch64-linux-gnu and qemu-user; without them it says so and exits 0.
# usage: native/tests/run_arm64.sh [build dir, default build-arm64] [ctest arguments...]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || ! command -v qemu-aarch64 >/dev/null 2>&1; then
  echo "arm64 kernel tests skipped: no aarch64-linux-gnu-g++ / qemu-aarch64 (apt-get install g++-aarch64-linux-gnu qemu-user)"
  exit 0
fi
build=${1:-$root/build-arm64}
[ $# -gt 0 ] && shift
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$root/native/toolchains/aarch64-linux-gnu.cmake" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
ctest --test-dir "$build" --output-on-failure "$@"
