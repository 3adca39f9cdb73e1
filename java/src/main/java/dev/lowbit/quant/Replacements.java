package dev.lowbit.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a quantization method replaces in the source model: matrices packed in a lowbit
 * format, and F32 tensors that keep their source shape (norm weights a method folded scales into,
 * a bias, or whole 16-bit matrices left unquantized). A tensor is in at most one of the two.
 */
public record Replacements(Map<String, PackedMatrix> packed, Map<String, float[]> floats, Map<String, Added> added) {
    /** an F32 tensor the source model does not have (a learned transform), of shape dims (ggml order) */
    public record Added(long[] dims, float[] values) {
        public Added {
            long n = 1;
            for (long d : dims) n *= d;
            if (n != values.length) throw new IllegalArgumentException(values.length + " values for shape " + java.util.Arrays.toString(dims));
        }
    }

    public Replacements {
        for (String name : floats.keySet())
            if (packed.containsKey(name)) throw new IllegalArgumentException(name + " is replaced twice (packed and F32)");
    }

    public Replacements(Map<String, PackedMatrix> packed, Map<String, float[]> floats) {
        this(packed, floats, new LinkedHashMap<>());
    }

    public static Replacements empty() {
        return new Replacements(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /** this one's maps with the other's entries added (the maps of empty() are mutable) */
    public Replacements addAll(Replacements other) {
        other.packed.forEach((k, v) -> {
            if (floats.containsKey(k) || packed.put(k, v) != null) throw new IllegalArgumentException(k + " is replaced twice");
        });
        other.floats.forEach((k, v) -> {
            if (packed.containsKey(k) || floats.put(k, v) != null) throw new IllegalArgumentException(k + " is replaced twice");
        });
        other.added.forEach((k, v) -> {
            if (added.put(k, v) != null) throw new IllegalArgumentException(k + " is added twice");
        });
        return this;
    }
}
