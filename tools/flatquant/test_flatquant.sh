#!/usr/bin/env bash
# Self-test of the FlatQuant calibrator (a few seconds on one core): tiny random 2-block model,
# checks exact folding, loss reduction, result.gguf names/shapes, and the engine semantics in numpy.
# Needs Debian's python3-torch (/usr/bin/python3, or $PYTHON).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "${PYTHON:-/usr/bin/python3}" "$root/quantize/src/main/resources/dev/lowbit/quant/flatquant/flatquant.py" --self-test
