package dev.lowbit.model.kv;

import dev.lowbit.core.NativeBuffer;

/**
 * Static per-channel asymmetric K quantization parameters (KVQuant*): for every layer and kv
 * channel (kv head x head_dim) a scale s, an integer zero point z and a dequantization offset
 * o = -z*s (+ the K bias when K is stored before its bias), in native buffers for
 * lb_kvs_store / lb_kvs_attention. Built from calibration ranges like the engine's other
 * asymmetric formats: the range [min, max] (optionally clipped by a ratio) is widened to
 * contain 0, s = (max-min)/(2^b-1), z = clamp(rint(-min/s), 0, 2^b-1). Because the grid
 * contains 0, a channel offset far from 0 by a large bias spends most of its codes on the gap
 * [0, bias], which is why quantizing before the bias helps on Qwen-style K projections.
 */
public final class StaticKScales implements AutoCloseable {
    public final int nLayer;
    public final int channels;
    public final int bits;
    private final float[][] scale, zero, offset;
    private final NativeBuffer[] nScale, nZero, nOffset;

    /**
     * @param min  per layer, per channel minimum of the stored K over the calibration text
     * @param max  per layer, per channel maximum
     * @param clip ratio in (0, 1] applied to the range before quantization (1 = none)
     * @param bias per layer K bias folded into the offset (pre-bias storage), or null
     */
    public StaticKScales(float[][] min, float[][] max, int bits, double clip, float[][] bias) {
        if (bits != 8 && bits != 4 && bits != 3) throw new IllegalArgumentException("static K bits must be 8, 4 or 3, got " + bits);
        if (!(clip > 0 && clip <= 1)) throw new IllegalArgumentException("clip ratio must be in (0, 1], got " + clip);
        this.nLayer = min.length;
        this.channels = min[0].length;
        this.bits = bits;
        int qmax = (1 << bits) - 1;
        scale = new float[nLayer][channels];
        zero = new float[nLayer][channels];
        offset = new float[nLayer][channels];
        nScale = new NativeBuffer[nLayer];
        nZero = new NativeBuffer[nLayer];
        nOffset = new NativeBuffer[nLayer];
        try {
            for (int l = 0; l < nLayer; l++) {
                for (int c = 0; c < channels; c++) {
                    float lo = min[l][c], hi = max[l][c];
                    if (!Float.isFinite(lo) || !Float.isFinite(hi))
                        throw new IllegalArgumentException("calibration saw no finite K value in layer " + l + " channel " + c);
                    double mn = Math.min(0, lo * clip), mx = Math.max(0, hi * clip);
                    float s = (float) ((mx - mn) / qmax);
                    if (!(s > 0) || !Float.isFinite(s)) s = 1f;  // a channel that was always 0
                    float z = (float) Math.max(0, Math.min(qmax, Math.rint(-mn / s)));
                    scale[l][c] = s;
                    zero[l][c] = z;
                    offset[l][c] = -z * s + (bias == null ? 0f : bias[l][c]);
                }
                nScale[l] = put(scale[l]);
                nZero[l] = put(zero[l]);
                nOffset[l] = put(offset[l]);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static NativeBuffer put(float[] v) {
        NativeBuffer b = NativeBuffer.floats(v.length);
        b.floatView(0, v.length).put(v);
        return b;
    }

    public long scaleAddress(int layer) {
        return nScale[layer].address();
    }

    public long zeroAddress(int layer) {
        return nZero[layer].address();
    }

    public long offsetAddress(int layer) {
        return nOffset[layer].address();
    }

    public float scale(int layer, int channel) {
        return scale[layer][channel];
    }

    public float zero(int layer, int channel) {
        return zero[layer][channel];
    }

    public float offset(int layer, int channel) {
        return offset[layer][channel];
    }

    @Override
    public void close() {
        for (NativeBuffer[] a : new NativeBuffer[][] {nScale, nZero, nOffset})
            for (NativeBuffer b : a) if (b != null) b.close();
    }
}
