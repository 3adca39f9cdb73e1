package dev.lowbit.quant.method;

import dev.lowbit.quant.Site;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.Architecture.Tensor;
import dev.lowbit.model.Architecture;
import dev.lowbit.model.LayerWeights;
import dev.lowbit.model.Linear;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.model.ModelWeights;
import dev.lowbit.model.Transformer;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Calibrated weight quantization in GPTQ's order, layer by layer: the calibration windows run
 * through the model with layers 0..l-1 already quantized, the inputs every linear layer of layer
 * l sees are summed per input site ({@link InputStatistics}), the {@link LayerMethod} quantizes
 * layer l from its 16-bit tensors and those sums, and what it returns (packed matrices, folded
 * norms) replaces layer l before layer l+1 is calibrated: each layer is fitted to the inputs the
 * quantized model will really give it.
 */
public final class LayerwiseQuantizer {
    /** told after each layer */
    public interface Progress {
        void layerDone(int layer, int layers);
    }


    private LayerwiseQuantizer() {}

    /** every tensor the method replaced, by name, in file order (uncalibrated methods get no windows and no statistics) */
    public static Replacements run(GgufFile f, ModelConfig c, List<int[]> windows, LayerMethod method, Progress progress)
            throws GgufFormatException {
        return run(f, c, windows, method, progress, false);
    }

    /**
     * as above; rotated: the method returns weights stored as W·Hᵀ (QuaRot), so the quantized layers
     * rotate their inputs in the running model, as they will when the file is loaded under its plan
     */
    public static Replacements run(GgufFile f, ModelConfig c, List<int[]> windows, LayerMethod method, Progress progress, boolean rotated)
            throws GgufFormatException {
        int longest = windows.stream().mapToInt(w -> w.length).max().orElse(1);
        if (longest > c.contextLength())
            throw new IllegalArgumentException("calibration windows of " + longest + " tokens exceed the context of " + c.contextLength());
        Replacements out = Replacements.empty();
        KvCache.Shape shape = new KvCache.Shape(Format.F16, Format.F16, 0, c.nLayer(), c.nKvHead(), c.headDim(), 256, longest);
        // weights copied into the arena (not read from the mapping): layers are replaced as they are quantized
        try (ModelWeights model = ModelWeights.load(f, c, QuantPlan.W16, false);
             KvCache kv = new KvCache(shape, shape.bytesPerSequence())) {
            for (int l = 0; l < c.nLayer(); l++) {
                Map<Site, LayerMethod.SiteStats> stats = windows.isEmpty() ? Map.of()
                        : InputStatistics.of(model, kv, windows, longest, l);
                LayerWeights old = model.layers.get(l);
                Replacements r = method.quantize(layer(f, c, l, old, stats));
                model.layers.set(l, replaced(old, r, c.arch(), l, rotated));
                out.addAll(r);
                if (progress != null) progress.layerDone(l, c.nLayer());
            }
        }
        return out;
    }

    /** the method's view of layer l: 16-bit weights read from the file, vectors as the running model holds them */
    private static LayerMethod.Layer layer(GgufFile f, ModelConfig c, int l, LayerWeights old,
                                           Map<Site, LayerMethod.SiteStats> stats) throws GgufFormatException {
        Linear[] lin = old.linears();
        List<LayerMethod.Matrix> m = new ArrayList<>();
        for (int k = 0; k < lin.length; k++) m.add(new LayerMethod.Matrix(lin[k].name, Site.OF_MATRIX.get(k), weights(f, lin[k]), lin[k].rows, lin[k].cols));
        Architecture a = c.arch();
        return new LayerMethod.Layer(l, c, m, vector(a.name(Tensor.ATTN_NORM, l), old.attnNorm(), c.nEmbd()),
                vector(a.name(Tensor.FFN_NORM, l), old.ffnNorm(), c.nEmbd()),
                old.bv() == null ? null : vector(a.name(Tensor.ATTN_V_BIAS, l), old.bv(), c.kvDim()), stats);
    }

    /** the layer with the method's results in place; replaced vectors' old buffers are closed */
    private static LayerWeights replaced(LayerWeights old, Replacements r, Architecture a, int l, boolean rotated) {
        Linear[] lin = old.linears();
        Linear[] q = new Linear[lin.length];
        for (int k = 0; k < lin.length; k++) {
            PackedMatrix pm = r.packed().get(lin[k].name);
            float[] w = r.floats().get(lin[k].name);
            if (pm != null) q[k] = linear(lin[k].name, pm, rotated);
            else if (w != null) q[k] = f32Linear(lin[k], w, rotated);
            else throw new IllegalStateException("the method returned no weights for " + lin[k].name);
        }
        NativeBuffer attnNorm = vectorOr(r, a.name(Tensor.ATTN_NORM, l), old.attnNorm());
        NativeBuffer ffnNorm = vectorOr(r, a.name(Tensor.FFN_NORM, l), old.ffnNorm());
        String vBias = a.has(Tensor.ATTN_V_BIAS) ? a.name(Tensor.ATTN_V_BIAS, l) : null;
        NativeBuffer bv = old.bv() == null ? null : vectorOr(r, vBias, old.bv());
        if (bv == null && vBias != null && r.floats().containsKey(vBias)) throw new IllegalStateException("the model has no v bias to replace");
        return new LayerWeights(attnNorm, q[0], q[1], q[2], q[3], old.bq(), old.bk(), bv, old.qNorm(), old.kNorm(), ffnNorm,
                q[4], q[5], q[6], old.transforms());
    }

    private static LayerMethod.Vector vector(String name, NativeBuffer b, int n) {
        float[] v = new float[n];
        b.floatView(0, n).get(v);
        return new LayerMethod.Vector(name, v);
    }

    /** the replacement of a vector in native memory (the old buffer closed), or the old one */
    private static NativeBuffer vectorOr(Replacements r, String name, NativeBuffer old) {
        float[] v = r.floats().get(name);
        if (v == null) return old;
        if (4L * v.length > old.bytes()) throw new IllegalStateException(name + ": " + v.length + " values do not fit");
        NativeBuffer b = NativeBuffer.floats(v.length);
        b.floatView(0, v.length).put(v);
        old.close();
        return b;
    }

    /** a layer matrix's 16-bit weights as F32, read from the file (not from the arena, which may hold a repacked layout) */
    private static float[] weights(GgufFile f, Linear lin) throws GgufFormatException {
        GgufTensor t = f.tensor(lin.name);
        Format src = ModelWeights.kernelFormat(t);
        try (NativeBuffer buf = NativeBuffer.floats((long) lin.rows * lin.cols)) {
            Native.check(LowbitNative.lb_dequantize(src.id, 0, t.address(), buf.address(), lin.rows, lin.cols), "dequantize " + lin.name);
            float[] w = new float[lin.rows * lin.cols];
            buf.floatView(0, w.length).get(w);
            return w;
        }
    }

    /** a packed matrix in native memory the Linear owns */
    private static Linear linear(String name, PackedMatrix p, boolean rotated) {
        NativeBuffer buf = new NativeBuffer(p.data().length);
        buf.byteView(0, p.data().length).put(p.data());
        return new Linear(name, p.format(), p.group(), p.rows(), p.cols(), p.paddedCols(), buf.address(), buf, rotated);
    }

    /** F32 weights (a method that changed a matrix without quantizing it) in native memory the Linear owns */
    private static Linear f32Linear(Linear old, float[] w, boolean rotated) {
        if (w.length != old.rows * old.cols) throw new IllegalStateException(old.name + ": " + w.length + " weights replace " + old.rows + "x" + old.cols);
        NativeBuffer buf = NativeBuffer.floats(w.length);
        buf.floatView(0, w.length).put(w);
        return new Linear(old.name, Format.F32, 0, old.rows, old.cols, buf.address(), buf, rotated);
    }
}
