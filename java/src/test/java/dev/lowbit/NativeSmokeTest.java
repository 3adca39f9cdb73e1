package dev.lowbit;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.bindings.LowbitNative;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

class NativeSmokeTest {
    @Test
    void f32MatmulThroughJni() {
        org.bytedeco.javacpp.Loader.load(LowbitNative.class);
        try (FloatPointer w = new FloatPointer(1f, 2f, 3f, 4f, 5f, 6f);
             FloatPointer x = new FloatPointer(1f, 1f, 1f);
             FloatPointer y = new FloatPointer(2)) {
            assertEquals(0, LowbitNative.lb_matmul(0, 0, w.address(), 2, 3, x.address(), 1, y.address()));
            assertEquals(6f, y.get(0));
            assertEquals(15f, y.get(1));
        }
    }
}
