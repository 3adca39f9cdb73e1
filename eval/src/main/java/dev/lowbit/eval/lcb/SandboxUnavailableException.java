package dev.lowbit.eval.lcb;

/** Raised when this machine cannot isolate generated code; the message says what is missing. */
public class SandboxUnavailableException extends RuntimeException {
    public SandboxUnavailableException(String message) {
        super(message);
    }
}
