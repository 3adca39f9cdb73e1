package dev.lowbit.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before BPE merging, with the regular expressions named by tokenizer.ggml.pre.
 * Several expressions are applied in turn, each splitting every piece left by the previous one; text an
 * expression does not match stays a piece of its own. Every piece is matched as if it were the whole
 * input (so {@code \z} and look-ahead stop at its end), which is how llama.cpp applies them.
 */
final class PreTokenizer {
    // \s below is Java's ASCII whitespace class; other Unicode whitespace is mapped to \u000B before
    // matching, which gives \s the Unicode White_Space meaning without touching explicit ranges.
    private static final String GPT2 =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    private static final String QWEN2 = CONTRACTIONS
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String LLAMA3 = CONTRACTIONS
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    // DeepSeek LLM: letters of cased scripts, ASCII/full-width punctuation, trailing spaces, CJK/Hangul, digits
    private static final String[] DEEPSEEK_LLM = {
            "[\\r\\n]",
            "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
                    + "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}"
                    + "\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}"
                    + "\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}"
                    + "\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}"
                    + "\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}"
                    + "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}"
                    + "\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}"
                    + "\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}"
                    + "\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}"
                    + "\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}"
                    + "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}"
                    + "\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
                    + "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}"
                    + "\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+",
            "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
            // trailing whitespace; the look-behind only skips starts inside a run (same matches, linear time)
            "(?<!\\s)\\s+\\z",
            "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+",
            "\\p{N}+",
    };

    private final String name;
    private final Pattern[] patterns;

    private PreTokenizer(String name, String... regexes) {
        this.name = name;
        this.patterns = new Pattern[regexes.length];
        for (int i = 0; i < regexes.length; i++) patterns[i] = Pattern.compile(regexes[i]);
    }

    /** the pre-tokenizer for a tokenizer.ggml.pre value; null or unknown names get GPT-2's */
    static PreTokenizer forName(String pre) {
        String p = pre == null ? "default" : pre;
        return switch (p) {
            case "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "hunyuan" -> new PreTokenizer(p, QWEN2);
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe" -> new PreTokenizer(p, LLAMA3);
            case "deepseek-llm" -> new PreTokenizer(p, DEEPSEEK_LLM);
            case "gpt-2", "gpt2", "phi-2", "mpt", "olmo", "jais", "default" -> new PreTokenizer(p, GPT2);
            default -> throw new IllegalArgumentException("unsupported pre-tokenizer '" + p
                    + "' (supported: gpt-2, qwen2, deepseek-r1-qwen, llama-bpe/llama3, deepseek-llm)");
        };
    }

    /** llama3-style vocabularies look a whole word up before merging */
    boolean ignoresMerges() {
        return patterns.length == 1 && patterns[0].pattern().equals(LLAMA3);
    }

    String name() {
        return name;
    }

    List<String> split(String text) {
        String m = mapWhitespace(text);
        // piece boundaries as consecutive [start, end) pairs
        int[] bounds = {0, text.length()};
        int nb = text.isEmpty() ? 0 : 2;
        for (Pattern p : patterns) {
            Matcher mt = p.matcher(m);
            IntList next = new IntList();
            for (int k = 0; k < nb; k += 2) {
                int a = bounds[k], b = bounds[k + 1];
                mt.region(a, b);
                int pos = a;
                while (mt.find()) {
                    if (mt.end() == mt.start()) continue;
                    if (mt.start() > pos) {
                        next.add(pos);
                        next.add(mt.start());
                    }
                    next.add(mt.start());
                    next.add(mt.end());
                    pos = mt.end();
                }
                if (pos < b) {
                    next.add(pos);
                    next.add(b);
                }
            }
            bounds = next.toArray();
            nb = bounds.length;
        }
        List<String> words = new ArrayList<>(nb / 2);
        for (int k = 0; k < nb; k += 2) words.add(text.substring(bounds[k], bounds[k + 1]));
        return words;
    }

    /** non-ASCII whitespace to U+000B (all of them are single UTF-16 units, so offsets are kept) */
    private static String mapWhitespace(String s) {
        char[] c = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch > 0x7F && isUnicodeSpace(ch)) {
                if (c == null) c = s.toCharArray();
                c[i] = '\u000B';
            }
        }
        return c == null ? s : new String(c);
    }

    /** the Unicode White_Space property, outside ASCII */
    private static boolean isUnicodeSpace(char ch) {
        return ch == 0x85 || ch == 0xA0 || ch == 0x1680 || (ch >= 0x2000 && ch <= 0x200A)
                || ch == 0x2028 || ch == 0x2029 || ch == 0x202F || ch == 0x205F || ch == 0x3000;
    }
}
