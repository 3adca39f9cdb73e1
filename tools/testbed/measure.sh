#!/usr/bin/env bash
# Re-measures every testbed number the README quotes: the study's plans, GPTQ/AWQ, calibration
# data, SmoothQuant, QuaRot/FlatQuant/MXFP4 at W4A4KV4, sensitivity, error kinds and thinking budgets
# (about two hours on 2 cores; FlatQuant needs Debian's python3-torch). Writes under runs/ (or $1).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${1:-runs}"
L=./lowbit
# 40 problems per level (200) and three sampling seeds; the thinking-budget grid on 10 per level
bench=(--bench testbed:2026:40 --seeds 42,43,44 --batch 32)
$L sweep -m lowbit-testbed --plans w16,w8a8kv8,w4a16-g128,w3a16-g128,w2a16-g128,kv4,kv3,w4a4kv4 "${bench[@]}" --out "$out/testbed-sweep"
text="$out/testbed-sweep/ppl-text.txt"  # the model's own reasoning on test prompts

m="$out/testbed-methods"
mkdir -p "$m"
quantize() { # NAME PLAN METHOD CALIB
  [ -f "$m/$1.gguf" ] || $L quantize -m lowbit-testbed --plan "$2" --method "$3" --calib "$4" --calib-samples 64 --calib-len 1024 -o "$m/$1.gguf"
  $L eval -m "$m/$1.gguf" "${bench[@]}" --out "$m/eval-$1"
}
for w in 4 3; do
  for method in gptq awq; do quantize "$method-w$w-gen" "w${w}a16-g128" "$method" gen:testbed; done
done
quantize gptq-w3-text w3a16-g128 gptq docs/ENGINE.md
quantize gptq-w3-ref w3a16-g128 gptq testbed
quantize smoothquant-w8 w8a8 smoothquant gen:testbed
files=$(ls "$m"/*.gguf | paste -sd, -)
$L ppl -m lowbit-testbed --text "$text" --quant w4a16-g128,w3a16-g128,w8a8 --models "$files" > "$m/ppl.txt"

$L sensitivity -m lowbit-testbed --plan w3a16-g128 --keep w4a16-g128 --text "$text" --out "$out/testbed-sensitivity-w4"
mixed=$(sed -n 's/^Suggested: `\([^`]*\)`.*/\1/p' "$out/testbed-sensitivity-w4/sensitivity.md")
$L eval -m lowbit-testbed --quant "$mixed" "${bench[@]}" --out "$out/testbed-mixed"
# w4a4kv4: every candidate carries kv4-rot; KV only, the 10-matrix candidate and the --kl-budget 0.178 suggestion
# (the README's numbers were measured with eval's default --batch 8)
r="$out/testbed-sensitivity-w4a4kv4-w8a8"
$L sensitivity -m lowbit-testbed --plan w4a4kv4 --keep w8a8 --text "$text" --out "$r"
$L sensitivity -m lowbit-testbed --plan w4a4kv4 --keep w8a8 --kl-budget 0.178 --text "$text" --out "$r-b178"
k10=$(sed -n 's/^| 10 | .*`\([^`]*\)` |$/\1/p' "$r/sensitivity.md")
b178=$(sed -n 's/^Suggested: `\([^`]*\)`.*/\1/p' "$r-b178/sensitivity.md")
i=0
for q in w16+kv4-rot "$k10" "$b178"; do
  i=$((i + 1))
  $L eval -m lowbit-testbed --quant "$q" "${bench[@]}" --out "$r/eval-$i"
done
$L sweep -m lowbit-testbed --plans w16,w3a16-g128,w4a4kv4 --bench testbed:2026:10 --seeds 42,43,44 --batch 32 \
  --think-budgets 64,128,256 --out "$out/testbed-scaling"

# why answers are wrong, per plan of the sweep
$L errors "$out"/testbed-sweep/*/ > "$out/testbed-sweep/errors.md"

# W4A4KV4 by method with the study's activation settings: KL over the first 40 seed-43 answers of the sweep's w16 run
# (template + prompt + output), accuracy on the 200 problems
w="$out/testbed-w4a4kv4"
mkdir -p "$w"
python3 - "$out/testbed-sweep/w16/records.jsonl" "$w/eval-text.txt" <<'PY'
import json, sys
recs = [r for r in map(json.loads, open(sys.argv[1])) if r["seed"] == 43][:40]  # records are in any seed order
with open(sys.argv[2], "w") as f:
    for r in recs:
        f.write("<｜begin▁of▁sentence｜><｜User｜>" + r["prompt"] + "<｜Assistant｜><think>\n" + r["output"] + "\n")
PY
[ -f "$w/quarot.gguf" ] || $L quantize -m lowbit-testbed --plan w4a4kv4 --method quarot --calib gen:testbed --calib-samples 64 --calib-len 1024 -o "$w/quarot.gguf"
for p in w4a4kv4 w8a8kv8; do
  [ -f "$w/flat-$p.gguf" ] || $L quantize -m lowbit-testbed --plan $p --method flatquant --calib gen:testbed --calib-samples 32 --calib-len 512 -t 1 -o "$w/flat-$p.gguf"
done
$L ppl -m lowbit-testbed --text "$w/eval-text.txt" --quant w4a4kv4,w4a4-asymkv4,w4a4-asym-aclip0.9+kv4-rot-clip0.95,mxfp4-w4a4kv4,w8a8kv8,w8a8-asym+kv8-rot \
  --models "$w/quarot.gguf,$w/flat-w4a4kv4.gguf,$w/flat-w8a8kv8.gguf" > "$w/ppl.txt"
$L eval -m "$w/quarot.gguf" "${bench[@]}" --out "$w/eval-quarot"
$L eval -m "$w/flat-w4a4kv4.gguf" "${bench[@]}" --out "$w/eval-flat"
for q in w4a4-asym-aclip0.9+kv4-rot-clip0.95 mxfp4-w4a4kv4; do $L eval -m lowbit-testbed --quant $q "${bench[@]}" --out "$w/eval-$q"; done
$L errors "$w"/eval-*/ > "$w/errors.md"
