#!/usr/bin/python3
"""Trains the testbed reasoning model: a small Qwen2 (QKV bias, GQA, NeoX RoPE, SwiGLU, tied
embeddings) on the tokenized problems written by `TestbedBuild data`, with PyTorch.

Writes OUT/manifest.json plus one raw little-endian f32 file per tensor, named and shaped as the
GGUF tensors (`TestbedBuild assemble` turns them into the model file), and OUT/curves.jsonl with
loss and teacher-forced exact-match accuracy per level (greedy decoding reproduces a solution
exactly when every next-token argmax along it is right, so this is greedy accuracy on those
problems). Reproducible from --seed on the same torch build, thread count and --bf16 choice.
"""
import argparse, json, math, os, random, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(prefix):
    tokens = np.fromfile(prefix + ".tokens.u16", dtype="<u2").astype(np.int64)
    index = np.fromfile(prefix + ".index.i32", dtype="<i4").reshape(-1, 4)
    return tokens, index  # index rows: offset, length, prompt length, level


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(T, head_dim, base):
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def rope(x, cos, sin):
    # NeoX style (llama.cpp's qwen2): the first half of each head pairs with the second half
    h = x.shape[-1] // 2
    a, b = x[..., :h], x[..., h:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, hd = c["hidden"], c["head_dim"]
        self.c = c
        self.attn_norm = RMSNorm(d, c["rms_eps"])
        self.q = nn.Linear(d, c["heads"] * hd, bias=True)
        self.k = nn.Linear(d, c["kv_heads"] * hd, bias=True)
        self.v = nn.Linear(d, c["kv_heads"] * hd, bias=True)
        self.o = nn.Linear(c["heads"] * hd, d, bias=False)
        self.ffn_norm = RMSNorm(d, c["rms_eps"])
        self.gate = nn.Linear(d, c["ffn"], bias=False)
        self.up = nn.Linear(d, c["ffn"], bias=False)
        self.down = nn.Linear(c["ffn"], d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        c, hd = self.c, self.c["head_dim"]
        h = self.attn_norm(x)
        q = self.q(h).view(B, T, c["heads"], hd).transpose(1, 2)
        k = self.k(h).view(B, T, c["kv_heads"], hd).transpose(1, 2)
        v = self.v(h).view(B, T, c["kv_heads"], hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = c["heads"] // c["kv_heads"]
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        y = F.softmax(att, dim=-1) @ v
        x = x + self.o(y.transpose(1, 2).reshape(B, T, -1))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab"], c["hidden"])
        self.blocks = nn.ModuleList([Block(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["hidden"], c["rms_eps"])
        nn.init.normal_(self.embed.weight, std=0.02)
        for b in self.blocks:
            for lin in (b.q, b.k, b.v, b.o, b.gate, b.up, b.down):
                nn.init.normal_(lin.weight, std=0.02)
            for lin in (b.o, b.down):  # residual branches scaled down with depth, as GPT-2
                lin.weight.data /= math.sqrt(2 * c["layers"])
            for lin in (b.q, b.k, b.v):
                nn.init.zeros_(lin.bias)

    def forward(self, ids):
        T = ids.shape[1]
        cos, sin = rope_tables(T, self.c["head_dim"], self.c["rope_base"])
        mask = torch.full((T, T), float("-inf")).triu(1)
        x = self.embed(ids)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.norm(x) @ self.embed.weight.t()  # tied output head


def batches(index, tokens_per_batch, rng):
    """length-bucketed batches: a shuffled pool sorted by length, cut into ~equal-token batches"""
    order = rng.permutation(len(index))
    for start in range(0, len(order), 4096):
        pool = sorted(order[start:start + 4096], key=lambda i: index[i, 1])
        cut, cur, longest = [], [], 0
        for i in pool:
            longest = max(longest, index[i, 1])
            if cur and longest * (len(cur) + 1) > tokens_per_batch:
                cut.append(cur)
                cur, longest = [], index[i, 1]
            cur.append(i)
        if cur:
            cut.append(cur)
        rng.shuffle(cut)
        yield from cut


def tensors_of(rows, tokens, index):
    T = int(max(index[i, 1] for i in rows))
    ids = torch.zeros(len(rows), T, dtype=torch.long)
    target = torch.full((len(rows), T), -100, dtype=torch.long)
    for r, i in enumerate(rows):
        off, n, p = int(index[i, 0]), int(index[i, 1]), int(index[i, 2])
        seq = torch.from_numpy(tokens[off:off + n])
        ids[r, :n] = seq
        target[r, p - 1:n - 1] = seq[p:]  # loss on the answer (and EOS) only
    return ids, target


@torch.no_grad()
def evaluate(model, tokens, index):
    model.eval()
    levels = sorted(set(int(l) for l in index[:, 3]))
    exact, count, loss_sum, tok_sum = {l: 0 for l in levels}, {l: 0 for l in levels}, 0.0, 0
    rows = list(range(len(index)))
    for s in range(0, len(rows), 16):
        chunk = rows[s:s + 16]
        ids, target = tensors_of(chunk, tokens, index)
        logits = model(ids)
        loss_sum += F.cross_entropy(logits.view(-1, logits.shape[-1]), target.view(-1), reduction="sum").item()
        tok_sum += int((target != -100).sum())
        ok = ((logits.argmax(-1) == target) | (target == -100)).all(dim=1)
        for r, i in enumerate(chunk):
            lv = int(index[i, 3])
            count[lv] += 1
            exact[lv] += int(ok[r])
    model.train()
    return loss_sum / tok_sum, {l: exact[l] / count[l] for l in levels}


def gguf_names(c):
    """(GGUF tensor name, this module's parameter name) pairs"""
    names = [("token_embd.weight", "embed.weight")]
    for l in range(c["layers"]):
        p, q = f"blk.{l}.", f"blocks.{l}."
        names += [(p + "attn_norm.weight", q + "attn_norm.weight"),
                  (p + "attn_q.weight", q + "q.weight"), (p + "attn_q.bias", q + "q.bias"),
                  (p + "attn_k.weight", q + "k.weight"), (p + "attn_k.bias", q + "k.bias"),
                  (p + "attn_v.weight", q + "v.weight"), (p + "attn_v.bias", q + "v.bias"),
                  (p + "attn_output.weight", q + "o.weight"), (p + "ffn_norm.weight", q + "ffn_norm.weight"),
                  (p + "ffn_gate.weight", q + "gate.weight"), (p + "ffn_up.weight", q + "up.weight"),
                  (p + "ffn_down.weight", q + "down.weight")]
    names.append(("output_norm.weight", "norm.weight"))
    return names


def load_export(model, src):
    """starts from an earlier export (its manifest.json and f32 files), e.g. to train a shipped model further"""
    m = json.load(open(os.path.join(src, "manifest.json")))
    files = {t["name"]: t["file"] for t in m["tensors"]}
    sd = model.state_dict()
    for gguf, torch_name in gguf_names(model.c):
        a = np.fromfile(os.path.join(src, files[gguf]), dtype="<f4")
        sd[torch_name].copy_(torch.from_numpy(a).view(sd[torch_name].shape))


def export(model, c, out, meta):
    os.makedirs(out, exist_ok=True)
    sd = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    tensors = []
    for gguf, torch_name in gguf_names(c):
        t = sd[torch_name]
        fname = gguf + ".f32"
        t.numpy().astype("<f4").tofile(os.path.join(out, fname))
        tensors.append({"name": gguf, "file": fname, "dims": list(reversed(t.shape))})  # GGUF: innermost first
    with open(os.path.join(out, "manifest.json.part"), "w") as f:
        json.dump({"config": c, "tensors": tensors, "metadata": meta}, f, indent=1)
    os.replace(os.path.join(out, "manifest.json.part"), os.path.join(out, "manifest.json"))


def bf16_fast():
    """bfloat16 matmuls are ~4x faster than f32 on CPUs with AVX512_BF16 (oneDNN), slower on others"""
    try:
        return " avx512_bf16" in open("/proc/cpuinfo").read()
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True, help="prefix written by TestbedBuild data (train split)")
    ap.add_argument("--test", required=True, help="prefix of test-split problems for the curves")
    ap.add_argument("--out", required=True)
    ap.add_argument("--vocab", type=int, required=True)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=768)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", choices=["auto", "on", "off"], default="auto",
                    help="bfloat16 autocast for matmuls (f32 master weights and optimizer); auto: where the CPU has AVX512_BF16")
    ap.add_argument("--init", help="an earlier export directory to start from (fresh optimizer)")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    c = {"vocab": a.vocab, "hidden": a.hidden, "layers": a.layers, "heads": a.heads, "kv_heads": a.kv_heads,
         "head_dim": a.hidden // a.heads, "ffn": a.ffn, "rms_eps": 1e-6, "rope_base": 10000.0, "context_length": 2048}
    bf16 = a.bf16 == "on" or a.bf16 == "auto" and bf16_fast()
    tokens, index = load(a.train)
    ttokens, tindex = load(a.test)
    model = Model(c)
    if a.init:
        load_export(model, a.init)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params / 1e6:.2f}M parameters, {len(index)} training problems, {len(tokens)} tokens, "
          f"{'bf16' if bf16 else 'f32'} matmuls", flush=True)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": other, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / a.warmup)
                                              * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.steps))))
    os.makedirs(a.out, exist_ok=True)
    curves = open(os.path.join(a.out, "curves.jsonl"), "w")
    step, seen, t0, run_loss = 0, 0, time.time(), None
    while step < a.steps:
        for rows in batches(index, a.batch_tokens, rng):
            ids, target = tensors_of(rows, tokens, index)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(ids)
            loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), target.view(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += ids.numel()
            run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
            if step % 25 == 0:
                el = time.time() - t0
                print(f"step {step}/{a.steps} loss {run_loss:.4f} lr {sched.get_last_lr()[0]:.2e} "
                      f"{seen / el:.0f} tok/s elapsed {el / 60:.1f} min eta {el / step * (a.steps - step) / 60:.1f} min", flush=True)
            if step % a.eval_every == 0 or step == a.steps:
                tl, acc = evaluate(model, ttokens, tindex)
                rec = {"step": step, "train_loss": run_loss, "test_loss": tl, "exact": acc, "minutes": (time.time() - t0) / 60}
                curves.write(json.dumps(rec) + "\n")
                curves.flush()
                print("eval", json.dumps(rec), flush=True)
                export(model, c, a.out, {"general.description": "lowbit testbed reasoning model",
                                         "lowbit.testbed.recipe": " ".join(sys.argv[1:]),
                                         "lowbit.testbed.step": str(step)})
            if step >= a.steps:
                break
    curves.close()


if __name__ == "__main__":
    main()
