package dev.lowbit.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors a quantization method replaces in the source model: matrices packed in a lowbit
 * format, and F32 tensors that keep their source shape (norm weights a method folded scales into,
 * a bias, or whole 16-bit matrices left unquantized). A tensor is in at most one of the two.
 */
public record Replacements(Map<String, PackedMatrix> packed, Map<String, float[]> floats) {
    public Replacements {
        for (String name : floats.keySet())
            if (packed.containsKey(name)) throw new IllegalArgumentException(name + " is replaced twice (packed and F32)");
    }

    public static Replacements empty() {
        return new Replacements(new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /** this one's maps with the other's entries added (the maps of empty() are mutable) */
    public Replacements addAll(Replacements other) {
        other.packed.forEach((k, v) -> {
            if (floats.containsKey(k) || packed.put(k, v) != null) throw new IllegalArgumentException(k + " is replaced twice");
        });
        other.floats.forEach((k, v) -> {
            if (packed.containsKey(k) || floats.put(k, v) != null) throw new IllegalArgumentException(k + " is replaced twice");
        });
        return this;
    }
}
