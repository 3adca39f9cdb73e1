package dev.lowbit.cli;

import dev.lowbit.util.Printable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** `lowbit` entry point: one picocli subcommand class per verb. */
@Command(name = "lowbit", mixinStandardHelpOptions = true, version = "lowbit 0.1.0",
        description = "Low-bit quantized LLM inference and reasoning benchmarks.",
        subcommands = {RunCommand.class, InspectCommand.class, TokenizeCommand.class, PplCommand.class, EvalCommand.class,
                SweepCommand.class, BenchCommand.class, ScoreCommand.class, QuantizeCommand.class, SensitivityCommand.class, DivergeCommand.class, ErrorsCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** runs a command line and returns its exit code (tests call this directly) */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        // bad flags: one clear line and a hint, not the whole usage text
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("lowbit: " + Printable.of(ex.getMessage(), 4000) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; one line instead of a stack trace
            cl.getErr().println("lowbit: out of memory (" + e.getMessage() + "): lower --ctx, --batch or --kv-mib, or raise -Xmx");
            return 1;
        } catch (LinkageError e) {
            // a native library the jar lacks for this platform (UnsatisfiedLinkError, or a class whose loading needed one)
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            cl.getErr().println("lowbit: a native library is missing for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                    + " (" + Printable.of(String.valueOf(root.getMessage()), 400) + ")");
            if (System.getenv("LOWBIT_DEBUG") != null) e.printStackTrace(cl.getErr());
            return 1;
        }
    }
}
