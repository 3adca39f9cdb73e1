package dev.lowbit.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reads of the GGUF header through a small buffer, with the absolute
 * file offset always known so that every error can say where it happened. Never reads past
 * the end of the file and never allocates more than the bytes that remain in it.
 */
final class HeaderReader {
    /** longest metadata string or tensor name accepted (a chat template or tokenizer json fits) */
    static final int MAX_STRING = 64 << 20;

    private final FileChannel ch;
    private final long fileSize;
    private final ByteBuffer buf;
    private long bufStart; // file offset of buf[0]

    HeaderReader(FileChannel ch, long fileSize) {
        this.ch = ch;
        this.fileSize = fileSize;
        this.buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        this.buf.limit(0);
    }

    long position() {
        return bufStart + buf.position();
    }

    long fileSize() {
        return fileSize;
    }

    long remaining() {
        return fileSize - position();
    }

    private void ensure(int n, String what) throws IOException {
        if (buf.remaining() < n) refill(n, "", what);
    }

    /**
     * Makes n (<= buffer capacity) bytes available or fails naming what was being read
     * (prefix + what: concatenated only on failure, as this runs once per array element).
     */
    private void refill(int n, String prefix, String what) throws IOException {
        if (remaining() < n) {
            throw new GgufFormatException("file ends at offset " + fileSize + " while reading " + prefix + what
                    + " at offset " + position() + " (" + n + " bytes needed, " + remaining() + " left)");
        }
        bufStart += buf.position();
        buf.compact();
        while (buf.position() < n) {
            int r = ch.read(buf, bufStart + buf.position());
            if (r < 0) throw new GgufFormatException("file shrank while reading " + prefix + what + " at offset " + position());
        }
        buf.flip();
    }

    byte u8(String what) throws IOException {
        ensure(1, what);
        return buf.get();
    }

    short u16(String what) throws IOException {
        ensure(2, what);
        return buf.getShort();
    }

    int u32(String what) throws IOException {
        ensure(4, what);
        return buf.getInt();
    }

    long u64(String what) throws IOException {
        ensure(8, what);
        return buf.getLong();
    }

    float f32(String what) throws IOException {
        ensure(4, what);
        return buf.getFloat();
    }

    double f64(String what) throws IOException {
        ensure(8, what);
        return buf.getDouble();
    }

    /** a u64 length followed by that many UTF-8 bytes (invalid sequences become U+FFFD) */
    String string(String what) throws IOException {
        long at = position();
        if (buf.remaining() < 8) refill(8, "length of ", what);
        long len = buf.getLong();
        if (len < 0 || len > remaining()) {
            throw new GgufFormatException("length " + Long.toUnsignedString(len) + " of " + what + " at offset " + at
                    + " exceeds the " + remaining() + " bytes left in the file");
        }
        if (len > MAX_STRING) {
            throw new GgufFormatException("length " + len + " of " + what + " at offset " + at + " exceeds the limit of " + MAX_STRING + " bytes");
        }
        int n = (int) len;
        if (n == 0) return "";
        if (n <= buf.capacity()) {
            ensure(n, what);
            String s = new String(buf.array(), buf.arrayOffset() + buf.position(), n, StandardCharsets.UTF_8);
            buf.position(buf.position() + n);
            return s;
        }
        byte[] bytes = new byte[n];
        int have = buf.remaining();
        buf.get(bytes, 0, have);
        ByteBuffer dst = ByteBuffer.wrap(bytes, have, n - have);
        long pos = position();
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) throw new GgufFormatException("file shrank while reading " + what + " at offset " + at);
            pos += r;
        }
        bufStart = pos;
        buf.clear().limit(0);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
