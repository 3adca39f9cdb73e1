package dev.lowbit.generate;

import java.util.Locale;

/**
 * Single-turn chat templates of the target families, with an optional system turn (the study runs
 * without one; the second study's prompts use one) written as each family's Jinja template writes it.
 * Chosen from the GGUF's tokenizer.chat_template text or by name (--chat-template).
 * Templates that spell out BOS are tokenized without adding another one.
 */
public enum ChatTemplate {
    /** DeepSeek-R1-Distill (Qwen and Llama): the assistant turn opens the think block; a system text follows BOS bare */
    DEEPSEEK_R1("<｜begin▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜><think>\n", "", ""),
    /** Qwen ChatML (Qwen2.5, Qwen3) */
    CHATML("", "<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n", "<|im_start|>system\n", "<|im_end|>\n"),
    /** ChatML whose generation prompt opens the think block (QwQ) */
    CHATML_THINK("", "<|im_start|>user\n", "<|im_end|>\n<|im_start|>assistant\n<think>\n", "<|im_start|>system\n", "<|im_end|>\n"),
    /** Llama-3 instruct */
    LLAMA3("<|begin_of_text|>", "<|start_header_id|>user<|end_header_id|>\n\n", "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            "<|start_header_id|>system<|end_header_id|>\n\n", "<|eot_id|>"),
    /** no template: the text as is (base models such as stories260K); a system text goes before it with a blank line */
    RAW("", "", "", "", "\n\n");

    /** the BOS the template spells out ("" when the tokenizer adds it, if at all) */
    private final String bos;
    private final String userOpen, suffix, systemOpen, systemClose;
    /** true when the template text already contains the BOS token */
    public final boolean hasBos;

    ChatTemplate(String bos, String userOpen, String suffix, String systemOpen, String systemClose) {
        this.bos = bos;
        this.userOpen = userOpen;
        this.suffix = suffix;
        this.systemOpen = systemOpen;
        this.systemClose = systemClose;
        this.hasBos = !bos.isEmpty();
    }

    public String apply(String userMessage) {
        return bos + userOpen + userMessage + suffix;
    }

    /** a system turn, then the user turn (null or blank system: as {@link #apply(String)}) */
    public String apply(String system, String userMessage) {
        if (system == null || system.isBlank()) return apply(userMessage);
        return bos + systemOpen + system + systemClose + userOpen + userMessage + suffix;
    }

    /** recognises the family from a Jinja chat template; RAW if absent or unknown */
    public static ChatTemplate detect(String jinja) {
        return detect(jinja, "raw");
    }

    /**
     * recognises the family from a Jinja chat template; the architecture's default ({@code Architecture.chatTemplate()})
     * if the file has none, RAW if the template is unknown
     */
    public static ChatTemplate detect(String jinja, String architectureDefault) {
        if (jinja == null || jinja.isBlank()) return byName(architectureDefault);
        if (jinja.contains("<｜Assistant｜>")) return DEEPSEEK_R1;
        if (jinja.contains("<|start_header_id|>")) return LLAMA3;
        if (jinja.contains("<|im_start|>")) {
            // QwQ's generation prompt ends with an opened think block
            return jinja.contains("<|im_start|>assistant\\n<think>\\n") || jinja.contains("<|im_start|>assistant\n<think>\n")
                    ? CHATML_THINK : CHATML;
        }
        return RAW;
    }

    public static ChatTemplate byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (n) {
            case "deepseek_r1", "deepseek", "r1" -> DEEPSEEK_R1;
            case "chatml", "qwen" -> CHATML;
            case "chatml_think", "qwq" -> CHATML_THINK;
            case "llama3", "llama_3" -> LLAMA3;
            case "raw", "none" -> RAW;
            default -> throw new IllegalArgumentException("unknown chat template '" + name
                    + "' (deepseek-r1, chatml, chatml-think, llama3, raw)");
        };
    }
}
