package dev.lowbit.eval;

/** One finished generation; id echoes the request's id. */
public record CompletionResult(String id, String text, int promptTokens, int outputTokens, double seconds) {}
