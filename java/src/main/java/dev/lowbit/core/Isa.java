package dev.lowbit.core;

import dev.lowbit.bindings.LowbitNative;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The instruction-set levels the native kernels dispatch to (lowbit/runtime.h), by the names users
 * give them. The level is process-wide: forcing a lower one runs every kernel, and every layout chosen
 * at load (BF16X16 where vdpbf16ps runs), as a CPU that stops there would; force it before loading a
 * model, so that its layouts follow.
 */
public enum Isa {
    SCALAR("scalar", LowbitNative.ISA_SCALAR),
    AVX2("avx2", LowbitNative.ISA_AVX2),
    AVX512("avx512", LowbitNative.ISA_AVX512),
    /** AVX-512 with AVX512_BF16 and AVX512_VBMI: the vdpbf16ps kernels and the BF16X16 layout */
    AVX512_BF16("avx512-bf16", LowbitNative.ISA_AVX512_BF16),
    /** ARM64 (linux-arm64 natives): ASIMD, + SDOT (asimddp), + i8mm; numbered apart from x86's */
    NEON("neon", LowbitNative.ISA_NEON),
    NEON_DOTPROD("neon-dotprod", LowbitNative.ISA_NEON_DOTPROD),
    NEON_I8MM("neon-i8mm", LowbitNative.ISA_NEON_I8MM);

    private final String label;
    private final int level;

    Isa(String label, int level) {
        this.label = label;
        this.level = level;
    }

    /** the name users give (--isa, LOWBIT_ISA) */
    public String label() {
        return label;
    }

    public int level() {
        return level;
    }

    @Override
    public String toString() {
        return label;
    }

    /** the level of a native level number; SCALAR for one this build does not name */
    public static Isa of(int level) {
        for (Isa i : values()) if (i.level == level) return i;
        return SCALAR;
    }

    /** the level named `name` among this machine's architecture's, or IllegalArgumentException listing them */
    public static Isa parse(String name) {
        for (Isa i : family()) if (i.label.equals(name)) return i;
        throw new IllegalArgumentException("'" + name + "' is not an ISA level: " + names(family()));
    }

    /** the levels of the architecture this JVM runs on (the natives it loads are built for it), scalar first */
    public static List<Isa> family() {
        boolean arm = "aarch64".equals(System.getProperty("os.arch"));
        List<Isa> out = new ArrayList<>();
        for (Isa i : values()) if (i == SCALAR || i.arm() == arm) out.add(i);
        return out;
    }

    /** the level the kernels run at now */
    public static Isa current() {
        Native.ensureLoaded();
        return of(LowbitNative.lb_isa_get());
    }

    /** the highest level this CPU runs (the default) */
    public static Isa best() {
        Native.ensureLoaded();
        return of(LowbitNative.lb_isa_supported());
    }

    /** every level this CPU runs, lowest first: scalar and its own family's levels up to the best */
    public static List<Isa> supported() {
        Isa best = best();
        List<Isa> out = new ArrayList<>();
        for (Isa i : values()) if (i == SCALAR || (i.arm() == best.arm() && i.level <= best.level)) out.add(i);
        return out;
    }

    private boolean arm() {
        return level >= LowbitNative.ISA_NEON;
    }

    /**
     * runs every kernel at `want` from now on; IllegalArgumentException (the level unchanged) when this
     * CPU lacks it
     */
    public static void force(Isa want) {
        Native.ensureLoaded();
        if (!supported().contains(want))
            throw new IllegalArgumentException(want + " is above what this CPU supports: " + names(supported()));
        LowbitNative.lb_isa_set(want.level);
    }

    static String names(List<Isa> levels) {
        return levels.stream().map(Isa::label).collect(Collectors.joining(" | "));
    }
}
