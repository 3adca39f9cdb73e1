#!/usr/bin/env bash
# Rebuilds models/lowbit-testbed.gguf from nothing: vocabulary, tokenized problems, PyTorch
# training in two stages, GGUF assembly, training curves. About 165 minutes on 2 cores: 2,400 steps
# (105 min), then 2,000 more from those weights with a fresh optimizer and schedule (60 min).
# Needs the built jar (mvn -DskipTests package) and Debian's python3-torch, python3-matplotlib.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-$root/target/testbed}"
mkdir -p "$work"
build() { java -cp "$root/cli/target/lowbit.jar" dev.lowbit.tools.testbed.TestbedBuild "$@"; }
vocab=$(build vocab --out "$work/vocab.gguf" --seed 1 --per-level 2000 --merges 240 | sed -n 's/^\([0-9]*\) tokens.*/\1/p')
build data --vocab "$work/vocab.gguf" --out "$work/train" --seed 1 --per-level 5500 --split TRAIN
build data --vocab "$work/vocab.gguf" --out "$work/test" --seed 99 --per-level 40 --split TEST
/usr/bin/python3 "$here/train.py" --train "$work/train" --test "$work/test" --out "$work/weights" --vocab "$vocab" \
  --hidden 256 --layers 6 --heads 4 --kv-heads 2 --ffn 512 --steps 2400 --batch-tokens 4096 --lr 2.5e-3 --warmup 150 \
  --eval-every 200 --seed 1 --threads 2
/usr/bin/python3 "$here/train.py" --train "$work/train" --test "$work/test" --out "$work/weights-c2" --vocab "$vocab" \
  --hidden 256 --layers 6 --heads 4 --kv-heads 2 --ffn 512 --steps 2000 --batch-tokens 4096 --lr 1.2e-3 --warmup 50 \
  --eval-every 200 --seed 2 --threads 2 --init "$work/weights"
build assemble --vocab "$work/vocab.gguf" --weights "$work/weights-c2" --out "$root/models/lowbit-testbed.gguf"
# both stages on one axis: the second stage's steps follow the first's
/usr/bin/python3 - "$work/weights/curves.jsonl" "$work/weights-c2/curves.jsonl" "$here/training-curves.jsonl" <<'PY'
import json, sys
one = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
two = [dict(json.loads(l), stage=2) for l in open(sys.argv[2]) if l.strip()]
for r in two: r["step"] += one[-1]["step"]
with open(sys.argv[3], "w") as f: f.writelines(json.dumps(r) + "\n" for r in one + two)
PY
/usr/bin/python3 "$here/plot_curves.py" "$here/training-curves.jsonl" "$here/training-curves.png"
sha256sum "$root/models/lowbit-testbed.gguf"
