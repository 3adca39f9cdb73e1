package dev.lowbit.quant;

import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

/**
 * The GGUF files {@code lowbit quantize} writes. A matrix in a lowbit format (W4G, I8CH, ...) is
 * stored as an I8 tensor of its packed rows, shape [row bytes, rows], with its layout under
 * {@code lowbit.packed.<tensor>} (format id, group, columns, padded columns); the plan, method and
 * calibration are recorded under {@code lowbit.quant.*}. A tensor a method changed without packing
 * it (a norm weight AWQ folded its scales into) is stored as F32. Everything else is the source
 * model's, unchanged. Loading such a file keeps its packed matrices as they are; the recorded plan supplies
 * what it decides at run time (head format, activation and KV formats).
 */
public final class QuantizedGguf {
    public static final String PLAN = "lowbit.quant.plan";
    public static final String METHOD = "lowbit.quant.method";
    public static final String SETTINGS = "lowbit.quant.settings";
    public static final String CALIBRATION = "lowbit.quant.calibration";
    public static final String SAMPLES = "lowbit.quant.samples";
    public static final String SEQUENCE_LENGTH = "lowbit.quant.sequence_length";
    public static final String SEED = "lowbit.quant.seed";
    private static final String PACKED = "lowbit.packed.";

    private QuantizedGguf() {}

    /** what a quantization run records beside the weights */
    public record Provenance(String plan, String method, String settings, String calibration, int samples, int sequenceLength,
                             long seed) {}

    /** how a packed matrix's rows are laid out */
    public record Layout(Format format, int group, int cols, int paddedCols) {}

    /** the layout of a matrix this file stores packed, or null when it stores it in a GGUF type */
    public static Layout layout(GgufFile f, GgufTensor t) throws GgufFormatException {
        String key = PACKED + t.name();
        if (!f.has(key)) return null;
        int[] v = f.getIntArray(key);
        if (v.length != 4) throw new GgufFormatException(key + " has " + v.length + " values, expected 4 (format, group, cols, padded cols)");
        Format fmt;
        try {
            fmt = Format.fromId(v[0]);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(key + ": unknown lowbit format id " + v[0]);
        }
        long[] dims = t.dims();
        if (t.type() != GgmlType.I8 || dims.length != 2 || v[2] < 1 || v[3] < v[2])
            throw new GgufFormatException("packed tensor " + t.name() + " is not an I8 [row bytes, rows] tensor with a valid layout");
        long rb = fmt.rowBytes(v[1], v[3]);
        if (rb < 0 || dims[0] != rb || dims[1] > Integer.MAX_VALUE)
            throw new GgufFormatException("packed tensor " + t.name() + ": rows of " + dims[0] + " bytes do not hold " + v[3] + " " + fmt
                    + " weights (group " + v[1] + ")");
        return new Layout(fmt, v[1], v[2], v[3]);
    }

    /** the plan recorded in a quantized file, or null for any other GGUF */
    public static QuantPlan recordedPlan(GgufFile f) {
        if (!f.has(PLAN)) return null;
        return QuantPlan.parse(f.getString(PLAN)).withMethod(f.getString(METHOD, "rtn"));
    }

    /**
     * The plan a model runs under: the user's, or for a quantized file its recorded plan plus what
     * the user adds at run time (KV cache, head); its weights cannot be quantized a second time.
     */
    public static QuantPlan effectivePlan(GgufFile f, QuantPlan user) {
        QuantPlan recorded = recordedPlan(f);
        if (recorded == null) return user;
        if (user.weights() != null || !user.overrides().isEmpty())
            throw new IllegalArgumentException(f.path().getFileName() + " is already quantized (plan " + recorded.name() + ", method "
                    + recorded.method() + "): --quant may only add run-time parts such as kv8, kv4 or head16");
        if (java.util.Set.of("w16", "f16", "bf16").contains(user.name())) return recorded;
        return QuantPlan.parse(recorded.name() + "+" + user.name()).withMethod(recorded.method());
    }

    /**
     * writes src with the replaced tensors: packed matrices as I8 [row bytes, rows] tensors with their
     * layout, F32 replacements as F32 tensors of the source's shape; and the provenance
     */
    public static void write(GgufFile src, Replacements r, Provenance p, Path out) throws IOException {
        GgufWriter w = new GgufWriter().putAll(src);
        w.putString(PLAN, p.plan()).putString(METHOD, p.method()).putString(SETTINGS, p.settings())
                .putString(CALIBRATION, p.calibration()).putU32(SAMPLES, p.samples()).putU32(SEQUENCE_LENGTH, p.sequenceLength())
                .putU64(SEED, p.seed());
        int used = 0;
        for (GgufTensor t : src.tensors()) {
            PackedMatrix m = r.packed().get(t.name());
            float[] v = r.floats().get(t.name());
            if (m != null) {
                long rb = m.format().rowBytes(m.group(), m.paddedCols());
                w.putIntArray(PACKED + t.name(), new int[] {m.format().id, m.group(), m.cols(), m.paddedCols()});
                w.addTensor(t.name(), GgmlType.I8, new long[] {rb, m.rows()}, ByteBuffer.wrap(m.data()));
                used++;
            } else if (v != null) {
                if (v.length != t.elements())
                    throw new IllegalArgumentException(t.name() + ": " + v.length + " values replace " + t.elements());
                w.addTensor(t.name(), GgmlType.F32, t.dims(), floatBytes(v));
                used++;
            } else {
                w.addTensor(t.name(), t.type(), t.dims(), t.data());
            }
        }
        if (used != r.packed().size() + r.floats().size())
            throw new IllegalArgumentException("replacements name tensors " + src.path().getFileName() + " does not have");
        for (var e : r.added().entrySet()) {
            if (src.tensor(e.getKey()) != null) throw new IllegalArgumentException(e.getKey() + " is added but the source has it");
            w.addTensor(e.getKey(), GgmlType.F32, e.getValue().dims(), floatBytes(e.getValue().values()));
        }
        w.write(out);
    }

    /** v as little-endian F32 tensor data */
    static ByteBuffer floatBytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }
}
