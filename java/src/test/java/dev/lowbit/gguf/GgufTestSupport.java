package dev.lowbit.gguf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lowbit.util.SearchPath;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

/** Shared helpers of the gguf tests: locating the shared model files, random test data. */
final class GgufTestSupport {
    private GgufTestSupport() {}

    /** a model file under LOWBIT_MODEL_PATH; the test is skipped (not failed) if absent */
    static Path model(String relative) {
        Optional<Path> p = SearchPath.findModel(relative);
        assumeTrue(p.isPresent(), relative + " not found on the model search path (set LOWBIT_MODEL_PATH)");
        return p.get();
    }

    static ByteBuffer randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    static float[] gaussian(Random rnd, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian() * scale;
        return x;
    }

    static byte[] toArray(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
