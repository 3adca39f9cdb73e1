// lb_hadamard: in-place orthonormal Walsh-Hadamard transform per row, n = 2^k * m.
// m = 1 (Sylvester) or an m x m Hadamard matrix built here:
//  - Paley I  (m = q+1, q prime, q = 3 mod 4), made symmetric: with chi the quadratic character
//    of GF(q), H[0][0] = -1, H[0][y] = H[y][0] = 1, H[x][y] = (x+y == 0) ? 1 : -chi(x+y).
//    (This is (I+S) R D of the classic skew construction, R: y -> -y, D: negate column 0.)
//  - Paley II (m = 2(q+1), q prime, q = 1 mod 4): symmetric conference matrix C of order q+1,
//    entry 0 -> [[1,-1],[-1,-1]], entry c -> c*[[1,1],[1,-1]].
// Every matrix used is symmetric, so the normalised transform is its own inverse.
// m is chosen as the smallest order o*2^j (o = odd part of n) with one of these constructions,
// e.g. 12, 20, 28 (Paley II, q=13), 44, 76 (q=37, for 4864 = 64*76); other n -> LB_ERR_ARG.
// Every built matrix is checked (H H^T = m I) before first use.
#include "dispatch.h"
#include "hadamard_impl.h"
#include "lowbit/lowbit.h"
#include "ops_internal.h"
#include <map>
#include <memory>
#include <mutex>

namespace {
constexpr int kMaxM = 1024;

bool is_prime(int q) {
    if (q < 2) return false;
    for (int d = 2; d * d <= q; d++)
        if (q % d == 0) return false;
    return true;
}

std::vector<int> quadratic_character(int q) {
    std::vector<int> chi(q, -1);
    chi[0] = 0;
    for (int a = 1; a < q; a++) chi[(int64_t)a * a % q] = 1;
    return chi;
}

std::vector<float> paley1(int q) {
    const int m = q + 1;
    const auto chi = quadratic_character(q);
    std::vector<float> h((size_t)m * m);
    h[0] = -1.f;
    for (int y = 0; y < q; y++) h[y + 1] = h[(size_t)(y + 1) * m] = 1.f;
    for (int x = 0; x < q; x++)
        for (int y = 0; y < q; y++) h[(size_t)(x + 1) * m + y + 1] = (x + y) % q == 0 ? 1.f : (float)-chi[(x + y) % q];
    return h;
}

std::vector<float> paley2(int q) {
    const int c = q + 1, m = 2 * c;
    const auto chi = quadratic_character(q);
    auto conf = [&](int a, int b) -> int {  // symmetric conference matrix of order q+1
        if (a == b) return 0;
        if (a == 0 || b == 0) return 1;
        return chi[((b - a) % q + q) % q];
    };
    std::vector<float> h((size_t)m * m);
    for (int a = 0; a < c; a++)
        for (int b = 0; b < c; b++) {
            const int e = conf(a, b);
            const float blk[4] = {e == 0 ? 1.f : (float)e, e == 0 ? -1.f : (float)e, e == 0 ? -1.f : (float)e,
                                  e == 0 ? -1.f : (float)-e};
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) h[(size_t)(2 * a + i) * m + 2 * b + j] = blk[2 * i + j];
        }
    return h;
}

bool is_hadamard(const std::vector<float> &h, int m) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            float d = 0.f;
            for (int k = 0; k < m; k++) d += h[(size_t)i * m + k] * h[(size_t)j * m + k];
            if (d != (i == j ? (float)m : 0.f)) return false;
            if (h[(size_t)i * m + j] != h[(size_t)j * m + i]) return false;
        }
    return true;
}

std::vector<float> build(int m) {
    if (m % 4 != 0) return {};
    if (is_prime(m - 1) && (m - 1) % 4 == 3) return paley1(m - 1);
    if (m % 2 == 0 && is_prime(m / 2 - 1) && (m / 2 - 1) % 4 == 1) return paley2(m / 2 - 1);
    return {};
}

// H_m for n (nullptr + m = 1 for powers of two); nullptr + m = 0 if unsupported
const float *matrix_for(int64_t n, int *m_out) {
    int64_t odd = n;
    while (odd % 2 == 0) odd /= 2;
    if (odd == 1) {
        *m_out = 1;
        return nullptr;
    }
    static std::mutex mu;
    static std::map<int, std::unique_ptr<std::vector<float>>> cache;  // m -> H_m (never freed: few entries)
    std::lock_guard<std::mutex> lock(mu);
    for (int64_t m = odd; m <= kMaxM && n % m == 0; m *= 2) {
        auto it = cache.find((int)m);
        if (it != cache.end()) {
            *m_out = (int)m;
            return it->second->data();
        }
        auto h = build((int)m);
        if (!h.empty() && is_hadamard(h, (int)m)) {
            auto &slot = cache[(int)m];
            slot.reset(new std::vector<float>(std::move(h)));
            *m_out = (int)m;
            return slot->data();
        }
    }
    *m_out = 0;
    return nullptr;
}
}  // namespace

extern "C" int32_t lb_hadamard(float *x, int64_t rows, int64_t n) {
    if (!x || rows <= 0 || n <= 0) return LB_ERR_ARG;
    int m = 0;
    const float *hm = matrix_for(n, &m);
    if (m == 0) return LB_ERR_ARG;
#if LB_X86
    if (lb_isa_current() >= LB_ISA_AVX512) {
        hadamard_rows_avx512(x, rows, n, m, hm);
        return LB_OK;
    }
#endif
    hadamard_rows_impl(x, rows, n, m, hm);
    return LB_OK;
}
