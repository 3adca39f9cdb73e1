#!/usr/bin/env bash
# One run on a GPU host, from the repository root:  OUT=/some/dir bash native/tests/cuda/device_check.sh
# Builds liblowbit-cuda with test_cuda and bench_cuda into /tmp/build-cuda, then runs the test, the
# test under compute-sanitizer (memcheck, racecheck; --small shapes), and the benchmark. Each step
# has a timeout and a log in $OUT; a failing step does not stop the next; the last line sums up.
# Budget: ~1-2 min build on 16 cores, test < 1 min, sanitizers < 2 min each, bench < 1 min.
set -u -o pipefail
cd "$(dirname "$0")/../../.." || exit 1
OUT=${OUT:-/tmp/lowbit-device-out}
BUILD=${BUILD:-/tmp/build-cuda}
mkdir -p "$OUT"
# nvcc may sit outside PATH on a fresh image
if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
declare -A RC
ORDER=()

# step NAME LOG SECONDS CMD...: runs CMD under timeout, output to the terminal and $OUT/LOG
step() {
    local name=$1 log=$2 secs=$3
    shift 3
    echo
    echo "=== $name: $* (timeout ${secs}s) ==="
    local t0=$SECONDS
    # bash -c: the step may be one of the functions below (exported), which timeout cannot run itself
    timeout --kill-after=10 "$secs" bash -c '"$@"' step "$@" 2>&1 | tee "$OUT/$log"
    RC[$name]=$?
    ORDER+=("$name")
    echo "=== $name: exit ${RC[$name]} after $((SECONDS - t0))s ==="
}

env_info() {
    nvidia-smi -L
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
    nvcc --version
    cmake --version | head -1
    gcc --version | head -1
    if command -v ninja >/dev/null; then echo "ninja $(ninja --version)"; else echo "ninja: absent (make)"; fi
    command -v compute-sanitizer || echo "compute-sanitizer: not on PATH"
    lscpu | grep -E 'Model name|^CPU\(s\)'
    echo "CPU flags the lowbit dispatch uses: $(grep -o -w -E 'avx2|fma|f16c|avx512(f|bw|vl|dq|_vnni|_bf16|_vbmi|vbmi)' /proc/cpuinfo | sort -u | tr '\n' ' ')"
}

configure() {
    local gen=(-G Ninja)
    command -v ninja >/dev/null || gen=(-G "Unix Makefiles")
    cmake -S . -B "$BUILD" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DLOWBIT_CUDA=ON \
        -DCMAKE_CUDA_COMPILER="$(command -v nvcc)"
}

# the CPU library plus the CUDA library and its two programs (the CPU ctests are not needed here)
build() { cmake --build "$BUILD" -j16 --target test_cuda bench_cuda; }

sanitizer() {  # sanitizer TOOL: test_cuda --small under compute-sanitizer; any finding fails the step
    local s
    s=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
    "$s" --tool "$1" --error-exitcode 3 "$BUILD/test_cuda" --small
}

export BUILD
export -f env_info configure build sanitizer
step env env.log 60 env_info
step configure configure.log 180 configure
step build build.log 420 build
step test_cuda test_cuda.log 240 "$BUILD/test_cuda"
step memcheck sanitizer.log 120 sanitizer memcheck
step racecheck racecheck.log 120 sanitizer racecheck
step bench_cuda bench_cuda.log 180 "$BUILD/bench_cuda"

line="SUMMARY"
for n in "${ORDER[@]}"; do line+=" $n=${RC[$n]}"; done
line+="  (0 = ok, 77 = no device, 124/137 = timed out; logs in $OUT)"
echo
echo "$line" | tee "$OUT/summary.txt"
