package dev.lowbit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `lowbit` entry point: one picocli subcommand class per verb. */
@Command(name = "lowbit", mixinStandardHelpOptions = true, version = "lowbit 0.1.0",
        description = "Low-bit quantized LLM inference and reasoning benchmarks.",
        subcommands = {CommandLine.HelpCommand.class, ScoreCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** runs a command line and returns its exit code (tests call this directly) */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl.execute(args);
    }
}
