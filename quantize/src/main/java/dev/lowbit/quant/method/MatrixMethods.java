package dev.lowbit.quant.method;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;

/**
 * The weight quantization methods of {@code lowbit quantize} that take one matrix at a time (RTN,
 * GPTQ), and the packing the methods share. Rows whose length is not a whole number of groups are
 * zero-extended as the loader does (zero weights on inputs that do not exist, which GPTQ sees as
 * dead inputs).
 */
public final class MatrixMethods {
    private MatrixMethods() {}

    /** one matrix's method: its 16-bit weights [rows][cols] and the summed input products X^T X [cols][cols] (null without calibration) */
    interface MatrixMethod {
        PackedMatrix quantize(String name, float[] w, int rows, int cols, float[] xtx);
    }

    /** round to nearest: the bytes the loader itself would produce for the plan */
    public static LayerMethod rtn(QuantPlan plan) {
        return perMatrix((name, w, rows, cols, xtx) -> rtnMatrix(plan, w, rows, cols));
    }

    /** one matrix [rows][cols] rounded to nearest onto the plan's weight format */
    public static PackedMatrix rtnMatrix(QuantPlan plan, float[] w, int rows, int cols) {
        Format fmt = plan.weights();
        int group = QuantPlan.groupFor(fmt, plan.weightGroup(), cols);
        int padded = (int) QuantPlan.paddedCols(fmt, plan.weightGroup(), cols);
        return pack(fmt, group, rows, cols, padded, padRows(w, rows, cols, padded), null, null);
    }

    /** GPTQ onto the plan's grouped format (W4G/W3G/W2G) or per-channel format (I8CH, I8CHA, I4CH, I4CHA: one scale per row) */
    public static LayerMethod gptq(QuantPlan plan, Gptq.Settings settings) {
        Format fmt = plan.weights();
        if (fmt != null && Gptq.perChannel(fmt)) return perMatrix(channelGptq(fmt, settings));
        groupedFormat(plan, "GPTQ");
        return perMatrix((name, w, rows, cols, xtx) -> {
            if (xtx == null) throw new IllegalArgumentException("GPTQ needs calibration data");
            int group = QuantPlan.groupFor(fmt, plan.weightGroup(), cols);
            int padded = (int) QuantPlan.paddedCols(fmt, plan.weightGroup(), cols);
            Gptq.Result r = Gptq.quantize(padRows(w, rows, cols, padded), rows, padded, padSquare(xtx, cols, padded), fmt, group, settings);
            return pack(fmt, group, rows, cols, padded, r.weights(), r.scale(), r.zero());
        });
    }

    /**
     * round to nearest onto a GGUF-native type ({@link NativeTypeGguf#typeNames}; per matrix, its fallback where
     * the blocks do not fit the row, {@link NativeTypeGguf#typeFor}): llama.cpp's reference quantizer of that type, byte for byte
     */
    public static LayerMethod rtnGguf(Format fmt) {
        NativeTypeGguf.require(fmt);
        return perMatrix((name, w, rows, cols, xtx) -> pack(NativeTypeGguf.typeFor(fmt, cols, name), 0, rows, cols, cols, w, null, null));
    }

    /** GPTQ onto the block grids of a GGUF-native type ({@link GgufGrid#supports}; per matrix, its fallback as for RTN) */
    public static LayerMethod gptqGguf(Format fmt, Gptq.Settings settings) {
        if (!GgufGrid.supports(fmt))
            throw new IllegalArgumentException("GPTQ rounds onto " + GgufGrid.typeNames() + ", not " + NativeTypeGguf.typeName(fmt) + " (--method rtn writes it)");
        return perMatrix((name, w, rows, cols, xtx) -> {
            if (xtx == null) throw new IllegalArgumentException("GPTQ needs calibration data");
            Format t = NativeTypeGguf.typeFor(fmt, cols, name);
            Gptq.GgufResult r = Gptq.quantizeGguf(w, rows, cols, xtx, t, settings);
            return new PackedMatrix(t, 0, rows, cols, cols, r.grid().pack(r.weights()));
        });
    }

    /** GPTQ onto a per-channel format: the whole row is the group, the row's scale is chosen before its columns are rounded */
    static MatrixMethod channelGptq(Format fmt, Gptq.Settings settings) {
        return (name, w, rows, cols, xtx) -> {
            if (xtx == null) throw new IllegalArgumentException("GPTQ needs calibration data");
            Gptq.Result r = Gptq.quantize(w, rows, cols, xtx, fmt, cols, settings);
            return packChannels(fmt, rows, cols, r.weights(), r.scale());
        };
    }

    /**
     * rows of a per-channel format {f32 scale; codes} (native/cpu/study_quant.cpp's layout: int8 codes, or
     * int4 two's complement two per byte, low nibble first) from weights that lie on their row's grid
     */
    static PackedMatrix packChannels(Format fmt, int rows, int cols, float[] w, float[] scale) {
        if (!Gptq.perChannel(fmt)) throw new IllegalArgumentException(fmt + " is not a per-channel format");
        int q = Gptq.symmetricMax(fmt);
        int rb = Math.toIntExact(fmt.rowBytes(0, cols));
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(Math.toIntExact(fmt.matrixBytes(0, cols, rows))).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
            float s = scale[r];
            out.putFloat(r * rb, s);
            for (int c = 0; c < cols; c++) {
                int code = (int) Math.min(Math.max(Math.rint(w[r * cols + c] / s), -q), q);
                int at = r * rb + 4;
                if (fmt.bits == 4) out.put(at + c / 2, (byte) (out.get(at + c / 2) | (code & 0xf) << (c % 2 * 4)));
                else out.put(at + c, (byte) code);
            }
        }
        return new PackedMatrix(fmt, 0, rows, cols, cols, out.array());
    }

    /** the plan's weight format, which must be a grouped weight-only one */
    static Format groupedFormat(QuantPlan plan, String method) {
        Format fmt = plan.weights();
        if (fmt != Format.W4G && fmt != Format.W3G && fmt != Format.W2G)
            throw new IllegalArgumentException(method + " needs a weight-only grouped plan (w4a16-g128, w3a16-g128, w2a16-g128), not " + plan.name());
        return fmt;
    }

    /** a layer method that quantizes each linear on its own from its site's X^T X; nothing else of the layer changes */
    static LayerMethod perMatrix(MatrixMethod m) {
        return layer -> {
            Replacements r = Replacements.empty();
            for (LayerMethod.Matrix x : layer.matrices()) {
                LayerMethod.SiteStats s = layer.stats(x.site());
                r.packed().put(x.name(), m.quantize(x.name(), x.w(), x.rows(), x.cols(), s == null ? null : s.xtx()));
            }
            return r;
        };
    }

    /** rows onto the format: RTN (lb_quantize) without grids, else onto the given grids */
    static PackedMatrix pack(Format fmt, int group, int rows, int cols, int padded, float[] w, float[] scale, float[] zero) {
        long rb = fmt.rowBytes(group, padded);
        if (rb < 0) throw new IllegalArgumentException(cols + " inputs cannot be quantized to " + fmt + " (group " + group + ")");
        byte[] out = new byte[Math.toIntExact(fmt.matrixBytes(group, padded, rows))];
        try (NativeBuffer src = floats(w); NativeBuffer dst = new NativeBuffer(out.length)) {
            if (scale == null) {
                Native.check(LowbitNative.lb_quantize(fmt.id, group, src.address(), dst.address(), rows, padded), "quantize");
            } else {
                try (NativeBuffer s = floats(scale); NativeBuffer z = floats(zero)) {
                    Native.check(LowbitNative.lb_quantize_params(fmt.id, group, src.address(), s.address(), z.address(), dst.address(),
                            rows, padded), "pack onto grids");
                }
            }
            dst.byteView(0, out.length).get(out);
        }
        return new PackedMatrix(fmt, group, rows, cols, padded, out);
    }

    static NativeBuffer floats(float[] v) {
        NativeBuffer b = NativeBuffer.floats(v.length);
        b.floatView(0, v.length).put(v);
        return b;
    }

    static float[] padRows(float[] w, int rows, int cols, int padded) {
        if (padded == cols) return w;
        float[] p = new float[rows * padded];
        for (int r = 0; r < rows; r++) System.arraycopy(w, r * cols, p, r * padded, cols);
        return p;
    }

    static float[] padSquare(float[] h, int n, int padded) {
        if (padded == n) return h;
        float[] p = new float[padded * padded];
        for (int i = 0; i < n; i++) System.arraycopy(h, i * n, p, i * padded, n);
        return p;
    }
}
