package dev.lowbit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.bindings.LowbitNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IsaTest {
    @AfterEach
    void backToTheBest() {
        Isa.force(Isa.best());
    }

    @Test
    void namesRoundTripAndMatchTheNativeLevels() {
        for (Isa i : Isa.values()) {
            assertEquals(i, Isa.of(i.level()));
            assertEquals(i.label(), Native.isaName(i.level()));
            if (Isa.family().contains(i)) assertEquals(i, Isa.parse(i.label()));
            else assertThrows(IllegalArgumentException.class, () -> Isa.parse(i.label()), "another architecture's level");
        }
        assertEquals(LowbitNative.ISA_AVX512_BF16, Isa.parse("avx512-bf16").level());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Isa.parse("sse9"));
        assertEquals("'sse9' is not an ISA level: scalar | avx2 | avx512 | avx512-bf16", e.getMessage());
    }

    @Test
    void everySupportedLevelCanBeForcedAndTheKernelsRunAtIt() {
        assertEquals(Isa.best(), Isa.current(), "the default is the CPU's best");
        assertEquals(Isa.SCALAR, Isa.supported().get(0));
        assertEquals(Isa.best(), Isa.supported().get(Isa.supported().size() - 1));
        for (Isa i : Isa.supported()) {
            Isa.force(i);
            assertEquals(i, Isa.current());
            assertEquals(i.level(), LowbitNative.lb_isa_get());
        }
    }

    @Test
    void aLevelAboveTheCpuIsRefusedAndLeavesTheLevelAlone() {
        Isa.force(Isa.SCALAR);
        for (Isa i : Isa.values()) {
            if (Isa.supported().contains(i)) continue;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Isa.force(i));
            assertTrue(e.getMessage().startsWith(i.label() + " is above what this CPU supports: scalar"), e.getMessage());
            assertEquals(Isa.SCALAR, Isa.current());
        }
    }
}
