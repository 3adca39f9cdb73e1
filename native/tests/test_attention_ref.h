// Shared by the attention ctests (test_attention_kv over per-token caches, test_kv_static over
// static-K caches): a shuffled block table, and naive causal grouped-query softmax attention in
// double precision as the reference.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

// a block table of n blocks in shuffled order (pages of a sequence scattered through the pool)
inline std::vector<int32_t> shuffled_blocks(int64_t n, std::mt19937 &rng) {
    std::vector<int32_t> t(n);
    for (int64_t i = 0; i < n; i++) t[i] = (int32_t)i;
    std::shuffle(t.begin(), t.end(), rng);
    return t;
}

// q: [nq][nh][hd] (each element passed through qmap first: the engine's query rounding, or none);
// kd, vd: dequantised keys / values [pos][nkv][hd] for positions 0 .. pos0 + nq - 1.
// out[(t * nh + h) * hd + i]; when given, wabs[same] = sum_j p_j |v_ji| (p normalised) and
// wmax[t * nh + h] = max_j p_j
template <class K, class Q>
void ref_attention(const float *q, const K *kd, const float *vd, int64_t nq, int64_t pos0, int nh, int nkv, int hd,
                   double scale, Q qmap, std::vector<double> &out, std::vector<double> *wabs = nullptr,
                   std::vector<double> *wmax = nullptr) {
    out.assign(nq * nh * hd, 0.0);
    if (wabs) wabs->assign(out.size(), 0.0);
    if (wmax) wmax->assign(nq * nh, 0.0);
    for (int64_t t = 0; t < nq; t++)
        for (int h = 0; h < nh; h++) {
            const int kvh = h / (nh / nkv);
            const int64_t L = pos0 + t + 1, o = (t * nh + h) * hd;
            std::vector<double> s(L);
            double mx = -1e300, sum = 0;
            for (int64_t j = 0; j < L; j++) {
                double d = 0;
                for (int i = 0; i < hd; i++) d += (double)qmap(q[o + i]) * kd[(j * nkv + kvh) * hd + i];
                s[j] = d * scale;
                mx = std::max(mx, s[j]);
            }
            for (int64_t j = 0; j < L; j++) sum += (s[j] = std::exp(s[j] - mx));
            for (int64_t j = 0; j < L; j++) {
                const float *vr = &vd[(j * nkv + kvh) * hd];
                const double w = s[j] / sum;
                if (wmax) (*wmax)[t * nh + h] = std::max((*wmax)[t * nh + h], w);
                for (int i = 0; i < hd; i++) {
                    out[o + i] += w * vr[i];
                    if (wabs) (*wabs)[o + i] += w * std::fabs(vr[i]);
                }
            }
        }
}
