// liblowbit-cuda against the CPU lowbit calls that define the same arithmetic (ops.h, study_pack.h).
//  - lbc_matmul_wg (W4G/W3G/W2G) and lbc_matmul_bf16 vs lb_matmul: both sum the same exact FP32
//    products bf16(w) x bf16(x), only in another order (GPU: per lane, then a warp tree).
//  - lbc_attention vs lb_attention over paged caches (shuffled block table) filled by lb_kv_store,
//    decode and causal prefill; and vs a double-precision emulation of the GPU's own arithmetic.
//  - argument errors.
// One line per case: max |gpu - cpu|, that over max |ref| ("rel"), and the worst |gpu - cpu| / tol.
// Exit 0 = pass, 1 = a failure, 2 = a CUDA error, 77 = no CUDA device (ctest SKIP_RETURN_CODE).
// --small: small shapes only (compute-sanitizer runs kernels far slower).
#include <cuda_runtime.h>
#include <cstring>
#include <string>
#include "lowbit/lowbit.h"
#include "lowbit/lowbit_cuda.h"
#include "cuda_check.h"
#include "test_util.h"
#include "test_attention_ref.h"
#include "../../cpu/study_pack.h"


namespace {
cudaStream_t g_stream;

// device copy of a host vector (or n uninitialised bytes); freed with the object
struct DevBuf {
    void *p = nullptr;
    size_t bytes;
    explicit DevBuf(size_t n) : bytes(n) { CUDA_OK(cudaMalloc(&p, n ? n : 1)); }
    template <class T>
    explicit DevBuf(const std::vector<T> &h) : DevBuf(h.size() * sizeof(T)) {
        CUDA_OK(cudaMemcpy(p, h.data(), bytes, cudaMemcpyHostToDevice));
    }
    ~DevBuf() { cudaFree(p); }
    DevBuf(const DevBuf &) = delete;
    DevBuf &operator=(const DevBuf &) = delete;
};

// outputs start as NaN (all bits set), so an element the kernel never writes fails
std::vector<float> gpu_output(const DevBuf &y, int32_t status, const char *what) {
    CHECK(status == LB_OK, "%s returned %d", what, status);
    CUDA_OK(cudaStreamSynchronize(g_stream));
    CUDA_OK(cudaGetLastError());
    std::vector<float> h(y.bytes / sizeof(float));
    CUDA_OK(cudaMemcpy(h.data(), y.p, y.bytes, cudaMemcpyDeviceToHost));
    return h;
}

// worst |a - b| / tol over a case; NaN or an unwritten element counts as infinitely bad
struct Err {
    double max_abs = 0, max_ref = 0, worst = 0;
    int64_t at = -1;
    void add(int64_t i, double a, double b, double ref, double tol) {
        const double d = std::fabs(a - b), r = std::isnan(d) ? INFINITY : d / tol;
        if (d > max_abs || std::isnan(d)) max_abs = std::isnan(d) ? INFINITY : d;
        max_ref = std::max(max_ref, std::fabs(ref));
        if (r > worst || at < 0) worst = r, at = i;
    }
    std::string str(const char *vs) const {
        char b[160];
        std::snprintf(b, sizeof b, "vs %s: abs %.2e rel %.2e (%.3f x tol)", vs, max_abs, max_ref > 0 ? max_abs / max_ref : 0.0,
                      worst);
        return b;
    }
};

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.7g", v);
    return b;
}

void report(bool ok, const std::string &name, const std::string &detail) {
    std::printf("%s %-52s %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    if (!ok) g_failures++;
}

const char *fmt_name(int f) {
    switch (f) {
        case LB_W4G: return "w4g";
        case LB_W3G: return "w3g";
        case LB_W2G: return "w2g";
        case LB_BF16: return "bf16";
        case LB_F16: return "f16";
        case LB_KV8: return "kv8";
        case LB_KV4: return "kv4";
        case LB_KV3: return "kv3";
        default: return "?";
    }
}

// ---- matmul ----
// y = W x, W given as its bytes w (format fmt) and as the exact floats wr the kernels multiply
// (bf16(dequantised)). Tolerance per output: both sides add the same exact FP32 products, so the
// difference is reordering error. That is bounded by n 2^-24 sum|p| at worst (n terms per partial
// sum) but is random-walk sized in practice (~1e-7 sum|p| here); 1e-5 sum|p| is what the CPU ctests
// allow their own variants, and still ~100x below the effect of a dropped bf16 rounding (2^-9 per
// product, ~1e-4 sum|p| / sqrt(n) summed over n products at random signs).
void matmul_case(const std::string &name, int fmt, int group, const std::vector<uint8_t> &w, const std::vector<float> &wr,
                 int64_t rows, int64_t cols, const std::vector<float> &x, int64_t ntok) {
    std::vector<float> ycpu(rows * ntok, -1.f);
    CHECK(lb_matmul(fmt, group, w.data(), rows, cols, x.data(), ntok, ycpu.data()) == LB_OK, "lb_matmul %s", name.c_str());
    DevBuf dw(w), dx(x), dy(rows * ntok * sizeof(float));
    CUDA_OK(cudaMemset(dy.p, 0xff, dy.bytes));
    const int32_t st = fmt == LB_BF16
                           ? lbc_matmul_bf16(dw.p, rows, cols, (const float *)dx.p, ntok, (float *)dy.p, g_stream)
                           : lbc_matmul_wg(fmt, group, dw.p, rows, cols, (const float *)dx.p, ntok, (float *)dy.p, g_stream);
    const auto ygpu = gpu_output(dy, st, name.c_str());
    std::vector<float> xr(x.size());
    for (size_t i = 0; i < x.size(); i++) xr[i] = lb_bf16_round(x[i]);
    Err e;
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t r = 0; r < rows; r++) {
            double mag = 0;
            const float *wrow = &wr[r * cols], *xt = &xr[t * cols];
            for (int64_t c = 0; c < cols; c++) mag += std::fabs((double)wrow[c] * xt[c]);
            const int64_t i = t * rows + r;
            e.add(i, ygpu[i], ycpu[i], ycpu[i], 1e-5 * mag + 1e-6);
        }
    std::string d = e.str("cpu");
    if (e.worst > 1)
        d += " at t " + std::to_string(e.at / rows) + " r " + std::to_string(e.at % rows) + ": gpu " + num(ygpu[e.at]) + " cpu " +
             num(ycpu[e.at]);
    report(e.worst <= 1, name, d);
}

void test_matmul_wg(bool small) {
    struct Shape { int64_t rows, cols; };
    const std::vector<Shape> big = {{896, 896}, {4864, 896}, {896, 4864}, {37, 384}};
    const std::vector<Shape> little = {{37, 384}, {8, 192}};
    const std::vector<int64_t> ntoks = small ? std::vector<int64_t>{1, 3} : std::vector<int64_t>{1, 3, 16};
    unsigned seed = 100;
    for (int fmt : {LB_W4G, LB_W3G, LB_W2G})
        for (int group : {128, 64, 32}) {
            if (!small && group == 32) continue;  // the full run: group 128 (the plans') and 64
            for (const Shape &s : small ? little : big) {
                if (s.cols % group) continue;
                const auto wf = random_floats(s.rows * s.cols, seed++, -1.f, 1.5f);
                std::vector<uint8_t> w(s.rows * lb_row_bytes(fmt, group, s.cols));
                CHECK(lb_quantize(fmt, group, wf.data(), w.data(), s.rows, s.cols) == LB_OK, "quantize");
                std::vector<float> wr(s.rows * s.cols);
                CHECK(lb_dequantize(fmt, group, w.data(), wr.data(), s.rows, s.cols) == LB_OK, "dequantize");
                for (float &v : wr) v = lb_bf16_round(v);
                for (int64_t ntok : ntoks) {
                    const auto x = random_floats(ntok * s.cols, seed++);
                    char name[96];
                    std::snprintf(name, sizeof name, "matmul %s g%d %lldx%lld ntok %lld", fmt_name(fmt), group, (long long)s.rows,
                                  (long long)s.cols, (long long)ntok);
                    matmul_case(name, fmt, group, w, wr, s.rows, s.cols, x, ntok);
                }
            }
        }
}

void test_matmul_bf16(bool small) {
    struct Shape { int64_t rows, cols, ntok; };
    const std::vector<Shape> shapes = small ? std::vector<Shape>{{37, 100, 1}, {37, 100, 3}}
                                            : std::vector<Shape>{{1000, 896, 1}, {1000, 896, 16}, {37, 100, 3}};
    unsigned seed = 200;
    for (const Shape &s : shapes) {
        const auto wf = random_floats(s.rows * s.cols, seed++, -1.f, 1.f);
        std::vector<uint8_t> w(s.rows * s.cols * 2);
        CHECK(lb_quantize(LB_BF16, 0, wf.data(), w.data(), s.rows, s.cols) == LB_OK, "quantize bf16");
        std::vector<float> wr(s.rows * s.cols);
        CHECK(lb_dequantize(LB_BF16, 0, w.data(), wr.data(), s.rows, s.cols) == LB_OK, "dequantize bf16");
        const auto x = random_floats(s.ntok * s.cols, seed++, -3.f, 3.f);
        char name[96];
        std::snprintf(name, sizeof name, "matmul bf16 %lldx%lld ntok %lld", (long long)s.rows, (long long)s.cols, (long long)s.ntok);
        matmul_case(name, LB_BF16, 0, w, wr, s.rows, s.cols, x, s.ntok);
    }
}

// ---- attention ----
struct AttnCase { int fmt, group, nh, nkv, hd, bs; int64_t pos0, nq; };

// Two comparisons per output d of (token t, head h); with softmax weights p_j (exact, normalised):
//  vs emul: what the CUDA kernel defines: bf16 query for the group formats, scores in float with
//    fused multiply-adds in the kernel's order (nvcc contracts its dot += a * b), weights
//    exp(score - global max), value weights bf16(p_j s) (lb_kv_value_weight); the sums in double.
//    Only FP32 reordering differs: 2e-5 sum_j p_j |v_jd| (expected ~1e-7 of it), plus, group
//    formats, one weight rounded to the neighbouring bf16 (expf may differ in the last bit):
//    one bf16 ulp, <= 2^-7 max_j p_j |v_jd|. A dropped or extra key moves the output by
//    p_j |v_jd|: several times the bound for a typical key up to L ~ 10K.
//  vs cpu: lb_attention, which for the group formats rounds bf16(p_j s) with p_j relative to a running
//    (per tile and span) max instead, so most weights round differently: each term moves by up to
//    2^-8 relative, at random, so the difference is a random sum of standard deviation
//    ~0.6 * 2^-8 sqrt(sum_j (p_j v_jd)^2). The bound allows 4 * 2^-8 sqrt(...) (~7 sigma over ~10^4
//    outputs per case) plus 1e-4 sum_j p_j |v_jd| for the rest (polynomial exp, tile rescaling).
void attention_case(const AttnCase &c, unsigned seed) {
    const bool grouped = c.fmt != LB_F16;
    const int g = grouped ? std::min(c.group, c.hd) : 0, bits = group_bits(c.fmt);
    const int64_t rb = grouped ? lb_row_bytes(c.fmt, g, c.hd) : 2 * c.hd, bb = grouped ? lb_group_block_bytes(bits, g) : 0;
    const int64_t total = c.pos0 + c.nq, nblocks = (total + c.bs - 1) / c.bs + 2;  // 2 spare blocks, never read
    std::mt19937 rng(seed);
    const std::vector<int32_t> table = shuffled_blocks(nblocks, rng);
    // all bits set: F16 NaN, group blocks with a NaN scale: a slot read that was never stored poisons the output
    std::vector<uint8_t> kc(nblocks * c.bs * c.nkv * rb, 0xff), vc(kc.size(), 0xff);
    const auto ks = random_floats(total * c.nkv * c.hd, seed + 1, -2.f, 2.f), vs = random_floats(total * c.nkv * c.hd, seed + 2);
    // store as prefill then decode would: the context, then the query tokens
    const std::pair<int64_t, int64_t> chunks[] = {{0, c.pos0}, {c.pos0, c.nq}};
    for (const auto &[p, n] : chunks) {
        if (!n) continue;
        CHECK(lb_kv_store(c.fmt, c.group, kc.data(), table.data(), c.bs, c.nkv, c.hd, ks.data() + p * c.nkv * c.hd, p, n) == LB_OK, "k");
        CHECK(lb_kv_store(c.fmt, c.group, vc.data(), table.data(), c.bs, c.nkv, c.hd, vs.data() + p * c.nkv * c.hd, p, n) == LB_OK, "v");
    }
    const auto q = random_floats(c.nq * c.nh * c.hd, seed + 3, -1.5f, 1.5f);
    const float scale = 1.f / std::sqrt((float)c.hd);
    const size_t nout = (size_t)(c.nq * c.nh * c.hd);

    std::vector<float> cpu(nout, -7.f);
    CHECK(lb_attention(c.fmt, c.group, kc.data(), vc.data(), table.data(), c.bs, q.data(), c.nq, c.pos0, c.nh, c.nkv, c.hd,
                       scale, cpu.data()) == LB_OK, "lb_attention");
    DevBuf dk(kc), dv(vc), dt(table), dq(q), dout(nout * sizeof(float));
    CUDA_OK(cudaMemset(dout.p, 0xff, dout.bytes));
    const auto gpu = gpu_output(dout, lbc_attention(c.fmt, c.group, dk.p, dv.p, (const int32_t *)dt.p, c.bs, (const float *)dq.p, c.nq,
                                                    c.pos0, c.nh, c.nkv, c.hd, scale, (float *)dout.p, g_stream),
                                "lbc_attention");

    auto row = [&](const std::vector<uint8_t> &cache, int64_t pos, int h) {
        const int64_t slot = (int64_t)table[pos / c.bs] * c.bs + pos % c.bs;
        return cache.data() + (slot * c.nkv + h) * rb;
    };
    auto elem = [&](const uint8_t *r, int d) {  // dequantised element d of a row
        return grouped ? lb_dequant_elem(r + d / g * bb, bits, d % g) : lb_f16_to_f32((uint16_t)(r[2 * d] | r[2 * d + 1] << 8));
    };
    Err ec, ee;
    std::vector<double> s, ref(c.hd), emu(c.hd), mag(c.hd), sq(c.hd), big(c.hd);
    std::vector<float> qr(c.hd), sc;
    for (int64_t t = 0; t < c.nq; t++)
        for (int h = 0; h < c.nh; h++) {
            const int kvh = h / (c.nh / c.nkv);
            const int64_t L = c.pos0 + t + 1, o = (t * c.nh + h) * c.hd;
            for (int i = 0; i < c.hd; i++) qr[i] = grouped ? lb_bf16_round(q[o + i]) : q[o + i];
            sc.assign(L, 0.f);
            float mx = -INFINITY;
            for (int64_t j = 0; j < L; j++) {
                const uint8_t *r = row(kc, j, kvh);
                float d = 0.f;
                for (int i = 0; i < c.hd; i++) d = std::fmaf(qr[i], elem(r, i), d);
                sc[j] = d * scale;
                mx = std::max(mx, sc[j]);
            }
            s.assign(L, 0.0);
            double sum = 0;
            for (int64_t j = 0; j < L; j++) sum += (s[j] = (float)std::exp((double)(sc[j] - mx)));
            std::fill(ref.begin(), ref.end(), 0.0), std::fill(emu.begin(), emu.end(), 0.0);
            std::fill(mag.begin(), mag.end(), 0.0), std::fill(sq.begin(), sq.end(), 0.0), std::fill(big.begin(), big.end(), 0.0);
            for (int64_t j = 0; j < L; j++) {
                const uint8_t *r = row(vc, j, kvh);
                const double p = s[j];
                for (int i = 0; i < c.hd; i++) {
                    const double v = elem(r, i), pv = p * v;
                    ref[i] += pv, mag[i] += std::fabs(pv), sq[i] += pv * pv, big[i] = std::max(big[i], std::fabs(pv));
                    if (!grouped) emu[i] += pv;
                }
                if (grouped)
                    for (int b = 0; b < c.hd / g; b++) {
                        const uint8_t *blk = r + b * bb;
                        const double w = lb_kv_value_weight((float)p, blk);
                        for (int i = 0; i < g; i++) emu[b * g + i] += w * (lb_get_code(blk + 3, bits, i) - lb_block_zero(blk));
                    }
            }
            for (int i = 0; i < c.hd; i++) {
                const double m = mag[i] / sum, flip = grouped ? 4 * std::ldexp(std::sqrt(sq[i]) / sum, -8) : 0.0;
                ec.add(o + i, gpu[o + i], cpu[o + i], ref[i] / sum, 1e-4 * m + flip + 1e-7);
                ee.add(o + i, gpu[o + i], emu[i] / sum, ref[i] / sum, 2e-5 * m + (grouped ? std::ldexp(big[i] / sum, -7) : 0.0) + 1e-7);
            }
        }
    char name[128];
    std::snprintf(name, sizeof name, "attn %s g%d nh %d/%d hd %d bs %d pos0 %lld nq %lld", fmt_name(c.fmt), grouped ? c.group : 0,
                  c.nh, c.nkv, c.hd, c.bs, (long long)c.pos0, (long long)c.nq);
    std::string d = ec.str("cpu") + " | " + ee.str("emul");
    const bool ok = ec.worst <= 1 && ee.worst <= 1;
    if (!ok) {
        const int64_t at = ec.worst > 1 ? ec.at : ee.at;
        d += " | worst at t " + std::to_string(at / (c.nh * c.hd)) + " h " + std::to_string(at / c.hd % c.nh) + " d " +
             std::to_string(at % c.hd) + ": gpu " + num(gpu[at]) + " cpu " + num(cpu[at]);
    }
    report(ok, name, d);
}

void test_attention(bool small) {
    // {fmt, group, n_head, n_kv_head, head_dim, block_size, pos0, nq}; group > head_dim means one group per row
    const std::vector<AttnCase> big = {
        {0, 64, 14, 2, 64, 16, 1500, 1},    // Qwen2.5-0.5B heads, decode
        {0, 128, 12, 2, 128, 256, 5000, 1}, // R1-Distill-Qwen-1.5B heads, decode
        {0, 32, 12, 2, 128, 16, 1537, 1},   // four groups per row
        {0, 128, 14, 2, 64, 256, 4999, 1},  // group > head_dim
        {0, 64, 14, 2, 64, 16, 300, 5},     // prefill continuing a sequence (causal within the chunk)
        {0, 128, 12, 2, 128, 32, 2000, 5},
        {0, 64, 14, 2, 64, 16, 0, 5},       // prefill from empty
        {0, 32, 4, 2, 64, 16, 0, 1},        // first token: one key
    };
    const std::vector<AttnCase> little = {
        {0, 32, 4, 2, 64, 16, 40, 1},
        {0, 128, 4, 1, 128, 8, 20, 5},
        {0, 64, 14, 2, 64, 16, 300, 1},
    };
    unsigned seed = 300;
    for (int fmt : {LB_F16, LB_KV8, LB_KV4, LB_KV3})
        for (AttnCase c : small ? little : big) {
            c.fmt = fmt;
            attention_case(c, seed);
            seed += 10;
        }
}

// ---- argument errors: rejected before any launch, nothing left pending ----
void test_bad_args() {
    DevBuf w(1 << 16), x(1 << 12), y(1 << 12), table(64);
    CUDA_OK(cudaMemset(table.p, 0, table.bytes));
    const float *xf = (const float *)x.p;
    float *yf = (float *)y.p;
    struct Case { const char *what; int32_t got, want; };
    const Case cases[] = {
        {"wg: ggml format", lbc_matmul_wg(LB_Q4_0, 128, w.p, 2, 128, xf, 1, yf, g_stream), LB_ERR_FORMAT},
        {"wg: bf16 format", lbc_matmul_wg(LB_BF16, 128, w.p, 2, 128, xf, 1, yf, g_stream), LB_ERR_FORMAT},
        {"wg: kv format", lbc_matmul_wg(LB_KV4, 128, w.p, 2, 128, xf, 1, yf, g_stream), LB_ERR_FORMAT},
        {"wg: group 12 (not a multiple of 8)", lbc_matmul_wg(LB_W4G, 12, w.p, 2, 96, xf, 1, yf, g_stream), LB_ERR_ARG},
        {"wg: cols % group", lbc_matmul_wg(LB_W4G, 48, w.p, 2, 64, xf, 1, yf, g_stream), LB_ERR_ARG},
        {"wg: group 0", lbc_matmul_wg(LB_W3G, 0, w.p, 2, 64, xf, 1, yf, g_stream), LB_ERR_ARG},
        {"wg: ntok 0", lbc_matmul_wg(LB_W4G, 32, w.p, 2, 64, xf, 0, yf, g_stream), LB_ERR_ARG},
        {"wg: null x", lbc_matmul_wg(LB_W2G, 32, w.p, 2, 64, nullptr, 1, yf, g_stream), LB_ERR_ARG},
        {"bf16: rows 0", lbc_matmul_bf16(w.p, 0, 64, xf, 1, yf, g_stream), LB_ERR_ARG},
        {"bf16: null w", lbc_matmul_bf16(nullptr, 2, 64, xf, 1, yf, g_stream), LB_ERR_ARG},
        {"attn: ggml format", lbc_attention(LB_Q4_0, 32, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_FORMAT},
        {"attn: weight format", lbc_attention(LB_W4G, 32, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_FORMAT},
        {"attn: f32 cache (CPU only)", lbc_attention(LB_F32, 0, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_FORMAT},
        {"attn: kv4 group 12", lbc_attention(LB_KV4, 12, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_ARG},
        {"attn: kv8 group 0", lbc_attention(LB_KV8, 0, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_ARG},
        {"attn: n_head % n_kv_head", lbc_attention(LB_KV8, 32, w.p, w.p, (const int32_t *)table.p, 16, xf, 1, 0, 3, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_ARG},
        {"attn: nq 0", lbc_attention(LB_F16, 0, w.p, w.p, (const int32_t *)table.p, 16, xf, 0, 0, 4, 2, 64, 0.1f, yf, g_stream), LB_ERR_ARG},
        {"attn: block size 0", lbc_attention(LB_F16, 0, w.p, w.p, (const int32_t *)table.p, 0, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream),
         LB_ERR_ARG},
        {"attn: null table", lbc_attention(LB_KV4, 64, w.p, w.p, nullptr, 16, xf, 1, 0, 4, 2, 64, 0.1f, yf, g_stream), LB_ERR_ARG},
    };
    int bad = 0;
    for (const Case &c : cases)
        if (c.got != c.want) {
            bad++;
            std::printf("     %s: returned %d, expected %d\n", c.what, c.got, c.want);
        }
    CUDA_OK(cudaStreamSynchronize(g_stream));
    const cudaError_t pending = cudaGetLastError();
    char d[96];
    std::snprintf(d, sizeof d, "%d calls, %d wrong status; pending CUDA error: %s", (int)(sizeof cases / sizeof cases[0]), bad,
                  cudaGetErrorString(pending));
    report(bad == 0 && pending == cudaSuccess, "argument errors", d);
}
}  // namespace

int main(int argc, char **argv) {
    bool small = false;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--small")) small = true;
        else {
            std::fprintf(stderr, "usage: %s [--small]\n", argv[0]);
            return 2;
        }
    }
    if (!cuda_device_present()) return 77;
    cudaDeviceProp prop;
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device 0: %s, sm_%d%d, %d SMs, %.1f GiB; CPU reference: %s, %d threads%s\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0, isa_name(lb_isa_supported()), lb_threads_get(),
                small ? "; --small" : "");
    CUDA_OK(cudaStreamCreate(&g_stream));
    test_bad_args();
    test_matmul_wg(small);
    test_matmul_bf16(small);
    test_attention(small);
    CUDA_OK(cudaStreamDestroy(g_stream));
    if (g_failures) {
        std::printf("test_cuda: %d FAILED\n", g_failures);
        return 1;
    }
    std::printf("test_cuda: all passed\n");
    return 0;
}
