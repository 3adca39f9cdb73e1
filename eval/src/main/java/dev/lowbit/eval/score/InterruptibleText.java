package dev.lowbit.eval.score;

/**
 * Text handed to java.util.regex that notices when its thread is interrupted: regex matching
 * cannot be cancelled otherwise, and a pathological model output must not keep a worker busy
 * after its time limit has passed.
 */
final class InterruptibleText implements CharSequence {
    static final class Interrupted extends RuntimeException {
        Interrupted() { super("extraction interrupted", null, false, false); }
    }

    private final String text;
    private int reads;

    InterruptibleText(String text) { this.text = text; }

    @Override public char charAt(int index) {
        if ((++reads & 0xFFF) == 0 && Thread.currentThread().isInterrupted()) throw new Interrupted();
        return text.charAt(index);
    }

    @Override public int length() { return text.length(); }

    @Override public CharSequence subSequence(int start, int end) { return text.substring(start, end); }

    @Override public String toString() { return text; }
}
