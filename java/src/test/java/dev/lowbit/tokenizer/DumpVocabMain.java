package dev.lowbit.tokenizer;

import java.nio.file.Path;
import java.util.Map;

/** debugging aid: prints the tokenizer keys and non-normal tokens of a vocabulary GGUF */
final class DumpVocabMain {
    public static void main(String[] args) throws Exception {
        TestGguf g = new TestGguf(Path.of(args[0]));
        for (Map.Entry<String, Object> e : g.raw().entrySet()) {
            Object v = e.getValue();
            String s = v instanceof String[] a ? "String[" + a.length + "]" : v instanceof int[] a ? "int[" + a.length + "]"
                    : v instanceof float[] a ? "float[" + a.length + "]" : String.valueOf(v);
            if (s.length() > 80) s = s.substring(0, 80) + "...";
            System.out.println(e.getKey() + " = " + s);
        }
        String[] t = g.getStringArray("tokenizer.ggml.tokens");
        int[] ty = g.getIntArray("tokenizer.ggml.token_type");
        int shown = 0;
        for (int i = 0; i < t.length && ty != null; i++) {
            if (ty[i] != 1 && ty[i] != 6 && shown++ < 40) System.out.println(i + " type " + ty[i] + " '" + t[i] + "'");
        }
    }
}
