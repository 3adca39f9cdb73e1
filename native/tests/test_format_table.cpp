// The format table: every row reachable by id, row bytes as each format's layout says (the rules
// written out here independently of the table), and the entry points honour each row's uses.
#include "test_util.h"
#include <cstring>
#include <set>
#include <string>

// bytes of a row as the layouts in lowbit/format.h describe them, -1 if cols / group do not fit
static int64_t expected_row_bytes(int32_t fmt, int32_t group, int64_t cols) {
    if (cols <= 0) return -1;
    switch (fmt) {
        case LB_F32: return 4 * cols;
        case LB_F16: case LB_BF16: return 2 * cols;
        case LB_Q4_0: return cols % 32 ? -1 : cols / 32 * 18;
        case LB_Q4_1: return cols % 32 ? -1 : cols / 32 * 20;
        case LB_Q5_0: return cols % 32 ? -1 : cols / 32 * 22;
        case LB_Q5_1: return cols % 32 ? -1 : cols / 32 * 24;
        case LB_Q8_0: return cols % 32 ? -1 : cols / 32 * 34;
        case LB_Q2_K: return cols % 256 ? -1 : cols / 256 * 84;
        case LB_Q3_K: return cols % 256 ? -1 : cols / 256 * 110;
        case LB_Q4_K: return cols % 256 ? -1 : cols / 256 * 144;
        case LB_Q5_K: return cols % 256 ? -1 : cols / 256 * 176;
        case LB_Q6_K: return cols % 256 ? -1 : cols / 256 * 210;
        case LB_W4G: case LB_W3G: case LB_W2G: case LB_KV8: case LB_KV4: case LB_KV3: {
            const int bits = fmt == LB_W4G || fmt == LB_KV4 ? 4 : fmt == LB_W3G || fmt == LB_KV3 ? 3 : fmt == LB_W2G ? 2 : 8;
            if (group <= 0 || group % 8 || cols % group) return -1;
            return cols / group * (3 + group * bits / 8);
        }
        case LB_BF16X16: return cols % 2 ? -1 : 2 * cols;
        case LB_I8CH: case LB_I8CHA: return 4 + cols;
        case LB_I4CH: case LB_I4CHA: return cols % 2 ? -1 : 4 + cols / 2;
        case LB_MXFP4: return cols % 32 ? -1 : cols / 32 * 17;  // {E8M0 byte; 16 bytes of nibbles}
        case LB_KVS8: return cols % 8 ? -1 : cols;
        case LB_KVS4: return cols % 8 ? -1 : cols / 2;
        case LB_KVS3: return cols % 8 ? -1 : cols * 3 / 8;
        default: return -2;  // a format this test does not know
    }
}

int main() {
    std::set<int> ids;
    std::set<std::string> names;
    int n = 0;
    for (const lb_format_info *f; (f = lb_format_at(n)); n++) {
        CHECK(lb_format_get(f->id) == f, "id %d: lb_format_get disagrees with lb_format_at", f->id);
        CHECK(ids.insert(f->id).second && names.insert(f->name).second, "id %d / %s twice", f->id, f->name);
        CHECK(f->bits > 0 && f->row_block >= 1 && f->uses != 0, "%s: bits / row_block / uses", f->name);
        CHECK((f->block == 0) == (f->block_bytes == 0), "%s: block and block_bytes", f->name);
        for (int64_t cols : {1, 2, 8, 16, 24, 32, 64, 96, 128, 256, 384, 896, 4864, 151936})
            for (int32_t group : {0, 8, 12, 32, 64, 128, 256})
                CHECK(lb_row_bytes(f->id, group, cols) == expected_row_bytes(f->id, group, cols),
                      "%s group %d cols %lld: %lld, expected %lld", f->name, group, (long long)cols,
                      (long long)lb_row_bytes(f->id, group, cols), (long long)expected_row_bytes(f->id, group, cols));
        CHECK(lb_row_bytes(f->id, 32, 0) == -1 && lb_row_bytes(f->id, 32, -32) == -1, "%s: cols <= 0", f->name);
    }
    CHECK(n == 28, "%d formats in the table (this test knows 28)", n);
    CHECK(!lb_format_get(-1) && !lb_format_get(4) && !lb_format_get(99) && !lb_format_get(127) && !lb_format_get(1 << 20) &&
          !lb_format_at(-1), "unknown ids");
    CHECK(lb_row_bytes(4, 0, 32) == -1, "unknown id row bytes");

    // uses: lb_matmul takes exactly the weight formats, lb_quantize all but the static-K formats
    std::vector<float> x(256 * 4, 0.5f), y(256 * 4);
    std::vector<uint8_t> w(1 << 16);
    for (int i = 0; (i < n); i++) {
        const lb_format_info *f = lb_format_at(i);
        const int32_t group = f->block == 0 ? 32 : 0;
        const int32_t q = lb_quantize(f->id, group, x.data(), w.data(), 4, 256);
        CHECK(q == ((f->uses & LB_USE_K_STATIC) ? LB_ERR_FORMAT : LB_OK), "%s: lb_quantize %d", f->name, q);
        const int32_t m = lb_matmul(f->id, group, w.data(), 4, 256, x.data(), 1, y.data());
        CHECK(m == ((f->uses & LB_USE_WEIGHT) ? LB_OK : LB_ERR_FORMAT), "%s: lb_matmul %d", f->name, m);
        CHECK(((f->uses & LB_USE_KV) != 0) == (f->id == LB_F32 || f->id == LB_F16 || f->id == LB_KV8 || f->id == LB_KV4 ||
                                                f->id == LB_KV3 || f->id == LB_MXFP4), "%s: KV use", f->name);
        CHECK((f->row_block == 16) == (f->id == LB_BF16X16), "%s: row block", f->name);
    }
    return finish("test_format_table");
}
