#!/usr/bin/python3
"""Plots train.py's curves.jsonl: loss (train, test) and teacher-forced exact-match accuracy per level."""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = [r["step"] for r in rows]
fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
a.plot(steps, [r["train_loss"] for r in rows], label="train (smoothed)")
a.plot(steps, [r["test_loss"] for r in rows], label="test")
a.set_yscale("log"); a.set_xlabel("step"); a.set_ylabel("loss per answer token"); a.legend(); a.grid(alpha=.3)
for level in sorted(rows[-1]["exact"], key=int):
    b.plot(steps, [100 * r["exact"][level] for r in rows], label=f"level {level}")
b.set_xlabel("step"); b.set_ylabel("exact-match % (test problems)"); b.set_ylim(0, 100); b.legend(); b.grid(alpha=.3)
# a continued run (stage 2: train.py --init) restarts the optimizer and the schedule
if any(r.get("stage") == 2 for r in rows):
    restart = max(r["step"] for r in rows if r.get("stage") != 2)
    for ax in (a, b): ax.axvline(restart, color="grey", ls=":", lw=1)
fig.suptitle("lowbit testbed model: training curves")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
