package dev.lowbit.quant;

import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GGUF files {@code lowbit quantize --format TYPE} writes: a standard GGUF whose
 * layer matrices are plain ggml tensors of that type (llama.cpp loads and runs it as one of its
 * own), everything else the source model's tensors unchanged (token_embd and a tied or separate
 * output.weight keep their source type). The method, calibration and format are recorded under
 * {@code lowbit.quant.*} (llama.cpp ignores keys it does not know); no plan is recorded, so lowbit
 * loads the file as any GGUF of that type.
 */
public final class NativeTypeGguf {
    public static final String FORMAT = "lowbit.quant.format";

    private NativeTypeGguf() {}

    /**
     * The llama.cpp types such a file can hold, each with llama.cpp's general.file_type of a model
     * whose every layer matrix has it (the K-quants' "_S" types: Q3_K_S, Q4_K_S, Q5_K_S)
     */
    private static final Map<Format, Integer> FILE_TYPES = new LinkedHashMap<>();
    static {
        FILE_TYPES.put(Format.Q4_0, 2);
        FILE_TYPES.put(Format.Q4_1, 3);
        FILE_TYPES.put(Format.Q5_0, 8);
        FILE_TYPES.put(Format.Q5_1, 9);
        FILE_TYPES.put(Format.Q8_0, 7);
        FILE_TYPES.put(Format.Q2_K, 10);
        FILE_TYPES.put(Format.Q3_K, 11);
        FILE_TYPES.put(Format.Q4_K, 14);
        FILE_TYPES.put(Format.Q5_K, 16);
        FILE_TYPES.put(Format.Q6_K, 18);
    }

    /** the types {@code --format} takes, lower case as llama.cpp names them */
    public static List<String> typeNames() {
        return FILE_TYPES.keySet().stream().map(NativeTypeGguf::typeName).toList();
    }

    public static String typeName(Format f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    /** the type named (q4_0 ... q6_k), refused in one line naming the others */
    public static Format type(String name) {
        for (Format f : FILE_TYPES.keySet()) if (typeName(f).equals(name.toLowerCase(Locale.ROOT))) return f;
        throw new IllegalArgumentException("--format " + name + " is not one of " + String.join(", ", typeNames()));
    }

    /** f itself when such a file can hold it, else the one-line refusal of {@link #type} */
    public static Format require(Format f) {
        return FILE_TYPES.containsKey(f) ? f : type(typeName(f));
    }

    /**
     * The type a matrix of {@code cols} inputs gets when f is asked for: f where its blocks fit the row,
     * else llama-quantize's fallback for a K-quant (q4_k -> q5_0, q5_k -> q5_1, q6_k -> q8_0; q2_k and
     * q3_k -> q4_0, where llama.cpp takes iq4_nl, a type lowbit has no kernels for). A row that neither
     * fits is refused in one line naming the matrix.
     */
    public static Format typeFor(Format f, int cols, String name) {
        if (cols % f.block() == 0) return f;
        Format fb = switch (f) {
            case Q2_K, Q3_K -> Format.Q4_0;
            case Q4_K -> Format.Q5_0;
            case Q5_K -> Format.Q5_1;
            case Q6_K -> Format.Q8_0;
            default -> null;
        };
        if (fb == null || cols % fb.block() != 0)
            throw new IllegalArgumentException(name + " has " + cols + " inputs, not a whole number of " + f + " blocks of " + f.block()
                    + (fb == null ? "" : " nor of its fallback " + fb + "'s " + fb.block()));
        return fb;
    }

    /** llama.cpp's general.file_type of a model mostly in this type */
    static int fileType(Format f) {
        Integer t = FILE_TYPES.get(f);
        if (t == null) throw new IllegalArgumentException("no GGUF file type for " + f);
        return t;
    }

    /**
     * writes src with each matrix of r.packed() (ggml blocks, unpadded) as a tensor of its type and the source's
     * shape: format, or the fallback {@link #typeFor} gives its row length; r.floats() may replace the source's
     * F32 vectors (norm weights, biases a method folded scales into), written as F32 of the same shape
     */
    public static void write(GgufFile src, Replacements r, Format format, QuantizedGguf.Provenance p, Path out)
            throws IOException, GgufFormatException {
        GgufWriter w = new GgufWriter().putAll(src);
        w.putU32("general.file_type", fileType(format)).putString(FORMAT, typeName(format))
                .putString(QuantizedGguf.METHOD, p.method()).putString(QuantizedGguf.SETTINGS, p.settings())
                .putString(QuantizedGguf.CALIBRATION, p.calibration()).putU32(QuantizedGguf.SAMPLES, p.samples())
                .putU32(QuantizedGguf.SEQUENCE_LENGTH, p.sequenceLength()).putU64(QuantizedGguf.SEED, p.seed());
        int used = 0;
        for (GgufTensor t : src.tensors()) {
            float[] v = r.floats().get(t.name());
            if (v != null) {
                if (t.type() != GgmlType.F32 || t.dims().length != 1 || t.dims()[0] != v.length)
                    throw new IllegalArgumentException(t.name() + ": only an F32 vector can be replaced by " + v.length + " F32 values");
                w.addTensor(t.name(), GgmlType.F32, t.dims(), QuantizedGguf.floatBytes(v));
                used++;
                continue;
            }
            PackedMatrix m = r.packed().get(t.name());
            if (m == null) {
                w.addTensor(t.name(), t.type(), t.dims(), t.data());
                continue;
            }
            if (m.format() != typeFor(format, m.cols(), t.name()) || m.paddedCols() != m.cols() || t.dims().length != 2 || t.dims()[0] != m.cols()
                    || t.dims()[1] != m.rows())
                throw new IllegalArgumentException(t.name() + ": a " + m.format() + " " + m.rows() + "x" + m.cols() + " matrix cannot replace it as " + format);
            w.addTensor(t.name(), GgmlType.fromId(m.format().id), t.dims(), ByteBuffer.wrap(m.data()));
            used++;
        }
        if (used != r.packed().size() + r.floats().size()) throw new IllegalArgumentException("replacements name tensors " + src.path().getFileName() + " does not have");
        w.write(out);
    }
}
