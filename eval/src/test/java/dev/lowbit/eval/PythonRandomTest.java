package dev.lowbit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values were printed by CPython 3.11: random.seed(s); [random.randint(0,3) ...]. */
class PythonRandomTest {
    private static List<Long> draws(PythonRandom r, int n, long a, long b) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(r.randint(a, b));
        return out;
    }

    @Test
    void randintMatchesCpythonForStudySeeds() {
        assertEquals(List.of(0L, 0L, 2L, 1L, 1L, 1L, 0L, 0L, 3L, 0L, 0L, 0L, 1L, 1L, 0L, 1L, 3L, 1L, 3L, 2L),
                draws(new PythonRandom(42), 20, 0, 3));
        assertEquals(List.of(0L, 2L, 1L, 3L, 2L, 0L, 3L, 3L, 0L, 3L, 2L, 3L, 3L, 1L, 0L, 0L, 0L, 3L, 1L, 0L),
                draws(new PythonRandom(43), 20, 0, 3));
        assertEquals(List.of(3L, 0L, 1L, 3L, 1L, 2L, 0L, 1L, 0L, 0L, 0L, 1L, 2L, 3L, 3L, 2L, 2L, 0L, 2L, 2L),
                draws(new PythonRandom(44), 20, 0, 3));
    }

    @Test
    void seedingHandlesZeroNegativeAndMultiWordSeeds() {
        assertEquals(List.of(3L, 3L, 0L, 2L, 3L), draws(new PythonRandom(0), 5, 0, 3));
        assertEquals(List.of(2L, 1L, 3L, 0L, 0L), draws(new PythonRandom(-7), 5, 0, 3));
        assertEquals(List.of(2L, 0L, 0L, 1L, 0L, 1L), draws(new PythonRandom(BigInteger.TWO.pow(40).add(BigInteger.valueOf(5))), 6, 0, 3));
    }

    @Test
    void rawBitsFloatsAndWiderRanges() {
        PythonRandom r = new PythonRandom(42);
        assertEquals(2746317213L, r.getrandbits(32));
        assertEquals(478163327L, r.getrandbits(32));
        assertEquals(107420369L, r.getrandbits(32));
        assertEquals(0.6394267984578837, new PythonRandom(42).random(), 0.0);
        assertEquals(List.of(82L, 15L, 4L, 95L, 36L), draws(new PythonRandom(42), 5, 1, 100));
    }
}
