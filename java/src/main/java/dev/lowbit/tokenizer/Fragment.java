package dev.lowbit.tokenizer;

/** a piece of input after special-token splitting: raw text to tokenize, or one already known token */
record Fragment(String text, int token) {
    static Fragment text(String s) {
        return new Fragment(s, -1);
    }

    static Fragment token(int id) {
        return new Fragment(null, id);
    }

    boolean isToken() {
        return text == null;
    }
}
