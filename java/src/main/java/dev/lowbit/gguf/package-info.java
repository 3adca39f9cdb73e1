/**
 * GGUF files: {@link dev.lowbit.gguf.GgufFile} opens and validates v2/v3 files and maps each
 * tensor read-only; {@link dev.lowbit.gguf.GgufWriter} writes v3 files; {@link
 * dev.lowbit.gguf.Dequant} and {@link dev.lowbit.gguf.Quant} are the pure-Java reference
 * codecs of the ggml tensor types that the native kernels are tested against.
 *
 * <p>Nothing read from a file is trusted before it is checked: every count, length, type id,
 * shape and offset is validated against the file, and any inconsistency is reported as a
 * {@link dev.lowbit.gguf.GgufFormatException} naming the problem and where it is.
 */
package dev.lowbit.gguf;
