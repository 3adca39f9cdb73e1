/**
 * Tokenizers built from GGUF metadata, matching llama.cpp token for token.
 *
 * <ul>
 *   <li>{@link dev.lowbit.tokenizer.Tokenizer#fromGguf} reads tokenizer.ggml.* into a
 *       {@link dev.lowbit.tokenizer.Vocabulary} and picks the implementation by tokenizer.ggml.model:
 *       "llama" (SentencePiece-style, scores) or "gpt2" (byte-level BPE, merges, pre-tokenizer by
 *       tokenizer.ggml.pre: gpt-2, qwen2, deepseek-r1-qwen, llama-bpe/llama3, deepseek-llm).</li>
 *   <li>Special tokens: control texts are cut out of the input only with parseSpecial; user-defined
 *       texts (e.g. &lt;think&gt;) always, longest text first, as llama.cpp does.</li>
 *   <li>Decoding works on bytes; {@link dev.lowbit.tokenizer.StreamDecoder} holds back a character
 *       whose UTF-8 bytes are split over tokens.</li>
 * </ul>
 * Tested against llama.cpp's vocabulary test vectors (models/vocab/ggml-vocab-*.gguf.inp/.out).
 */
package dev.lowbit.tokenizer;
