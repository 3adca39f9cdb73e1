#!/usr/bin/env bash
# Rebuilds models/lowbit-testbed.gguf from nothing: vocabulary, tokenized problems, PyTorch
# training, GGUF assembly, training curves. About two hours on 2 cores of a CPU with AVX512_BF16
# (train.py's bfloat16 matmuls; elsewhere it trains in f32, about 3.5x slower).
# Needs the built jar (mvn -DskipTests package) and Debian's python3-torch, python3-matplotlib.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${1:-$root/target/testbed}"
mkdir -p "$work"
build() { java -cp "$root/cli/target/lowbit.jar" dev.lowbit.tools.testbed.TestbedBuild "$@"; }
vocab=$(build vocab --out "$work/vocab.gguf" --seed 1 --per-level 2000 --merges 240 | sed -n 's/^\([0-9]*\) tokens.*/\1/p')
build data --vocab "$work/vocab.gguf" --out "$work/train" --seed 1 --per-level 16000 --split TRAIN
build data --vocab "$work/vocab.gguf" --out "$work/test" --seed 99 --per-level 40 --split TEST
/usr/bin/python3 "$here/train.py" --train "$work/train" --test "$work/test" --out "$work/weights" --vocab "$vocab" \
  --hidden 384 --layers 6 --heads 6 --kv-heads 2 --ffn 640 --steps 3200 --batch-tokens 8192 --lr 2e-3 --warmup 200 \
  --eval-every 400 --seed 1 --threads 2
build assemble --vocab "$work/vocab.gguf" --weights "$work/weights" --out "$root/models/lowbit-testbed.gguf"
cp "$work/weights/curves.jsonl" "$here/training-curves.jsonl"
/usr/bin/python3 "$here/plot_curves.py" "$here/training-curves.jsonl" "$here/training-curves.png"
sha256sum "$root/models/lowbit-testbed.gguf"
