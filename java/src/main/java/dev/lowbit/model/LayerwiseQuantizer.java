package dev.lowbit.model;

import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.cblas_ssyrk;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.generate.KvCache;
import dev.lowbit.generate.Sequence;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.QuantPlan;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibrated weight quantization in GPTQ's order, layer by layer: the calibration windows run
 * through the model with layers 0..l-1 already quantized, the inputs every linear layer of layer
 * l sees are summed into X^T X per input site, each matrix of layer l is quantized from its 16-bit
 * weights and that sum, and the quantized matrices replace the 16-bit ones before layer l+1 is
 * calibrated: each layer is fitted to the inputs the quantized model will really give it.
 */
public final class LayerwiseQuantizer {
    /** one matrix's method: its 16-bit weights [rows][cols] and the summed input products X^T X [cols][cols] (null without calibration) */
    public interface MatrixMethod {
        PackedMatrix quantize(String name, float[] w, int rows, int cols, float[] xtx);
    }

    /** told after each layer */
    public interface Progress {
        void layerDone(int layer, int layers);
    }

    private LayerwiseQuantizer() {}

    /** the packed matrices of every layer, by tensor name, in file order */
    public static Map<String, PackedMatrix> run(GgufFile f, ModelConfig c, List<int[]> windows, MatrixMethod method, Progress progress)
            throws GgufFormatException {
        int longest = windows.stream().mapToInt(w -> w.length).max().orElse(1);
        if (longest > c.contextLength())
            throw new IllegalArgumentException("calibration windows of " + longest + " tokens exceed the context of " + c.contextLength());
        Map<String, PackedMatrix> out = new LinkedHashMap<>();
        long kvBytes = (long) ((longest + 255) / 256) * 256 * 2L * c.nLayer() * c.kvDim() * 2;  // F16 K and V of one window
        // weights copied into the arena (not read from the mapping): layers are replaced as they are quantized
        try (ModelWeights model = ModelWeights.load(f, c, QuantPlan.W16, false);
             KvCache kv = new KvCache(Format.F16, 0, c.nLayer(), c.nKvHead(), c.headDim(), 256, longest, kvBytes)) {
            for (int l = 0; l < c.nLayer(); l++) {
                // uncalibrated methods (RTN) get no windows and no products
                Map<Transformer.Site, float[]> xtx = windows.isEmpty() ? new EnumMap<>(Transformer.Site.class)
                        : inputProducts(model, kv, windows, longest, l);
                LayerWeights old = model.layers.get(l);
                Linear[] lin = old.linears();
                Transformer.Site[] sites = {Transformer.Site.ATTN_IN, Transformer.Site.ATTN_IN, Transformer.Site.ATTN_IN,
                        Transformer.Site.ATTN_OUT, Transformer.Site.FFN_IN, Transformer.Site.FFN_IN, Transformer.Site.FFN_MID};
                Linear[] quantized = new Linear[lin.length];
                for (int k = 0; k < lin.length; k++) {
                    PackedMatrix p = method.quantize(lin[k].name, weights(f, lin[k]), lin[k].rows, lin[k].cols, xtx.get(sites[k]));
                    out.put(lin[k].name, p);
                    quantized[k] = linear(lin[k].name, p);
                }
                model.layers.set(l, new LayerWeights(old.attnNorm(), quantized[0], quantized[1], quantized[2], quantized[3], old.bq(),
                        old.bk(), old.bv(), old.qNorm(), old.kNorm(), old.ffnNorm(), quantized[4], quantized[5], quantized[6]));
                if (progress != null) progress.layerDone(l, c.nLayer());
            }
        }
        return out;
    }

    /** X^T X per input site of layer l over every window (upper triangle summed by BLAS, then mirrored) */
    private static Map<Transformer.Site, float[]> inputProducts(ModelWeights model, KvCache kv, List<int[]> windows, int longest, int l) {
        ModelConfig c = model.config;
        Map<Transformer.Site, float[]> xtx = new EnumMap<>(Transformer.Site.class);
        try (Transformer t = new Transformer(model, kv, longest, 1)) {
            t.setLayerLimit(l + 1);
            t.setInputObserver((layer, site, x, ntok, cols) -> {
                if (layer != l) return;
                float[] h = xtx.computeIfAbsent(site, s -> new float[cols * cols]);
                float[] a = new float[ntok * cols];
                x.get(a);
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, ntok, 1f, a, cols, 1f, h, cols);
            });
            for (int[] w : windows) {
                try (Sequence seq = kv.newSequence()) {
                    if (!kv.reserve(seq, w.length)) throw new IllegalStateException("calibration KV cache too small");
                    t.forward(List.of(new Segment(seq, w, false)));
                }
            }
        }
        for (float[] h : xtx.values()) {
            int n = (int) Math.round(Math.sqrt(h.length));
            for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) h[i * n + j] = h[j * n + i];
        }
        return xtx;
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
    private static Linear linear(String name, PackedMatrix p) {
        NativeBuffer buf = new NativeBuffer(p.data().length);
        buf.byteView(0, p.data().length).put(p.data());
        return new Linear(name, p.format(), p.group(), p.rows(), p.cols(), p.paddedCols(), buf.address(), buf, false);
    }
}
