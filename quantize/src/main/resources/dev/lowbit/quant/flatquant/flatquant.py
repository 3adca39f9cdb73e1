#!/usr/bin/env python3
"""FlatQuant calibrator for lowbit (offline, layer by layer).

Usage: flatquant.py WORKDIR        (reads config.json, weights.gguf, tokens.bin;
                                    writes result.gguf and progress.jsonl)
       flatquant.py --self-test

Per block it learns, at each of the four linear input sites, a Kronecker
transform P = L (x) R (each factor U diag(sigma) V^T with U, V orthogonal), a
per-channel smoothing scale d (attn_in, ffn_in, ffn_mid), per-row weight clips
(LWC) and one activation clip per site (LAC), by minimizing the MSE between the
quantized block (as the engine runs it) and the full-precision block.
"""
import copy
import json
import math
import mmap
import os
import struct
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import orthogonal

SITES = ("attn_in", "attn_out", "ffn_in", "ffn_mid")
LINEARS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
SITE_OF = {"attn_q": "attn_in", "attn_k": "attn_in", "attn_v": "attn_in", "attn_output": "attn_out",
           "ffn_gate": "ffn_in", "ffn_up": "ffn_in", "ffn_down": "ffn_mid"}
CONFIG_KEYS = ("n_layer", "n_embd", "n_head", "n_kv_head", "head_dim", "n_ff", "rope_base", "rope_dim",
               "rope_neox", "rms_eps", "w_bits", "a_bits", "kv_bits", "kv_group", "kv_rotate", "kv_clip",
               "epochs", "lr", "batch", "seed", "threads", "samples", "length")


class InputError(Exception):
    """Bad input: reported as one line on stderr, exit 1."""


# ----------------------------------------------------------------------------- GGUF

_SCALAR = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise InputError("truncated GGUF file")
        value = struct.unpack_from("<" + fmt, self.data, self.pos)[0]
        self.pos += size
        return value

    def string(self):
        n = self.take("Q")
        if self.pos + n > len(self.data):
            raise InputError("truncated GGUF string")
        s = self.data[self.pos:self.pos + n].decode("utf-8", errors="replace")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == 8:
            return self.string()
        if vtype == 9:
            etype, count = self.take("I"), self.take("Q")
            return [self.value(etype) for _ in range(count)]
        if vtype not in _SCALAR:
            raise InputError("unknown GGUF value type %d" % vtype)
        return self.take(_SCALAR[vtype])


def read_gguf(path):
    """Returns (kv dict, {name: numpy array (F32 or F16) shaped [rows][cols]}).

    The file is memory-mapped and the arrays are views of it, so a large model is not read
    (or widened to float32) before a layer needs it."""
    try:
        with open(path, "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as ex:
        raise InputError("cannot read %s: %s" % (path, ex))
    r = _Reader(data)
    if data[:4] != b"GGUF":
        raise InputError("%s is not a GGUF file" % path)
    r.pos = 4
    version = r.take("I")
    if version not in (2, 3):
        raise InputError("unsupported GGUF version %d" % version)
    n_tensors, n_kv = r.take("Q"), r.take("Q")
    kv = {}
    for _ in range(n_kv):
        key = r.string()
        kv[key] = r.value(r.take("I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        dims = [r.take("Q") for _ in range(r.take("I"))]
        infos.append((name, dims, r.take("I"), r.take("Q")))
    align = int(kv.get("general.alignment", 32))
    base = (r.pos + align - 1) // align * align
    tensors = {}
    for name, dims, gtype, offset in infos:
        if gtype not in (0, 1):
            raise InputError("tensor %s has ggml type %d; only F32 and F16 are accepted" % (name, gtype))
        dtype = np.float32 if gtype == 0 else np.float16
        count = int(np.prod(dims)) if dims else 1
        start = base + offset
        if start + count * np.dtype(dtype).itemsize > len(data):
            raise InputError("tensor %s lies past the end of %s" % (name, path))
        arr = np.frombuffer(data, dtype=dtype, count=count, offset=start)
        tensors[name] = arr.reshape(list(reversed(dims)) if dims else [1])
    return kv, tensors


def write_gguf(path, tensors, align=32):
    """GGUF v3, no KV pairs, all tensors F32 (dims written fastest first)."""
    def pad(n):
        return (align - n % align) % align
    header = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), 0))
    offset, blobs = 0, []
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        raw = name.encode()
        header += struct.pack("<Q", len(raw)) + raw + struct.pack("<I", arr.ndim)
        header += b"".join(struct.pack("<Q", d) for d in reversed(arr.shape))
        header += struct.pack("<IQ", 0, offset)
        blob = arr.tobytes()
        blobs.append(blob + b"\0" * pad(len(blob)))
        offset += len(blobs[-1])
    with open(path, "wb") as f:
        f.write(bytes(header) + b"\0" * pad(len(header)))
        for blob in blobs:
            f.write(blob)


# ----------------------------------------------------------------------------- math helpers

def hadamard(n, dtype=torch.float32):
    """Orthonormal Sylvester Hadamard matrix (n a power of two)."""
    h = torch.ones(1, 1, dtype=dtype)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h / math.sqrt(n)


def is_pow2(n):
    return n > 0 and n & (n - 1) == 0


def split_dim(n):
    """n = n1 * n2 with n1 the largest divisor of n not above sqrt(n)."""
    n1 = int(math.isqrt(n))
    while n % n1:
        n1 -= 1
    return n1, n // n1


def round_ste(x):
    # straight-through: round in the forward pass, identity gradient
    return (x.round() - x).detach() + x


def rmsnorm(x, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def rope_tables(cfg, length, dtype):
    half = cfg["rope_dim"] // 2
    inv = cfg["rope_base"] ** (-2.0 * torch.arange(half, dtype=torch.float64) / cfg["rope_dim"])
    ang = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
    return ang.cos().to(dtype), ang.sin().to(dtype)


def apply_rope(x, cos, sin, cfg):
    """x [B, H, T, hd]: rotate the first rope_dim dims of each head."""
    rd, half = cfg["rope_dim"], cfg["rope_dim"] // 2
    head, rest = x[..., :rd], x[..., rd:]
    if cfg["rope_neox"]:
        a, b = head[..., :half], head[..., half:]
        out = torch.cat([a * cos - b * sin, a * sin + b * cos], -1)
    else:
        a, b = head[..., 0::2], head[..., 1::2]
        out = torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2)
    return torch.cat([out, rest], -1)


def quant_act(x, bits, asym=False):
    """Per-token RTN (engine semantics), STE on the rounding: symmetric codes -qa..qa (I4CH/I8CH), or asymmetric
    codes 0..2^bits-1 with a zero point over [min(0, min x), max(0, max x)] (I4CHA/I8CHA, the study's --a_asym)."""
    if asym:
        qmax = 2 ** bits - 1
        mn, mx = x.amin(-1, keepdim=True).clamp(max=0), x.amax(-1, keepdim=True).clamp(min=0)
        s = ((mx - mn) / qmax).clamp(min=1e-12)
        z = torch.clamp(round_ste(-mn / s), 0, qmax)
        return (torch.clamp(round_ste(x / s) + z, 0, qmax) - z) * s
    qa = 2 ** (bits - 1) - 1
    s = (x.abs().amax(-1, keepdim=True) / qa).clamp(min=1e-12)
    return torch.clamp(round_ste(x / s), -qa, qa) * s


def quant_weight(w, bits):
    """Per-output-row symmetric RTN of the stored (already clipped) weight."""
    qw = 2 ** (bits - 1) - 1
    s = (w.abs().amax(-1, keepdim=True) / qw).clamp(min=1e-12)
    return torch.clamp(round_ste(w / s), -qw, qw) * s


def quant_kv(x, bits, group, clip):
    """Asymmetric per token, per head, per group of `group` dims; x [B, H, T, hd]."""
    shape = x.shape
    g = x.reshape(*shape[:-1], shape[-1] // group, group)
    qmax = 2 ** bits - 1
    lo, hi = g.amin(-1, keepdim=True) * clip, g.amax(-1, keepdim=True) * clip
    scale = ((hi - lo) / qmax).clamp(min=1e-12)
    zero = round_ste(-lo / scale)
    codes = torch.clamp(round_ste(g / scale) + zero, 0, qmax)
    return ((codes - zero) * scale).reshape(shape)


# ----------------------------------------------------------------------------- the block

def fp_block(w, x, cfg):
    """Full-precision reference block; w holds the original tensors (torch)."""
    eps = cfg["rms_eps"]
    a = rmsnorm(x, eps) * w["attn_norm"]
    att = attention(w, a @ w["attn_q"].t(), a @ w["attn_k"].t(), a @ w["attn_v"].t(), cfg, quant=False)
    h = x + att @ w["attn_output"].t()
    n = rmsnorm(h, eps) * w["ffn_norm"]
    m = F.silu(n @ w["ffn_gate"].t()) * (n @ w["ffn_up"].t())
    return h + m @ w["ffn_down"].t()


def attention(w, q, k, v, cfg, quant):
    """q/k/v are the projections before bias; returns the concatenated head outputs."""
    B, T, _ = q.shape
    nh, nkv, hd = cfg["n_head"], cfg["n_kv_head"], cfg["head_dim"]
    if "attn_q.bias" in w:
        q, k, v = q + w["attn_q.bias"], k + w["attn_k.bias"], v + w["attn_v.bias"]
    q = q.view(B, T, nh, hd).transpose(1, 2)
    k = k.view(B, T, nkv, hd).transpose(1, 2)
    v = v.view(B, T, nkv, hd).transpose(1, 2)
    if "attn_q_norm" in w:  # Qwen3: per-head RMSNorm before RoPE
        q = rmsnorm(q, cfg["rms_eps"]) * w["attn_q_norm"]
        k = rmsnorm(k, cfg["rms_eps"]) * w["attn_k_norm"]
    cos, sin = rope_tables(cfg, T, q.dtype)
    q, k = apply_rope(q, cos, sin, cfg), apply_rope(k, cos, sin, cfg)
    kv_quant = quant and cfg["kv_bits"] < 16
    rotate = kv_quant and cfg["kv_rotate"]
    if rotate:  # orthonormal H: q.k is unchanged, outliers are spread before the KV quantizer
        H = hadamard(hd, q.dtype)
        q, k, v = q @ H, k @ H, v @ H
    if kv_quant:
        k = quant_kv(k, cfg["kv_bits"], cfg["kv_group"], cfg["kv_clip"])
        v = quant_kv(v, cfg["kv_bits"], cfg["kv_group"], cfg["kv_clip"])
    rep = nh // nkv
    k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    o = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
    if rotate:
        o = o @ H  # H is its own inverse
    return o.transpose(1, 2).reshape(B, T, nh * hd)


def site_apply(x, L, R, clip, bits, quant, asym=False):
    """Engine semantics at one site: X' = L^T X R per token, LAC clamp, per-token RTN."""
    n1, n2 = L.shape[0], R.shape[0]
    y = (L.t() @ x.reshape(*x.shape[:-1], n1, n2) @ R).reshape(x.shape)
    if not quant:
        return y
    lo, hi = y.amin(-1, keepdim=True) * clip, y.amax(-1, keepdim=True) * clip
    y = torch.minimum(torch.maximum(y, lo), hi)
    return quant_act(y, bits, asym)


def quant_block(e, x, cfg, quant=True):
    """The block as the engine runs it, from effective (exported) tensors e."""
    eps, ab, wb = cfg["rms_eps"], cfg["a_bits"], cfg["w_bits"]

    def lin(xs, name):
        wt = quant_weight(e[name], wb) if quant else e[name]
        return xs @ wt.t()

    def site(xs, s):
        return site_apply(xs, e[s + ".left"], e[s + ".right"], e[s + ".clip"], ab, quant, cfg.get("a_asym", False))

    a = site(rmsnorm(x, eps) * e["attn_norm"], "attn_in")
    att = attention(e, lin(a, "attn_q"), lin(a, "attn_k"), lin(a, "attn_v"), cfg, quant)
    h = x + lin(site(att, "attn_out"), "attn_output")
    n = site(rmsnorm(h, eps) * e["ffn_norm"], "ffn_in")
    m = F.silu(lin(n, "ffn_gate")) * lin(n, "ffn_up")
    return h + lin(site(m, "ffn_mid"), "ffn_down")


class Factor(nn.Module):
    """One Kronecker factor M = U diag(sigma) V^T: invertible, inverse is cheap and stable."""

    def __init__(self, n, init):
        super().__init__()
        self.U = orthogonal(nn.Linear(n, n, bias=False))
        self.V = orthogonal(nn.Linear(n, n, bias=False))
        with torch.no_grad():
            self.U.weight = init
            self.V.weight = torch.eye(n)
        self.log_sigma = nn.Parameter(torch.zeros(n))  # sigma = exp(.) stays > 0

    def mats(self):
        U, V, s = self.U.weight, self.V.weight, self.log_sigma.exp()
        return (U * s) @ V.t(), (V / s) @ U.t()


def init_orthogonal(n, gen):
    if is_pow2(n):
        return hadamard(n)
    q, r = torch.linalg.qr(torch.randn(n, n, generator=gen, dtype=torch.float64))
    return (q * torch.sign(torch.diagonal(r))).float()


class Block(nn.Module):
    """Learnable FlatQuant state of one block plus its frozen FP weights."""

    def __init__(self, w, cfg, gen, dscales):
        super().__init__()
        self.w, self.cfg = w, cfg
        dims = {"attn_in": split_dim(cfg["n_embd"]), "attn_out": (cfg["n_head"], cfg["head_dim"]),
                "ffn_in": split_dim(cfg["n_embd"]), "ffn_mid": split_dim(cfg["n_ff"])}
        self.left, self.right = nn.ModuleDict(), nn.ModuleDict()
        for s in SITES:
            n1, n2 = dims[s]
            self.left[s] = Factor(n1, init_orthogonal(n1, gen))
            self.right[s] = Factor(n2, init_orthogonal(n2, gen))
        self.lac = nn.ParameterDict({s: nn.Parameter(torch.tensor(4.0)) for s in SITES})
        self.lwc = nn.ParameterDict({k: nn.Parameter(torch.full((w[k].shape[0],), 4.0)) for k in LINEARS})
        self.log_d = nn.ParameterDict({s: nn.Parameter(dscales[s].log()) for s in dscales})

    def effective(self, lwc=True):
        """The tensors the engine gets: folded (W' x' = W x), LWC-clipped weights, norms / d, L, R, c."""
        w, e = self.w, {}
        d = {s: self.log_d[s].exp() for s in self.log_d}
        inv = {}
        for s in SITES:
            L, Li = self.left[s].mats()
            R, Ri = self.right[s].mats()
            e[s + ".left"], e[s + ".right"], e[s + ".clip"] = L, R, torch.sigmoid(self.lac[s]).reshape(1)
            inv[s] = (Li, Ri)
        e["attn_norm"] = w["attn_norm"] / d["attn_in"]
        e["ffn_norm"] = w["ffn_norm"] / d["ffn_in"]
        for k in LINEARS:
            s = SITE_OF[k]
            W = w[k]
            if k == "ffn_up":  # silu(g) * (u / d) = (silu(g) * u) / d
                W = W / d["ffn_mid"][:, None]
            if s in d:
                W = W * d[s][None, :]
            Li, Ri = inv[s]
            W = (Li @ W.reshape(W.shape[0], Li.shape[0], Ri.shape[0]) @ Ri.t()).reshape(W.shape)
            if lwc:
                bound = torch.sigmoid(self.lwc[k])[:, None] * W.abs().amax(1, keepdim=True)
                W = torch.minimum(torch.maximum(W, -bound), bound)
            e[k] = W
        for k in ("attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_q_norm", "attn_k_norm"):
            if k in w:
                e[k] = w[k]
        return e


# ----------------------------------------------------------------------------- calibration

def load_config(workdir):
    path = os.path.join(workdir, "config.json")
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError) as ex:
        raise InputError("cannot read %s: %s" % (path, ex))
    missing = [k for k in CONFIG_KEYS if k not in cfg]
    if missing:
        raise InputError("config.json lacks %s" % ", ".join(missing))
    for k in ("w_bits", "a_bits"):
        if cfg[k] not in (4, 8):
            raise InputError("config.json: %s must be 4 or 8, not %r" % (k, cfg[k]))
    if cfg["kv_bits"] not in (16, 8, 4, 3):
        raise InputError("config.json: kv_bits must be 16, 8, 4 or 3, not %r" % cfg["kv_bits"])
    cfg["kv_group"] = min(int(cfg["kv_group"]), cfg["head_dim"])
    if cfg["head_dim"] % cfg["kv_group"]:
        raise InputError("kv_group %d does not divide head_dim %d" % (cfg["kv_group"], cfg["head_dim"]))
    if cfg["kv_bits"] < 16 and cfg["kv_rotate"] and not is_pow2(cfg["head_dim"]):
        raise InputError("kv_rotate needs a power-of-two head_dim, not %d" % cfg["head_dim"])
    if cfg["n_head"] % cfg["n_kv_head"] or cfg["rope_dim"] % 2 or cfg["rope_dim"] > cfg["head_dim"]:
        raise InputError("config.json: inconsistent head counts or rope_dim")
    if cfg["samples"] < 1 or cfg["length"] < 1 or cfg["batch"] < 1 or cfg["epochs"] < 0:
        raise InputError("config.json: samples, length, batch must be positive")
    return cfg


def layer_weights(t, i, cfg):
    """The FP tensors of block i as torch tensors, shapes checked."""
    d, qd, kd, ff = cfg["n_embd"], cfg["n_head"] * cfg["head_dim"], cfg["n_kv_head"] * cfg["head_dim"], cfg["n_ff"]
    shapes = {"attn_norm": [d], "attn_q": [qd, d], "attn_k": [kd, d], "attn_v": [kd, d],
              "attn_output": [d, qd], "ffn_norm": [d], "ffn_gate": [ff, d], "ffn_up": [ff, d], "ffn_down": [d, ff]}
    optional = {"attn_q.bias": [qd], "attn_k.bias": [kd], "attn_v.bias": [kd],
                "attn_q_norm": [cfg["head_dim"]], "attn_k_norm": [cfg["head_dim"]]}
    w = {}
    for k, shape in list(shapes.items()) + list(optional.items()):
        name = "blk.%d.%s.weight" % (i, k) if "bias" not in k else "blk.%d.%s" % (i, k)
        if name not in t:
            if k in optional:
                continue
            raise InputError("weights.gguf lacks %s" % name)
        if list(t[name].shape) != shape:
            raise InputError("%s has shape %s, expected %s" % (name, list(t[name].shape), shape))
        w[k] = torch.from_numpy(t[name].astype(np.float32))
    if ("attn_q.bias" in w) != ("attn_k.bias" in w) or ("attn_q.bias" in w) != ("attn_v.bias" in w):
        raise InputError("block %d has only some of the q/k/v biases" % i)
    if ("attn_q_norm" in w) != ("attn_k_norm" in w):
        raise InputError("block %d has only one of attn_q_norm/attn_k_norm" % i)
    return w


def smoothing_init(w, x, cfg):
    """d_j = sqrt(max|x_j|) / sqrt(max|w_j|) per site from the calibration inputs (FlatQuant add_diag)."""
    eps = cfg["rms_eps"]
    with torch.no_grad():
        amax = {"attn_in": torch.zeros(cfg["n_embd"]), "ffn_in": torch.zeros(cfg["n_embd"]),
                "ffn_mid": torch.zeros(cfg["n_ff"])}
        for xb in x.split(4):
            a = rmsnorm(xb, eps) * w["attn_norm"]
            att = attention(w, a @ w["attn_q"].t(), a @ w["attn_k"].t(), a @ w["attn_v"].t(), cfg, quant=False)
            h = xb + att @ w["attn_output"].t()
            n = rmsnorm(h, eps) * w["ffn_norm"]
            m = F.silu(n @ w["ffn_gate"].t()) * (n @ w["ffn_up"].t())
            for s, v in (("attn_in", a), ("ffn_in", n), ("ffn_mid", m)):
                amax[s] = torch.maximum(amax[s], v.abs().flatten(0, -2).amax(0))
        wmax = {"attn_in": torch.cat([w["attn_q"], w["attn_k"], w["attn_v"]]).abs().amax(0),
                "ffn_in": torch.cat([w["ffn_gate"], w["ffn_up"]]).abs().amax(0),
                "ffn_mid": w["ffn_down"].abs().amax(0)}
        return {s: (amax[s].sqrt() / wmax[s].clamp(min=1e-12).sqrt()).clamp(1e-5, 1e5) for s in amax}


def block_loss(block, xq, target, cfg):
    with torch.no_grad():
        e = block.effective()
        total = sum(F.mse_loss(quant_block(e, a, cfg), b, reduction="sum").item()
                    for a, b in zip(xq.split(4), target.split(4)))
        return total / target.numel()


def train_block(block, xq, target, cfg, gen, label):
    """AdamW + cosine to 0 on the MSE between quantized and FP block outputs."""
    samples, bs, epochs = xq.shape[0], cfg["batch"], cfg["epochs"]
    steps_per_epoch = (samples + bs - 1) // bs
    opt = torch.optim.AdamW(block.parameters(), lr=cfg["lr"], weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs * steps_per_epoch), eta_min=0.0)
    for ep in range(epochs):
        perm, total = torch.randperm(samples, generator=gen), 0.0
        for st in range(steps_per_epoch):
            idx = perm[st * bs:(st + 1) * bs]
            loss = F.mse_loss(quant_block(block.effective(), xq[idx], cfg), target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        log("flatquant: %s epoch %d/%d loss %.6g" % (label, ep + 1, epochs, total / steps_per_epoch))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load_inputs(workdir, cfg):
    _, tensors = read_gguf(os.path.join(workdir, "weights.gguf"))
    if "token_embd.weight" not in tensors:
        raise InputError("weights.gguf lacks token_embd.weight")
    emb = tensors["token_embd.weight"]
    if emb.shape[1] != cfg["n_embd"]:
        raise InputError("token_embd.weight has %d columns, n_embd is %d" % (emb.shape[1], cfg["n_embd"]))
    path = os.path.join(workdir, "tokens.bin")
    try:
        tok = np.fromfile(path, dtype="<i4")
    except OSError as ex:
        raise InputError("cannot read %s: %s" % (path, ex))
    if tok.size != cfg["samples"] * cfg["length"]:
        raise InputError("tokens.bin holds %d tokens, expected samples*length = %d"
                         % (tok.size, cfg["samples"] * cfg["length"]))
    if tok.size and (tok.min() < 0 or tok.max() >= emb.shape[0]):
        raise InputError("tokens.bin holds ids outside 0..%d" % (emb.shape[0] - 1))
    x = torch.from_numpy(emb[tok].astype(np.float32).reshape(cfg["samples"], cfg["length"], cfg["n_embd"]))
    return tensors, x


def calibrate(workdir, keep_blocks=False):
    """The whole pipeline; returns the trained blocks when keep_blocks (self-test)."""
    cfg = load_config(workdir)
    torch.set_num_threads(max(1, int(cfg["threads"])))
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    tensors, x = load_inputs(workdir, cfg)
    xfp, xq = x, x.clone()
    out, blocks = {}, []
    progress = os.path.join(workdir, "progress.jsonl")
    open(progress, "w").close()
    N = cfg["n_layer"]
    for i in range(N):
        t0 = time.time()
        w = layer_weights(tensors, i, cfg)
        with torch.no_grad():
            target = torch.cat([fp_block(w, a, cfg) for a in xfp.split(4)])
        block = Block(w, cfg, gen, smoothing_init(w, xq, cfg))
        loss_init = block_loss(block, xq, target, cfg)
        initial = copy.deepcopy(block.state_dict())
        train_block(block, xq, target, cfg, gen, "layer %d/%d" % (i + 1, N))
        loss_final = block_loss(block, xq, target, cfg)
        if loss_final > loss_init:  # too few steps to gain (tiny calibration sets): keep the initial transforms
            block.load_state_dict(initial)
            log("flatquant: layer %d/%d kept its initial transforms (trained loss %.6g > %.6g)" % (i + 1, N, loss_final, loss_init))
            loss_final = loss_init
        with torch.no_grad():
            e = block.effective()
            xq = torch.cat([quant_block(e, a, cfg) for a in xq.split(4)])
        xfp = target
        for k in LINEARS + ("attn_norm", "ffn_norm"):
            out["blk.%d.%s.weight" % (i, k)] = e[k].detach().numpy()
        for s in SITES:
            for part in ("left", "right", "clip"):
                out["blk.%d.flat.%s.%s" % (i, s, part)] = e["%s.%s" % (s, part)].detach().numpy()
        rec = {"layer": i, "loss_init": loss_init, "loss_final": loss_final, "seconds": round(time.time() - t0, 3)}
        with open(progress, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if keep_blocks:
            blocks.append(block)
    tmp = os.path.join(workdir, "result.gguf.tmp")
    write_gguf(tmp, out)
    os.replace(tmp, os.path.join(workdir, "result.gguf"))
    return cfg, tensors, blocks


# ----------------------------------------------------------------------------- self-test

def np_engine_block(t, i, cfg, x, extra, quant=True):
    """Independent numpy (float64) re-implementation of the engine's block from result.gguf tensors."""
    g = lambda k: t["blk.%d.%s" % (i, k)].astype(np.float64)
    eps, hd, nh, nkv = cfg["rms_eps"], cfg["head_dim"], cfg["n_head"], cfg["n_kv_head"]

    def norm(v, wt):
        return v / np.sqrt((v * v).mean(-1, keepdims=True) + eps) * wt

    def site(v, s):
        L, R, c = g("flat.%s.left" % s), g("flat.%s.right" % s), g("flat.%s.clip" % s)[0]
        rows = v.reshape(-1, v.shape[-1])
        out = np.empty_like(rows)
        qa = 2 ** (cfg["a_bits"] - 1) - 1
        for r in range(rows.shape[0]):
            y = (L.T @ rows[r].reshape(L.shape[0], R.shape[0]) @ R).reshape(-1)
            if quant:
                y = np.clip(y, c * y.min(), c * y.max())
                if cfg.get("a_asym", False):
                    qm = 2 ** cfg["a_bits"] - 1
                    mn, mx = min(y.min(), 0.0), max(y.max(), 0.0)
                    sc = max((mx - mn) / qm, 1e-12)
                    z = np.clip(np.round(-mn / sc), 0, qm)
                    y = (np.clip(np.round(y / sc) + z, 0, qm) - z) * sc
                else:
                    sc = max(np.abs(y).max() / qa, 1e-12)
                    y = np.clip(np.round(y / sc), -qa, qa) * sc
            out[r] = y
        return out.reshape(v.shape)

    def lin(v, k):
        W = g(k + ".weight")
        if quant:
            qw = 2 ** (cfg["w_bits"] - 1) - 1
            s = np.maximum(np.abs(W).max(1, keepdims=True) / qw, 1e-12)
            W = np.clip(np.round(W / s), -qw, qw) * s
        return v @ W.T

    def kvq(v):
        b, grp = cfg["kv_bits"], cfg["kv_group"]
        out = v.copy()
        for j in range(0, hd, grp):
            blk = v[..., j:j + grp]
            lo, hi = blk.min(-1, keepdims=True) * cfg["kv_clip"], blk.max(-1, keepdims=True) * cfg["kv_clip"]
            sc = np.maximum((hi - lo) / (2 ** b - 1), 1e-12)
            z = np.round(-lo / sc)
            out[..., j:j + grp] = (np.clip(np.round(blk / sc) + z, 0, 2 ** b - 1) - z) * sc
        return out

    T = x.shape[0]
    a = site(norm(x, g("attn_norm.weight")), "attn_in")
    q, k, v = (lin(a, "attn_" + c) + extra.get("attn_%s.bias" % c, 0.0) for c in "qkv")
    q, k, v = q.reshape(T, nh, hd), k.reshape(T, nkv, hd), v.reshape(T, nkv, hd)
    if "attn_q_norm" in extra:
        q, k = norm(q, extra["attn_q_norm"]), norm(k, extra["attn_k_norm"])
    rd = cfg["rope_dim"]
    ang = np.arange(T)[:, None] * cfg["rope_base"] ** (-2.0 * np.arange(rd // 2) / rd)
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    for m in (q, k):
        if cfg["rope_neox"]:
            a1, b1 = m[..., :rd // 2].copy(), m[..., rd // 2:rd].copy()
            m[..., :rd // 2], m[..., rd // 2:rd] = a1 * cos - b1 * sin, a1 * sin + b1 * cos
        else:
            a1, b1 = m[..., 0:rd:2].copy(), m[..., 1:rd:2].copy()
            m[..., 0:rd:2], m[..., 1:rd:2] = a1 * cos - b1 * sin, a1 * sin + b1 * cos
    H = hadamard(hd, torch.float64).numpy()
    kv_on = quant and cfg["kv_bits"] < 16
    if kv_on and cfg["kv_rotate"]:
        q, k, v = q @ H, k @ H, v @ H
    if kv_on:
        k, v = kvq(k), kvq(v)
    o = np.zeros((T, nh, hd))
    for hh in range(nh):
        kh = hh // (nh // nkv)
        sc = q[:, hh] @ k[:, kh].T / math.sqrt(hd)
        sc[np.triu(np.ones((T, T), bool), 1)] = -np.inf
        p = np.exp(sc - sc.max(1, keepdims=True))
        o[:, hh] = (p / p.sum(1, keepdims=True)) @ v[:, kh]
    if kv_on and cfg["kv_rotate"]:
        o = o @ H
    h = x + lin(site(o.reshape(T, nh * hd), "attn_out"), "attn_output")
    n = site(norm(h, g("ffn_norm.weight")), "ffn_in")
    gt = lin(n, "ffn_gate")
    m = gt / (1 + np.exp(-gt)) * lin(n, "ffn_up")
    return h + lin(site(m, "ffn_mid"), "ffn_down")


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def tiny_model(rng, qwen3):
    """Random 2-block model (d=64, heads 4/2 of 16, n_ff=96, q/k/v biases; Qwen3 adds q/k norms)."""
    vocab, d, qd, kd, ff = 50, 64, 64, 32, 96
    t = {"token_embd.weight": rng.normal(0, 1, (vocab, d))}
    for i in range(2):
        p = "blk.%d." % i
        t[p + "attn_norm.weight"] = 1 + 0.1 * rng.normal(size=d)
        t[p + "ffn_norm.weight"] = 1 + 0.1 * rng.normal(size=d)
        for k, shape in (("attn_q", (qd, d)), ("attn_k", (kd, d)), ("attn_v", (kd, d)), ("attn_output", (d, qd)),
                         ("ffn_gate", (ff, d)), ("ffn_up", (ff, d)), ("ffn_down", (d, ff))):
            w = rng.normal(0, 1 / math.sqrt(shape[1]), shape)
            w[:, rng.integers(shape[1])] *= 8  # an outlier input channel, as real models have
            t[p + k + ".weight"] = w
        for k, n in (("attn_q", qd), ("attn_k", kd), ("attn_v", kd)):
            t[p + k + ".bias"] = 0.1 * rng.normal(size=n)
        if qwen3:
            t[p + "attn_q_norm.weight"] = 1 + 0.1 * rng.normal(size=16)
            t[p + "attn_k_norm.weight"] = 1 + 0.1 * rng.normal(size=16)
    return {k: v.astype(np.float32) for k, v in t.items()}


def expected_shapes():
    d, qd, kd, ff = 64, 64, 32, 96
    want = {}
    for i in range(2):
        p = "blk.%d." % i
        for k, shape in (("attn_q", (qd, d)), ("attn_k", (kd, d)), ("attn_v", (kd, d)), ("attn_output", (d, qd)),
                         ("ffn_gate", (ff, d)), ("ffn_up", (ff, d)), ("ffn_down", (d, ff)), ("attn_norm", (d,)),
                         ("ffn_norm", (d,))):
            want[p + k + ".weight"] = shape
        for s, (n1, n2) in (("attn_in", (8, 8)), ("attn_out", (4, 16)), ("ffn_in", (8, 8)), ("ffn_mid", (8, 12))):
            want[p + "flat.%s.left" % s], want[p + "flat.%s.right" % s] = (n1, n1), (n2, n2)
            want[p + "flat.%s.clip" % s] = (1,)
    return want


def self_test_case(name, overrides, qwen3, check):
    """Runs the whole pipeline on a tiny model in a temp WORKDIR and checks (1)-(4)."""
    print("case %s" % name)
    rng = np.random.default_rng(0)
    cfg = {"n_layer": 2, "n_embd": 64, "n_head": 4, "n_kv_head": 2, "head_dim": 16, "n_ff": 96,
           "rope_base": 10000.0, "rope_dim": 16, "rope_neox": True, "rms_eps": 1e-6, "w_bits": 4, "a_bits": 4,
           "kv_bits": 4, "kv_group": 128, "kv_rotate": True, "kv_clip": 1.0, "epochs": 2, "lr": 5e-3,
           "batch": 4, "seed": 7, "threads": 1, "samples": 32, "length": 32}
    cfg.update(overrides)
    t = tiny_model(rng, qwen3)
    with tempfile.TemporaryDirectory() as wd:
        write_gguf(os.path.join(wd, "weights.gguf"), t)
        with open(os.path.join(wd, "config.json"), "w") as f:
            json.dump(cfg, f)
        tok = rng.integers(0, 50, cfg["samples"] * cfg["length"]).astype("<i4")
        tok.tofile(os.path.join(wd, "tokens.bin"))
        cfg, tensors, blocks = calibrate(wd, keep_blocks=True)
        x = torch.from_numpy(t["token_embd.weight"][tok].reshape(cfg["samples"], cfg["length"], 64).copy())
        # (1) folding is exact without quantization (trained, non-trivial L, R, sigma, d)
        for i, blk in enumerate(blocks):
            with torch.no_grad():
                e = {k: v.double() for k, v in blk.effective(lwc=False).items()}
                w64 = {k: v.double() for k, v in blk.w.items()}
                err = rel_err(quant_block(e, x.double(), cfg, quant=False), fp_block(w64, x.double(), cfg))
            check(err < 1e-4, "(1) block %d folding exact: rel err %.2e" % (i, err))
        # (2) training lowers every block's loss
        with open(os.path.join(wd, "progress.jsonl")) as f:
            recs = [json.loads(line) for line in f]
        check(len(recs) == 2, "(2) progress.jsonl has one line per block")
        for r in recs:
            check(r["loss_final"] < r["loss_init"], "(2) block %d loss %.5g -> %.5g"
                  % (r["layer"], r["loss_init"], r["loss_final"]))
        # (3) result.gguf reads back with the right names and shapes
        _, res = read_gguf(os.path.join(wd, "result.gguf"))
        got = {k: tuple(v.shape) for k, v in res.items()}
        check(got == expected_shapes(), "(3) result.gguf names and shapes (%d tensors)" % len(got))
        # (4) engine semantics: numpy from result.gguf vs the torch quantized forward of block 0; the torch side
        # uses the float32-rounded tensors (as stored) in float64, so no rounding decision can differ
        with torch.no_grad():
            e = {k: v.float().double() for k, v in blocks[0].effective().items()}
            ref = quant_block(e, x.double(), cfg).numpy()
            qerr = rel_err(ref, fp_block(blocks[0].w, x, cfg).numpy())
        extra = {k: v.double().numpy() for k, v in blocks[0].w.items() if "bias" in k or "_norm" in k}
        errs = [rel_err(np_engine_block(res, 0, cfg, x[j].double().numpy(), extra), ref[j])
                for j in range(x.shape[0])]
        check(max(errs) < 1e-4, "(4) numpy engine vs torch quantized block 0: max rel err %.2e" % max(errs))
        print("     (block 0 quantized vs FP output: rel err %.3f)" % qerr)


def self_test():
    torch.set_num_threads(1)
    failures = []

    def check(ok, msg):
        print(("ok   " if ok else "FAIL ") + msg, flush=True)
        if not ok:
            failures.append(msg)

    self_test_case("llama/qwen2 w4a4kv4, NeoX RoPE, rotated KV", {}, False, check)
    self_test_case("w4a4-asym (the study's --a_asym), rotated KV", {"a_asym": True, "seed": 5}, False, check)
    self_test_case("qwen3 q/k norms, interleaved RoPE, w8a8 kv3 g8 clip 0.9, unrotated KV",
                   {"rope_neox": False, "w_bits": 8, "a_bits": 8, "kv_bits": 3, "kv_group": 8,
                    "kv_rotate": False, "kv_clip": 0.9, "seed": 3}, True, check)
    print("self-test: %s" % ("FAILED" if failures else "passed"))
    return 1 if failures else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2:
        log("usage: flatquant.py WORKDIR | --self-test")
        return 1
    if not os.path.isdir(argv[1]):
        log("flatquant: %s is not a directory" % argv[1])
        return 1
    try:
        calibrate(argv[1])
    except InputError as ex:
        log("flatquant: %s" % ex)
        return 1
    except (OSError, MemoryError) as ex:
        log("flatquant: %s" % ex)
        return 1
    except (TypeError, ValueError, KeyError) as ex:  # e.g. a config value of the wrong type
        log("flatquant: bad input: %s: %s" % (type(ex).__name__, ex))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
