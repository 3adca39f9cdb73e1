package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;

/**
 * The orthonormal Hadamard rotation used by W4A4 (QuaRot-style): a weight W is stored as W·Hᵀ
 * and its input x is rotated online to H·x, so (W·Hᵀ)(H·x) = W·x in exact arithmetic while
 * outliers in x are spread across channels. Dimensions without a full Hadamard transform use
 * a block-diagonal one with the largest power-of-two block dividing n (still orthonormal).
 */
public final class Rotation {
    private Rotation() {}

    /** rotates `rows` rows of n floats at address x in place */
    public static void apply(long x, long rows, int n) {
        if (LowbitNative.lb_hadamard(x, rows, n) == LowbitNative.LB_OK) return;
        int block = n & -n;
        if (block < 2) throw new IllegalArgumentException("no Hadamard rotation for dimension " + n);
        Native.check(LowbitNative.lb_hadamard(x, rows * (n / block), block), "hadamard");
    }
}
