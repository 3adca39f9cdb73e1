package dev.lowbit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.model.kv.KvCache;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Java's view of the formats against the native format table: every native row has exactly one
 * Format constant of the same id and name (and no constant lacks a row), the GGUF block sizes of
 * GgmlType agree with the table for the ggml ids, and the KV cache takes exactly the table's KV formats.
 */
class FormatTableTest {
    private static final long[] WIDTHS = {1, 2, 6, 8, 16, 24, 32, 64, 96, 128, 160, 256, 384, 512, 896, 1536, 4864, 151936};

    @Test
    void everyNativeRowIsOneJavaFormat() throws GgufFormatException {
        Native.ensureLoaded();
        Set<Format> seen = new HashSet<>();
        for (int i = 0; ; i++) {
            LowbitNative.FormatInfo row = LowbitNative.lb_format_at(i);
            if (row == null || row.isNull()) break;
            Format f = Format.fromId(row.id());
            assertTrue(seen.add(f), "two native rows for " + f);
            assertEquals(f.name().toLowerCase(Locale.ROOT), row.name().getString(), "name of id " + row.id());
            assertEquals(row.bits(), f.bits, f + " bits");
            assertEquals(row.block() == 0, f.grouped(), f + " grouped");
            assertEquals(row.row_block(), f.rowBlock(), f + " row block");
            for (long cols : WIDTHS)
                for (int group : new int[] {0, 8, 32, 128})
                    assertEquals(LowbitNative.lb_row_bytes(f.id, group, cols), f.rowBytes(group, cols), f + " " + cols);
        }
        assertEquals(Set.of(Format.values()), seen, "Java formats without a native row");
        LowbitNative.FormatInfo none = LowbitNative.lb_format_get(99);
        assertTrue(none == null || none.isNull(), "id 99 is no format");
    }

    @Test
    void ggmlBlockSizesAgreeWithTheTable() throws GgufFormatException {
        int ggml = 0;
        for (Format f : Format.values()) {
            if (f.id >= 100) continue;  // the study's own formats: not GGUF types
            ggml++;
            GgmlType t = GgmlType.fromId(f.id);
            assertEquals(f.name(), t.name(), "GGUF type of id " + f.id);
            LowbitNative.FormatInfo row = LowbitNative.lb_format_get(f.id);
            assertEquals(row.block(), t.blockSize(), f + " block");
            assertEquals(row.block_bytes(), t.typeSize(), f + " block bytes");
            for (long cols : WIDTHS) {
                long rb = f.rowBytes(0, cols);
                if (rb < 0) assertThrows(IllegalArgumentException.class, () -> t.rowBytes(cols), f + " " + cols);
                else assertEquals(rb, t.rowBytes(cols), f + " " + cols);
            }
        }
        assertEquals(13, ggml, "ggml formats the engine computes");
    }

    @Test
    void kvCacheTakesExactlyTheTablesKvFormats() {
        for (Format f : Format.values()) {
            boolean accepted;
            try (KvCache kv = new KvCache(f, 32, 1, 1, 64, 16, 16, 1 << 20)) {
                accepted = true;
            } catch (IllegalArgumentException e) {
                accepted = false;
            }
            assertEquals(f.kvCache(), accepted, f + " as a KV cache format");
            boolean staticK;
            try (KvCache kv = new KvCache(new KvCache.Shape(Format.KV8, f, 32, 1, 1, 64, 16, 16), 1 << 20)) {
                staticK = true;
            } catch (IllegalArgumentException e) {
                staticK = false;
            }
            // a K cache may be any KV format (kv-k4v8, ...) or a static-K one
            assertEquals(f.staticK() || f.kvCache(), staticK, f + " as a K cache format beside KV8");
        }
        assertTrue(Format.F16.kvCache() && Format.F16.weight() && Format.KV4.kvCache() && !Format.KV4.weight());
        assertTrue(Format.KVS4.staticK() && !Format.KVS4.kvCache() && !Format.Q4_0.kvCache());
        assertFalse(Format.BF16.kvCache());
        assertNotNull(Format.fromId(103));
    }
}
