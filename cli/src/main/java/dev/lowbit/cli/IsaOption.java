package dev.lowbit.cli;

import dev.lowbit.core.Isa;
import picocli.CommandLine.Option;

/**
 * --isa (or LOWBIT_ISA): the instruction-set level every kernel runs at, so that one machine compares
 * levels for the whole model. Applied before the model loads, since layouts are chosen per level at load.
 */
final class IsaOption {
    static final String ENV = "LOWBIT_ISA";

    @Option(names = "--isa", paramLabel = "LEVEL", description = "kernel instruction set: scalar | avx2 | avx512 | avx512-bf16, at most what "
            + "this CPU has (default: $" + ENV + ", else the CPU's best)")
    String isa;

    /** forces the level given by --isa, else by LOWBIT_ISA; one clear line naming the source when refused */
    void apply() {
        apply(isa, System.getenv(ENV));
    }

    static void apply(String option, String env) {
        String value = option != null ? option : env;
        if (value == null || (option == null && value.isBlank())) return;  // LOWBIT_ISA= set empty: the default
        String source = option != null ? "--isa" : ENV;
        try {
            Isa.force(Isa.parse(value.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " " + value + ": " + e.getMessage());
        }
    }
}
