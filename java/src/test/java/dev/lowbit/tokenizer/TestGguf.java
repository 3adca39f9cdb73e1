package dev.lowbit.tokenizer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Minimal GGUF metadata reader for the tokenizer tests only (the engine's reader is dev.lowbit.gguf):
 * reads the key/value section of small vocabulary files into a map.
 */
final class TestGguf implements Vocabulary.Metadata {
    private final Map<String, Object> kv = new HashMap<>();

    TestGguf(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) throw new IOException("not a GGUF file: " + path);
        int version = b.getInt();
        if (version < 2) throw new IOException("GGUF version " + version);
        b.getLong(); // tensor count
        long n = b.getLong();
        for (long i = 0; i < n; i++) {
            String key = str(b);
            kv.put(key, value(b, b.getInt()));
        }
    }

    private static String str(ByteBuffer b) {
        int len = (int) b.getLong();
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) throws IOException {
        switch (type) {
            case 0: return (long) (b.get() & 0xFF);
            case 1: return (long) b.get();
            case 2: return (long) (b.getShort() & 0xFFFF);
            case 3: return (long) b.getShort();
            case 4: return b.getInt() & 0xFFFFFFFFL;
            case 5: return (long) b.getInt();
            case 6: return (double) b.getFloat();
            case 7: return b.get() != 0;
            case 8: return str(b);
            case 10: case 11: return b.getLong();
            case 12: return b.getDouble();
            case 9: {
                int et = b.getInt();
                int cnt = (int) b.getLong();
                if (et == 8) {
                    String[] a = new String[cnt];
                    for (int i = 0; i < cnt; i++) a[i] = str(b);
                    return a;
                }
                if (et == 6) {
                    float[] a = new float[cnt];
                    for (int i = 0; i < cnt; i++) a[i] = b.getFloat();
                    return a;
                }
                int[] a = new int[cnt];
                for (int i = 0; i < cnt; i++) a[i] = ((Number) value(b, et)).intValue();
                return a;
            }
            default: throw new IOException("GGUF value type " + type);
        }
    }

    @Override public String getString(String key) { return kv.get(key) instanceof String s ? s : null; }
    @Override public String[] getStringArray(String key) { return kv.get(key) instanceof String[] a ? a : null; }
    @Override public float[] getFloatArray(String key) { return kv.get(key) instanceof float[] a ? a : null; }
    @Override public int[] getIntArray(String key) { return kv.get(key) instanceof int[] a ? a : null; }
    @Override public int getId(String key) { return kv.get(key) instanceof Long l ? (int) (long) l : -1; }
    @Override public boolean getBool(String key, boolean dflt) { return kv.get(key) instanceof Boolean v ? v : dflt; }

    Map<String, Object> raw() { return kv; }
}
