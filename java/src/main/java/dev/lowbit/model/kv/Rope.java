package dev.lowbit.model.kv;

/**
 * The rotary position embedding of a model: which dimensions of a head rotate, with which base, paired how,
 * and the Llama-3.1 frequency divisors.
 * @param headDim dimensions per head
 * @param ropeDim the first ropeDim of them rotate (the rest pass through)
 * @param base    frequency base
 * @param neox    pairs (i, i + ropeDim/2) as GPT-NeoX and Qwen do, else adjacent pairs (2i, 2i+1) as llama does
 * @param freqs   address of ropeDim/2 frequency divisors ("rope_freqs.weight"), or 0 for none
 */
public record Rope(int headDim, int ropeDim, float base, boolean neox, long freqs) {}
