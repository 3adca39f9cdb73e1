package dev.lowbit.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated token ids into text as they arrive. A character whose UTF-8 bytes are split over
 * several tokens (byte-fallback or byte-level BPE) is held back until it is complete. Not thread-safe.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    StreamDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** adds one token; returns the text completed by it (possibly empty) */
    public String push(int id) {
        if (!renderSpecial && tokenizer.isControl(id)) return "";
        pending.writeBytes(tokenizer.pieceBytes(id));
        byte[] b = pending.toByteArray();
        int keep = incompleteTail(b);
        String out = new String(b, 0, b.length - keep, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(b, b.length - keep, keep);
        return out;
    }

    /** returns what is held back (an incomplete character comes out as U+FFFD) and resets */
    public String flush() {
        String out = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return out;
    }

    /** number of trailing bytes that start a UTF-8 sequence that more bytes could still complete */
    static int incompleteTail(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: look further back
            int need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
            return need > back ? back : 0;
        }
        return 0;
    }
}
