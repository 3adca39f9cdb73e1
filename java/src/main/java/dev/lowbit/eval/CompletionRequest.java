package dev.lowbit.eval;

/** One generation to run: the user turn (before the chat template) and its sampling settings. */
public record CompletionRequest(String id, String userMessage, double temperature, double topP, int topK, int maxTokens, long seed) {}
