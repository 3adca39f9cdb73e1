package dev.lowbit.eval;

import java.math.BigInteger;

/**
 * CPython's {@code random.Random} for the calls the study makes: {@code random.seed(int)}
 * followed by {@code random.randint(a, b)}. A portable re-implementation of the Mersenne
 * Twister MT19937 with CPython's seeding ({@code init_by_array} over the 32-bit words of
 * |seed|) and CPython's {@code _randbelow_with_getrandbits} rejection sampling, so the GPQA
 * answer positions equal the ones Python draws for the same seed.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;
    private final int[] mt = new int[N];
    private int mti;

    public PythonRandom(long seed) {
        seed(BigInteger.valueOf(seed));
    }

    public PythonRandom(BigInteger seed) {
        seed(seed);
    }

    /** {@code random.seed(n)} for an int n: the key is |n| in little-endian 32-bit words. */
    public void seed(BigInteger seed) {
        BigInteger n = seed.abs();
        int words = Math.max(1, (n.bitLength() + 31) / 32);
        int[] key = new int[words];
        for (int i = 0; i < words; i++) {
            key[i] = n.shiftRight(32 * i).intValue();
        }
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) {
            mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
        }
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) { mt[0] = mt[N - 1]; i = 1; }
        }
        mt[0] = 0x80000000;
        mti = N;
    }

    /** the next 32 random bits, as an unsigned value in a long */
    public long nextUint32() {
        if (mti >= N) twist();
        int y = mt[mti++];
        y ^= (y >>> 11);
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= (y >>> 18);
        return y & 0xffffffffL;
    }

    private void twist() {
        for (int kk = 0; kk < N; kk++) {
            int y = (mt[kk] & 0x80000000) | (mt[(kk + 1) % N] & 0x7fffffff);
            mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        mti = 0;
    }

    /** {@code random.getrandbits(k)} for 1 <= k <= 32 */
    public long getrandbits(int k) {
        if (k < 1 || k > 32) throw new IllegalArgumentException("k must be in 1..32: " + k);
        return nextUint32() >>> (32 - k);
    }

    /** {@code random.randint(a, b)}: uniform in [a, b] by rejection on bit_length(b-a+1) bits */
    public long randint(long a, long b) {
        long n = b - a + 1;
        if (n <= 0 || n > (1L << 32)) throw new IllegalArgumentException("range not supported: " + a + ".." + b);
        int k = 64 - Long.numberOfLeadingZeros(n); // n.bit_length()
        if (k > 32) throw new IllegalArgumentException("range too wide: " + n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return a + r;
    }

    /** {@code random.random()}: 53-bit float from two draws */
    public double random() {
        long a = nextUint32() >>> 5, b = nextUint32() >>> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }
}
