package dev.lowbit.model;

import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.util.Printable;

/**
 * Hyper-parameters of a llama / qwen2 / qwen3 model, read from GGUF metadata
 * (`{arch}.embedding_length` etc.) and checked against the tensor shapes.
 */
public record ModelConfig(String arch, int nEmbd, int nLayer, int nHead, int nKvHead, int headDim, int nFf,
                          int vocab, int contextLength, float rmsEps, float ropeBase, int ropeDim,
                          boolean ropeNeox, boolean qkNorm) {

    public static ModelConfig from(GgufFile f) throws GgufFormatException {
        String arch = f.getString("general.architecture", null);
        if (arch == null) throw new GgufFormatException("missing general.architecture");
        if (!arch.equals("llama") && !arch.equals("qwen2") && !arch.equals("qwen3"))
            throw new GgufFormatException("unsupported architecture '" + Printable.of(arch) + "' (supported: llama, qwen2, qwen3)");
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
        GgufTensor emb = f.tensor("token_embd.weight");
        if (emb == null) throw new GgufFormatException("missing tensor token_embd.weight");
        if (emb.dims().length != 2 || emb.dims()[0] != nEmbd)
            throw new GgufFormatException("token_embd.weight has shape " + java.util.Arrays.toString(emb.dims())
                    + ", expected [" + nEmbd + ", vocab]");
        int vocab = Math.toIntExact(emb.dims()[1]);
        if (nHead <= 0 || nKv <= 0 || nHead % nKv != 0)
            throw new GgufFormatException("head counts " + nHead + "/" + nKv + " are not a valid grouped-query layout");
        if (headDim <= 0 || headDim % 2 != 0 || ropeDim > headDim || ropeDim % 2 != 0)
            throw new GgufFormatException("invalid head/rope dimensions " + headDim + "/" + ropeDim);
        if (nLayer <= 0 || nFf <= 0 || nEmbd <= 0) throw new GgufFormatException("non-positive model dimensions");
        boolean neox = !arch.equals("llama");
        boolean qkNorm = arch.equals("qwen3");
        return new ModelConfig(arch, nEmbd, nLayer, nHead, nKv, headDim, nFf, vocab, ctx, eps, base, ropeDim, neox, qkNorm);
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
