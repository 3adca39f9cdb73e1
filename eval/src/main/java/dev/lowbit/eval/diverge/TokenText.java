package dev.lowbit.eval.diverge;

import dev.lowbit.tokenizer.StreamDecoder;
import dev.lowbit.tokenizer.Tokenizer;

/**
 * Where each generated token's text starts in the generated text, decoded as the generator
 * decodes it (control tokens such as end-of-sequence add no text; a character split over tokens
 * counts from the token that completes it).
 */
public final class TokenText {
    private TokenText() {}

    /** the decoded text and each token's start offset in it */
    public record Decoded(String text, int[] offsets) {}

    public static Decoded decode(Tokenizer tokenizer, int[] tokens) {
        StreamDecoder d = tokenizer.streamDecoder();
        StringBuilder sb = new StringBuilder();
        int[] offsets = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            offsets[i] = sb.length();
            sb.append(d.push(tokens[i]));
        }
        sb.append(d.flush());
        return new Decoded(sb.toString(), offsets);
    }
}
