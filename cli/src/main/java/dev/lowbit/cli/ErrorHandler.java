package dev.lowbit.cli;

import dev.lowbit.util.Printable;
import picocli.CommandLine;

/** Turns any failure of a command into one clear line on stderr and a non-zero exit. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        // messages may quote model-file data (names, keys): escaped and cut, always one line
        cmd.getErr().println("lowbit: " + Printable.of(msg, 4000));
        if (System.getenv("LOWBIT_DEBUG") != null) ex.printStackTrace(cmd.getErr());
        return 1;
    }
}
