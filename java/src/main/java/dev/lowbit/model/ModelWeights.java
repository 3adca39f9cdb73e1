package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.core.RawMemory;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.Architecture.Tensor;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * All weights of a model, in the formats the plan asks for. The matrices live in one arena of
 * huge pages (kept ones copied from the file, requantized ones written there), or, on request,
 * kept ones stay in the file mapping. The embedding table is read in place (one row per token).
 * Embeddings stay as loaded whatever the plan; the output head stays as loaded unless the plan
 * names its format ({@link QuantPlan#head()}: BF16 for the plans that quantize the linear layers, or head8/head4).
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
    /** the matrices' memory (null when every matrix is read from the file mapping) */
    private final NativeBuffer arena;

    private ModelWeights(ModelConfig config, QuantPlan plan, Format embFormat, long embAddress, long embRowBytes,
                         NativeBuffer outputNorm, Linear output, boolean tiedOutput, List<LayerWeights> layers,
                         NativeBuffer ropeFreqs, NativeBuffer arena) {
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
        this.arena = arena;
    }

    public static ModelWeights load(GgufFile f, ModelConfig c, QuantPlan plan) throws GgufFormatException {
        return load(f, c, plan, false);
    }

    /**
     * @param fromMapping matrices kept in the file's format are read straight from the file mapping
     *                    (no copy, 4 KiB pages) instead of being copied into the huge-page weight arena
     */
    public static ModelWeights load(GgufFile f, ModelConfig c, QuantPlan plan, boolean fromMapping) throws GgufFormatException {
        Native.ensureLoaded();
        Architecture a = c.arch();
        GgufTensor emb = f.tensor(a.name(Tensor.TOKEN_EMBD));
        if (emb == null) throw new GgufFormatException("missing tensor " + a.name(Tensor.TOKEN_EMBD));
        Format embFormat = kernelFormat(emb);
        GgufTensor out = f.tensor(a.name(Tensor.OUTPUT));
        boolean tied = out == null;
        if (tied) out = emb;
        // every matrix's storage decided once; the arena is sized from those plans and filled from them
        List<List<MatrixPlan>> layerPlans = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < c.nLayer(); i++) {
            List<MatrixPlan> ps = new ArrayList<>();
            for (MatrixSpec m : layerMatrices(c, i)) ps.add(planLayerMatrix(f, m, plan, fromMapping));
            for (MatrixPlan p : ps) total += Arena.aligned(p.arenaBytes());
            layerPlans.add(ps);
        }
        MatrixPlan head = planHead(out, c.vocab(), c.nEmbd(), plan, fromMapping).named(a.name(Tensor.OUTPUT));
        total += Arena.aligned(head.arenaBytes());
        NativeBuffer arenaBuf = total == 0 ? null : new NativeBuffer(total);
        List<LayerWeights> layers = new ArrayList<>();
        NativeBuffer outNorm = null, ropeFreqs = null;
        try {
            Arena arena = new Arena(arenaBuf == null ? 0 : arenaBuf.address(), total);
            for (int i = 0; i < c.nLayer(); i++) layers.add(loadLayer(f, c, i, layerPlans.get(i), arena));
            outNorm = vector(f, a, Tensor.OUTPUT_NORM, -1, c.nEmbd());
            ropeFreqs = vector(f, a, Tensor.ROPE_FREQS, -1, c.ropeDim() / 2);
            Linear output = arena.fill(head);
            return new ModelWeights(c, plan, embFormat, emb.address(), embFormat.rowBytes(0, c.nEmbd()), outNorm, output,
                    tied, layers, ropeFreqs, arenaBuf);
        } catch (RuntimeException | GgufFormatException e) {
            layers.forEach(LayerWeights::close);
            if (outNorm != null) outNorm.close();
            if (ropeFreqs != null) ropeFreqs.close();
            if (arenaBuf != null) arenaBuf.close();
            throw e;
        }
    }

    /** group of a head quantized to a grouped format ("head4") */
    private static final int HEAD_GROUP = 128;

    /** a matrix to load: layer and kind (QuantPlan.MATRICES) for a layer matrix, layer -1 for the head */
    private record MatrixSpec(String name, int layer, String kind, int rows, int cols) {}

    /**
     * the format the head is converted to, or null to keep it as loaded: the plan's head format,
     * except that the BF16 of the weight-quantizing plans applies to a 16-bit or F32 head only (a head the file
     * stores quantized, e.g. Q6_K, is not 16-bit to begin with and is kept). BF16 is stored in the
     * layout {@link #bf16Layout} picks, so a BF16 head the file holds is repacked where that layout differs.
     */
    static Format headFormat(QuantPlan plan, Format loaded, int rows, int cols) {
        Format h = plan.head();
        if (h == Format.BF16) {
            if (loaded != Format.F16 && loaded != Format.F32 && loaded != Format.BF16) return null;
            Format stored = bf16Layout(rows, cols);
            return stored == loaded ? null : stored;
        }
        return h == null || h == loaded ? null : h;
    }

    /**
     * how BF16 weights are stored: in the 16-row blocks of the broadcast vdpbf16ps kernel (BF16X16) where the
     * CPU runs that kernel, else row-major. Same values, same arithmetic; at 16 tokens (batched decode) the
     * 151936-row head ran 1.35-1.44x faster (bench_matmul hp bf16 vs bf16x16).
     */
    static Format bf16Layout(int rows, int cols) {
        boolean kernel = LowbitNative.lb_isa_get() == LowbitNative.ISA_AVX512_BF16;  // ARM levels are numbered above it
        return kernel && cols % 2 == 0 ? Format.BF16X16 : Format.BF16;
    }

    private static List<MatrixSpec> layerMatrices(ModelConfig c, int i) {
        int d = c.nEmbd();
        int[][] shapes = {{c.qDim(), d}, {c.kvDim(), d}, {c.kvDim(), d}, {d, c.qDim()}, {c.nFf(), d}, {c.nFf(), d}, {d, c.nFf()}};
        List<MatrixSpec> out = new ArrayList<>();
        for (int k = 0; k < shapes.length; k++)
            out.add(new MatrixSpec(c.arch().name(Tensor.LINEARS.get(k), i), i, QuantPlan.MATRICES.get(k), shapes[k][0], shapes[k][1]));
        return out;
    }

    private static LayerWeights loadLayer(GgufFile f, ModelConfig c, int i, List<MatrixPlan> plans, Arena arena)
            throws GgufFormatException {
        Architecture a = c.arch();
        int d = c.nEmbd();
        Linear[] lin = new Linear[plans.size()];
        for (int k = 0; k < lin.length; k++) lin[k] = arena.fill(plans.get(k));
        Map<Site, LearnedTransform> transforms = LearnedTransform.load(f, i,
                Map.of(Site.ATTN_IN, d, Site.ATTN_OUT, c.qDim(), Site.FFN_IN, d, Site.FFN_MID, c.nFf()));
        return new LayerWeights(
                vector(f, a, Tensor.ATTN_NORM, i, d),
                lin[0], lin[1], lin[2], lin[3],
                vector(f, a, Tensor.ATTN_Q_BIAS, i, c.qDim()),
                vector(f, a, Tensor.ATTN_K_BIAS, i, c.kvDim()),
                vector(f, a, Tensor.ATTN_V_BIAS, i, c.kvDim()),
                vector(f, a, Tensor.ATTN_Q_NORM, i, c.headDim()),
                vector(f, a, Tensor.ATTN_K_NORM, i, c.headDim()),
                vector(f, a, Tensor.FFN_NORM, i, d),
                lin[4], lin[5], lin[6], transforms);
    }

    /** a layer matrix: kept packed if the file stores it in a lowbit layout, else as the plan says */
    private static MatrixPlan planLayerMatrix(GgufFile f, MatrixSpec m, QuantPlan plan, boolean fromMapping) throws GgufFormatException {
        GgufTensor packed = f.tensor(m.name);
        if (packed == null) throw new GgufFormatException("missing tensor " + m.name);
        QuantizedGguf.Layout layout = QuantizedGguf.layout(f, packed);
        // the rotation is per site (all matrices reading one input); a site with a learned transform (FlatQuant)
        // takes it instead of the plan's Hadamard rotation
        Site site = Site.OF_MATRIX.get(QuantPlan.MATRICES.indexOf(m.kind));
        boolean rotate = plan.rotated(m.layer, site) && f.tensor(LearnedTransform.tensorName(m.layer, site, "left")) == null;
        if (layout != null) return MatrixPlan.packed(packed, layout, m.rows, m.cols, rotate, fromMapping);
        GgufTensor t = shaped(f, m.name, m.rows, m.cols);
        QuantPlan.MatrixFormat mf = plan.weightsFor(m.layer, m.kind);
        Format dst = mf.weights();
        if (dst == null) {
            if (!rotate) return planKept(t, m.rows, m.cols, fromMapping);
            dst = Format.F32;  // a kept matrix at a rotated site: its rows rotated, in F32 (as the "rot" plan stores them)
        }
        return MatrixPlan.quantized(t, kernelFormat(t), m.rows, m.cols, dst, mf.group(), rotate);
    }

    /** the output head: kept as loaded unless {@link #headFormat} names another format */
    private static MatrixPlan planHead(GgufTensor t, int rows, int cols, QuantPlan plan, boolean fromMapping) throws GgufFormatException {
        Format dst = headFormat(plan, kernelFormat(t), rows, cols);
        if (dst == null) return planKept(t, rows, cols, fromMapping);
        return MatrixPlan.quantized(t, kernelFormat(t), rows, cols, dst, HEAD_GROUP, false);
    }

    /**
     * a matrix kept as loaded; BF16 goes into the kernel's layout ({@link #bf16Layout}; same values) when it is
     * copied anyway (not read from the mapping)
     */
    private static MatrixPlan planKept(GgufTensor t, int rows, int cols, boolean fromMapping) throws GgufFormatException {
        Format fmt = kernelFormat(t);
        if (!fromMapping && fmt == Format.BF16) {
            Format layout = bf16Layout(rows, cols);
            if (layout != fmt) return MatrixPlan.quantized(t, fmt, rows, cols, layout, 0, false);
        }
        return MatrixPlan.kept(t, fmt, rows, cols, fromMapping);
    }

    /** the lowbit format a GGUF tensor type runs as */
    public static Format kernelFormat(GgufTensor t) throws GgufFormatException {
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

    /**
     * Hands out consecutive 64-byte aligned slices of the weight arena and fills them as each matrix's plan
     * says: kept ones are copied (or, from the mapping, left in the file), requantized ones are written there
     * by lb_quantize.
     */
    private static final class Arena {
        final long base, capacity;
        long used;

        Arena(long base, long capacity) {
            this.base = base;
            this.capacity = capacity;
        }

        static long aligned(long bytes) {
            return (bytes + 63) & -64L;
        }

        private long slice(long bytes) {
            long at = used;
            used += aligned(bytes);
            if (used > capacity) throw new IllegalStateException("weight arena overflow");
            return base + at;
        }

        Linear fill(MatrixPlan p) throws GgufFormatException {
            if (p.how() == MatrixPlan.How.QUANTIZE) return quantized(p);
            long at = p.tensor().address();
            if (p.arenaBytes() > 0) {
                at = slice(p.arenaBytes());
                RawMemory.copy(at, p.tensor().address(), p.arenaBytes());
            }
            return new Linear(p.name(), p.format(), p.group(), p.rows(), p.cols(), p.paddedCols(), at, null, p.rotate());
        }

        /** floats of the F32 staging buffer of {@link #quantized} (64 MiB) */
        private static final long CHUNK_FLOATS = 16L << 20;

        /**
         * dequantizes the source rows to F32 (rotating them if asked), zero-extends them to whole groups
         * and quantizes them into the arena, in chunks of rows: every format quantizes row by row, and
         * an F32 copy of a whole 151,936-row head would take 545 MiB
         */
        private Linear quantized(MatrixPlan p) throws GgufFormatException {
            GgufTensor t = p.tensor();
            Format src = kernelFormat(t), dst = p.format();
            int rows = p.rows(), cols = p.cols(), padded = p.paddedCols();
            long rb = p.rowBytes(), srcRb = src.rowBytes(0, cols);
            long q = slice(p.arenaBytes());
            int block = dst.rowBlock();  // chunks of whole row blocks (BF16X16 interleaves 16 rows), then the rest
            int chunk = (int) Math.max(block, Math.min(rows, CHUNK_FLOATS / padded) / block * block);
            try (NativeBuffer tmp = NativeBuffer.floats((long) chunk * cols);
                 NativeBuffer pad = padded == cols ? null : NativeBuffer.floats((long) chunk * padded)) {
                if (pad != null) RawMemory.zero(pad.address(), pad.bytes());  // the tails stay zero
                for (int r0 = 0; r0 < rows; r0 += chunk) {
                    int n = Math.min(chunk, rows - r0);
                    Native.check(LowbitNative.lb_dequantize(src.id, 0, t.address() + r0 * srcRb, tmp.address(), n, cols),
                            "dequantize " + p.name());
                    if (p.rotate()) Rotation.apply(tmp.address(), n, cols);
                    long from = tmp.address();
                    if (pad != null) { // zero-extend each row to whole groups
                        for (int r = 0; r < n; r++) RawMemory.copy(pad.address() + 4L * r * padded, from + 4L * r * cols, 4L * cols);
                        from = pad.address();
                    }
                    Native.check(LowbitNative.lb_quantize(dst.id, p.group(), from, q + r0 * rb, n, padded), "quantize " + p.name());
                }
            }
            return new Linear(p.name(), dst, p.group(), rows, cols, padded, q, null, p.rotate());
        }
    }

    /** a 1-D tensor (of block `layer`, or model-level with -1) as f32 in native memory; null if the family lacks it or it is optional and absent */
    private static NativeBuffer vector(GgufFile f, Architecture a, Tensor kind, int layer, int n) throws GgufFormatException {
        if (!a.has(kind)) return null;
        String name = layer < 0 ? a.name(kind) : a.name(kind, layer);
        GgufTensor t = f.tensor(name);
        if (t == null) {
            if (a.requires(kind)) throw new GgufFormatException("missing tensor " + name);
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
        if (arena != null) arena.close();
    }
}
