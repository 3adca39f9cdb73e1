package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.core.RawMemory;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * All weights of a model, in the formats the plan asks for. Tensors kept as loaded point into
 * the mmap'd file; requantized ones live in owned native buffers. Embeddings and the output
 * head stay as loaded (16-bit in the study) whatever the plan.
 */
public final class ModelWeights implements AutoCloseable {
    public final ModelConfig config;
    public final QuantPlan plan;
    public final Format embFormat;
    public final long embAddress;
    public final long embRowBytes;
    public final NativeBuffer outputNorm;
    public final Linear output;
    public final boolean tiedOutput;
    public final List<LayerWeights> layers;
    /** Llama-3.1 RoPE frequency divisors ("rope_freqs.weight", ropeDim/2 values), or null */
    public final NativeBuffer ropeFreqs;

    private ModelWeights(ModelConfig config, QuantPlan plan, Format embFormat, long embAddress, long embRowBytes,
                         NativeBuffer outputNorm, Linear output, boolean tiedOutput, List<LayerWeights> layers,
                         NativeBuffer ropeFreqs) {
        this.config = config;
        this.plan = plan;
        this.embFormat = embFormat;
        this.embAddress = embAddress;
        this.embRowBytes = embRowBytes;
        this.outputNorm = outputNorm;
        this.output = output;
        this.tiedOutput = tiedOutput;
        this.layers = layers;
        this.ropeFreqs = ropeFreqs;
    }

    public static ModelWeights load(GgufFile f, ModelConfig c, QuantPlan plan) throws GgufFormatException {
        Native.ensureLoaded();
        GgufTensor emb = f.tensor("token_embd.weight");
        Format embFormat = kernelFormat(emb);
        List<LayerWeights> layers = new ArrayList<>();
        NativeBuffer outNorm = null, ropeFreqs = null;
        Linear output = null;
        try {
            for (int i = 0; i < c.nLayer(); i++) layers.add(loadLayer(f, c, plan, i));
            outNorm = vector(f, "output_norm.weight", c.nEmbd(), true);
            ropeFreqs = vector(f, "rope_freqs.weight", c.ropeDim() / 2, false);
            GgufTensor out = f.tensor("output.weight");
            boolean tied = out == null;
            if (tied) out = emb;
            output = keep(out, c.vocab(), c.nEmbd(), "output.weight");
            return new ModelWeights(c, plan, embFormat, emb.address(), embFormat.rowBytes(0, c.nEmbd()), outNorm, output,
                    tied, layers, ropeFreqs);
        } catch (RuntimeException | GgufFormatException e) {
            layers.forEach(LayerWeights::close);
            if (outNorm != null) outNorm.close();
            if (ropeFreqs != null) ropeFreqs.close();
            throw e;
        }
    }

    private static LayerWeights loadLayer(GgufFile f, ModelConfig c, QuantPlan plan, int i) throws GgufFormatException {
        String p = "blk." + i + ".";
        int d = c.nEmbd();
        return new LayerWeights(
                vector(f, p + "attn_norm.weight", d, true),
                linear(f, p + "attn_q.weight", c.qDim(), d, plan),
                linear(f, p + "attn_k.weight", c.kvDim(), d, plan),
                linear(f, p + "attn_v.weight", c.kvDim(), d, plan),
                linear(f, p + "attn_output.weight", d, c.qDim(), plan),
                vector(f, p + "attn_q.bias", c.qDim(), false),
                vector(f, p + "attn_k.bias", c.kvDim(), false),
                vector(f, p + "attn_v.bias", c.kvDim(), false),
                vector(f, p + "attn_q_norm.weight", c.headDim(), c.qkNorm()),
                vector(f, p + "attn_k_norm.weight", c.headDim(), c.qkNorm()),
                vector(f, p + "ffn_norm.weight", d, true),
                linear(f, p + "ffn_gate.weight", c.nFf(), d, plan),
                linear(f, p + "ffn_up.weight", c.nFf(), d, plan),
                linear(f, p + "ffn_down.weight", d, c.nFf(), plan));
    }

    /** the lowbit format a GGUF tensor type runs as */
    static Format kernelFormat(GgufTensor t) throws GgufFormatException {
        GgmlType g = t.type();
        try {
            return Format.fromId(g.id());
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException("tensor " + t.name() + " has type " + g + ", which lowbit cannot compute with");
        }
    }

    private static GgufTensor shaped(GgufFile f, String name, int rows, int cols) throws GgufFormatException {
        GgufTensor t = f.tensor(name);
        if (t == null) throw new GgufFormatException("missing tensor " + name);
        long[] dims = t.dims();
        if (dims.length != 2 || dims[0] != cols || dims[1] != rows)
            throw new GgufFormatException("tensor " + name + " has shape " + Arrays.toString(dims) + ", expected ["
                    + cols + ", " + rows + "]");
        return t;
    }

    private static Linear keep(GgufTensor t, int rows, int cols, String name) throws GgufFormatException {
        Format fmt = kernelFormat(t);
        if (fmt.rowBytes(0, cols) < 0) throw new GgufFormatException(name + ": row of " + cols + " invalid for " + fmt);
        return new Linear(name, fmt, 0, rows, cols, t.address(), null, false);
    }

    private static Linear linear(GgufFile f, String name, int rows, int cols, QuantPlan plan) throws GgufFormatException {
        GgufTensor t = shaped(f, name, rows, cols);
        if (plan.weights() == null) return keep(t, rows, cols, name);
        Format src = kernelFormat(t);
        Format dst = plan.weights();
        int group = plan.groupFor(cols);
        int padded = (int) plan.paddedCols(cols);
        long rb = dst.rowBytes(group, padded);
        if (rb < 0) throw new IllegalArgumentException(name + ": " + cols + " inputs cannot be quantized to " + dst + " (group " + group + ")");
        try (NativeBuffer tmp = NativeBuffer.floats((long) rows * cols)) {
            Native.check(LowbitNative.lb_dequantize(src.id, 0, t.address(), tmp.address(), rows, cols), "dequantize " + name);
            if (plan.rotate()) Rotation.apply(tmp.address(), rows, cols);
            long from = tmp.address();
            NativeBuffer pad = null;
            if (padded != cols) { // zero-extend each row to whole groups
                pad = NativeBuffer.floats((long) rows * padded);
                RawMemory.zero(pad.address(), pad.bytes());
                for (int r = 0; r < rows; r++) RawMemory.copy(pad.address() + 4L * r * padded, from + 4L * r * cols, 4L * cols);
                from = pad.address();
            }
            NativeBuffer q = new NativeBuffer(rb * rows);
            try {
                Native.check(LowbitNative.lb_quantize(dst.id, group, from, q.address(), rows, padded), "quantize " + name);
            } catch (RuntimeException e) {
                q.close();
                throw e;
            } finally {
                if (pad != null) pad.close();
            }
            return new Linear(name, dst, group, rows, cols, padded, q.address(), q, plan.rotate());
        }
    }

    /** a 1-D tensor as f32 in native memory; null if absent and optional */
    private static NativeBuffer vector(GgufFile f, String name, int n, boolean required) throws GgufFormatException {
        GgufTensor t = f.tensor(name);
        if (t == null) {
            if (required) throw new GgufFormatException("missing tensor " + name);
            return null;
        }
        if (t.elements() != n) throw new GgufFormatException("tensor " + name + " has " + t.elements() + " elements, expected " + n);
        Format fmt = kernelFormat(t);
        NativeBuffer b = NativeBuffer.floats(n);
        Native.check(LowbitNative.lb_dequantize(fmt.id, 0, t.address(), b.address(), 1, n), "dequantize " + name);
        return b;
    }

    /** bytes of weights read for one decoded token (all linears + output head + one embedding row) */
    public long bytesPerToken() {
        long s = output.bytes() + embRowBytes;
        for (LayerWeights l : layers) for (Linear lin : l.linears()) s += lin.bytes();
        return s;
    }

    @Override
    public void close() {
        layers.forEach(LayerWeights::close);
        outputNorm.close();
        output.close();
        if (ropeFreqs != null) ropeFreqs.close();
    }
}
