package dev.lowbit.eval.lcb;

/**
 * One LiveCodeBench test case. For stdin tests, input is fed to the program and output is
 * compared line by line; for functional tests, input holds one JSON value per line (the
 * arguments) and output one JSON value (the expected return value).
 */
public record LcbTest(String input, String output, Type type) {
    public enum Type {
        STDIN, FUNCTIONAL;

        static Type parse(String s) {
            return switch (s) {
                case "stdin" -> STDIN;
                case "functional" -> FUNCTIONAL;
                default -> throw new IllegalArgumentException("unknown LiveCodeBench testtype: " + s);
            };
        }
    }
}
