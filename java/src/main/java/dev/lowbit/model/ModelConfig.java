package dev.lowbit.model;

import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;

/**
 * Hyper-parameters of a model of one of the {@link Architecture} table's families, read from GGUF metadata
 * (`{arch}.embedding_length` etc.) and checked against the tensor shapes.
 */
public record ModelConfig(Architecture arch, int nEmbd, int nLayer, int nHead, int nKvHead, int headDim, int nFf,
                          int vocab, int contextLength, float rmsEps, float ropeBase, int ropeDim) {

    public static ModelConfig from(GgufFile f) throws GgufFormatException {
        String name = f.getString("general.architecture", null);
        if (name == null) throw new GgufFormatException("missing general.architecture");
        Architecture a = Architecture.of(name);
        String arch = a.name();
        int nEmbd = req(f, arch + ".embedding_length");
        int nLayer = req(f, arch + ".block_count");
        int nHead = req(f, arch + ".attention.head_count");
        int nKv = f.getInt(arch + ".attention.head_count_kv", nHead);
        int nFf = req(f, arch + ".feed_forward_length");
        int headDim = f.getInt(arch + ".attention.key_length", nEmbd / Math.max(nHead, 1));
        int ctx = f.getInt(arch + ".context_length", 2048);
        float eps = f.getFloat(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        float base = f.getFloat(arch + ".rope.freq_base", 10000f);
        int ropeDim = f.getInt(arch + ".rope.dimension_count", headDim);
        String embName = a.name(Architecture.Tensor.TOKEN_EMBD);
        GgufTensor emb = f.tensor(embName);
        if (emb == null) throw new GgufFormatException("missing tensor " + embName);
        if (emb.dims().length != 2 || emb.dims()[0] != nEmbd)
            throw new GgufFormatException(embName + " has shape " + java.util.Arrays.toString(emb.dims())
                    + ", expected [" + nEmbd + ", vocab]");
        int vocab = Math.toIntExact(emb.dims()[1]);
        if (nHead <= 0 || nKv <= 0 || nHead % nKv != 0)
            throw new GgufFormatException("head counts " + nHead + "/" + nKv + " are not a valid grouped-query layout");
        if (headDim <= 0 || headDim % 2 != 0 || ropeDim > headDim || ropeDim % 2 != 0)
            throw new GgufFormatException("invalid head/rope dimensions " + headDim + "/" + ropeDim);
        if (nLayer <= 0 || nFf <= 0 || nEmbd <= 0) throw new GgufFormatException("non-positive model dimensions");
        return new ModelConfig(a, nEmbd, nLayer, nHead, nKv, headDim, nFf, vocab, ctx, eps, base, ropeDim);
    }

    /** the same model run with another context length */
    public ModelConfig withContext(int ctx) {
        return new ModelConfig(arch, nEmbd, nLayer, nHead, nKvHead, headDim, nFf, vocab, ctx, rmsEps, ropeBase, ropeDim);
    }

    /** RoPE pairs halves of a head (GPT-NeoX) rather than adjacent dimensions */
    public boolean ropeNeox() {
        return arch.rope() == Architecture.RopeStyle.NEOX;
    }

    /** per-head RMSNorm of Q and K before RoPE */
    public boolean qkNorm() {
        return arch.qkNorm();
    }

    private static int req(GgufFile f, String key) throws GgufFormatException {
        if (!f.has(key)) throw new GgufFormatException("missing metadata key " + key);
        long v = f.getLong(key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new GgufFormatException("metadata " + key + " = " + v + " out of range");
        return (int) v;
    }

    public int qDim() {
        return nHead * headDim;
    }

    public int kvDim() {
        return nKvHead * headDim;
    }

    public long parameterCount(boolean tiedOutput) {
        long perLayer = (long) nEmbd * qDim() + 2L * nEmbd * kvDim() + (long) qDim() * nEmbd + 3L * nEmbd * nFf;
        return perLayer * nLayer + (long) vocab * nEmbd * (tiedOutput ? 1 : 2);
    }
}
