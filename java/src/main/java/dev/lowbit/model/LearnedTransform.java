package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import java.util.EnumMap;
import java.util.Map;

/**
 * A learned affine transform of one site's input (FlatQuant): each token's input x of n = n1·n2 values becomes
 * x·(L ⊗ R), clamped to clip·[min, max] (the learned activation clipping), before the per-token quantization of
 * the matmul. The weights that read the site are stored with the inverse folded in, so the product is unchanged
 * in exact arithmetic. A calibrated file holds them as F32 tensors "blk.N.flat.SITE.left" [n1][n1],
 * ".right" [n2][n2] and ".clip" [1]; a file without them runs as before.
 *
 * @param right null for the identity
 */
public record LearnedTransform(int n1, int n2, NativeBuffer left, NativeBuffer right, float clip) implements AutoCloseable {
    public LearnedTransform {
        if (n1 < 1 || n2 < 1) throw new IllegalArgumentException("transform of " + n1 + " x " + n2);
        if (!(clip > 0f && clip <= 1f)) throw new IllegalArgumentException("transform clip " + clip + " not in (0, 1]");
    }

    /** the tensor name of one part ("left", "right", "clip") of layer's transform at site */
    public static String tensorName(int layer, Site site, String part) {
        return "blk." + layer + ".flat." + site.key() + "." + part;
    }

    /** the transforms a file holds for layer, by site, checked against the width n of each site's input */
    static Map<Site, LearnedTransform> load(GgufFile f, int layer, Map<Site, Integer> widths) throws GgufFormatException {
        Map<Site, LearnedTransform> out = new EnumMap<>(Site.class);
        try {
            for (Site s : Site.values()) {
                GgufTensor left = f.tensor(tensorName(layer, s, "left"));
                if (left == null) continue;
                GgufTensor right = f.tensor(tensorName(layer, s, "right")), clip = f.tensor(tensorName(layer, s, "clip"));
                int n1 = side(left), n2 = right == null ? widths.get(s) / n1 : side(right), n = widths.get(s);
                if (n1 * n2 != n || clip == null || clip.elements() != 1)
                    throw new GgufFormatException("learned transform of layer " + layer + " at " + s.key() + " does not fit its input of " + n
                            + " (left " + n1 + ", right " + n2 + (clip == null ? ", no clip" : "") + ")");
                NativeBuffer l = floats(left), r = right == null ? null : floats(right), c = floats(clip);
                float ratio = c.floatView(0, 1).get(0);
                c.close();
                if (!(ratio > 0f && ratio <= 1f)) throw new GgufFormatException("learned clip " + ratio + " of layer " + layer + " not in (0, 1]");
                out.put(s, new LearnedTransform(n1, n2, l, r, ratio));
            }
        } catch (GgufFormatException | RuntimeException e) {
            out.values().forEach(LearnedTransform::close);
            throw e;
        }
        return out;
    }

    private static int side(GgufTensor t) throws GgufFormatException {
        long[] d = t.dims();
        if (d.length != 2 || d[0] != d[1] || d[0] < 1 || d[0] > 65536) throw new GgufFormatException("tensor " + t.name() + " is not a square matrix");
        return (int) d[0];
    }

    private static NativeBuffer floats(GgufTensor t) throws GgufFormatException {
        Format fmt = ModelWeights.kernelFormat(t);
        NativeBuffer b = NativeBuffer.floats(t.elements());
        Native.check(LowbitNative.lb_dequantize(fmt.id, 0, t.address(), b.address(), 1, t.elements()), "dequantize " + t.name());
        return b;
    }

    @Override
    public void close() {
        left.close();
        if (right != null) right.close();
    }
}
