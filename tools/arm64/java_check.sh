#!/usr/bin/env bash
# The shipped jar on an AArch64 JVM, under qemu-user: builds the two-platform jar (mvn -Parm64: linux-arm64
# natives beside linux-x86_64's), fetches Debian's arm64 OpenJDK 17 JRE once (apt-get download, unpacked
# under $cache, never installed), then runs the jar as an ARM64 user would and checks that
#  - JavaCPP loads the linux-arm64 natives with no configuration (bench's backend column says neon*),
#  - greedy text of stories260K and the testbed model equals the x86-64 run's, at every ARM level qemu has;
#  - GPTQ (OpenBLAS's linux-arm64 natives, also packaged by -Parm64) quantizes the testbed model and the file runs.
# Needs qemu-user, g++-aarch64-linux-gnu (for the cross build) and apt access to Debian's arm64 packages
# (dpkg --add-architecture arm64 && apt-get update). Speed under emulation means nothing; none is reported.
# usage: tools/arm64/java_check.sh [cache dir, default ~/.cache/lowbit-arm64]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${1:-$HOME/.cache/lowbit-arm64}"
for t in qemu-aarch64 aarch64-linux-gnu-g++ apt-get dpkg; do
  command -v "$t" >/dev/null || { echo "java_check: $t not found (apt-get install qemu-user g++-aarch64-linux-gnu)" >&2; exit 2; }
done
jre="$cache/root/usr/lib/jvm/java-17-openjdk-arm64/bin/java"
if [ ! -x "$jre" ]; then
  mkdir -p "$cache/debs"
  (cd "$cache/debs" && apt-get download openjdk-17-jre-headless:arm64 zlib1g:arm64) ||
    { echo "java_check: no arm64 packages (dpkg --add-architecture arm64 && apt-get update)" >&2; exit 2; }
  for d in "$cache"/debs/*.deb; do dpkg -x "$d" "$cache/root"; done
fi
# the JRE's dynamic loader and libraries: the cross toolchain's (libc, libstdc++, libgomp) plus zlib
sysroot="$cache/sysroot"
if [ ! -d "$sysroot" ]; then
  mkdir -p "$sysroot" && cp -a /usr/aarch64-linux-gnu/. "$sysroot/" && cp -a "$cache"/root/lib/aarch64-linux-gnu/. "$sysroot/lib/"
fi
(cd "$root" && mvn -B -q -Parm64 -DskipTests package)
jar="$cache/lowbit.jar"
cp "$root/cli/target/lowbit.jar" "$jar"
export LOWBIT_MODEL_PATH="${LOWBIT_MODEL_PATH:-$root/../shared/models}:$root/models"
arm() { qemu-aarch64 -L "$sysroot" "$jre" -jar "$jar" "$@"; }
fail=0
backend=$(arm bench -m stories260K -p 8 -n 4 -r 1 2>/dev/null | grep -o 'CPU neon[a-z0-9-]*' | head -1)
echo "arm64 bench backend: ${backend:-none}"
[ -n "$backend" ] || fail=1
for model in stories260K lowbit-testbed; do
  want=$(java -jar "$jar" run -m "$model" -p "Once upon a time" -n 40 --temp 0 2>/dev/null | md5sum)
  for isa in neon neon-dotprod neon-i8mm; do
    got=$(arm run -m "$model" -p "Once upon a time" -n 40 --temp 0 --isa "$isa" 2>/dev/null | md5sum)
    if [ "$got" = "$want" ]; then echo "$model at $isa: same greedy text as x86-64"
    else echo "$model at $isa: greedy text differs from x86-64"; fail=1; fi
  done
done
q="$cache/gptq.gguf"
rm -f "$q"
if arm quantize -m lowbit-testbed --plan w4a16-g128 --method gptq --calib testbed --calib-samples 2 --calib-len 64 -o "$q" >/dev/null 2>&1 &&
   arm run -m "$q" -p "1 + 2 =" -n 8 --temp 0 >/dev/null 2>&1; then echo "gptq on arm64: quantized and ran"
else echo "gptq on arm64: failed"; fail=1; fi
exit $fail
