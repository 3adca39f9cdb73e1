package dev.lowbit.tokenizer;

import dev.lowbit.gguf.GgufFile;
import dev.lowbit.util.SearchPath;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The llama.cpp vocabulary files and their test vectors under models/vocab, loaded once per run. */
final class VocabFiles {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private VocabFiles() {}

    static Optional<Path> find(String name) {
        return SearchPath.findModel("vocab/ggml-vocab-" + name + ".gguf");
    }

    static Tokenizer tokenizer(String name) {
        return CACHE.computeIfAbsent(name, n -> {
            try (GgufFile f = GgufFile.open(find(n).orElseThrow())) {
                return Tokenizer.fromGguf(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    record Case(String input, int[] expected) {}

    /** the .inp texts (separated by "\n__ggml_vocab_test__\n") paired with the .out id lines */
    static List<Case> cases(String name) throws IOException {
        Path gguf = find(name).orElseThrow();
        String inp = Files.readString(Path.of(gguf + ".inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(Path.of(gguf + ".out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> inputs = new ArrayList<>();
        int from = 0, at;
        while ((at = inp.indexOf(sep, from)) >= 0) {
            inputs.add(inp.substring(from, at));
            from = at + sep.length();
        }
        if (from < inp.length()) inputs.add(inp.substring(from));
        if (inputs.size() != out.size()) {
            throw new IllegalStateException(name + ": " + inputs.size() + " inputs but " + out.size() + " output lines");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String line = out.get(i).trim();
            int[] ids = line.isEmpty() ? new int[0]
                    : java.util.Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(inputs.get(i), ids));
        }
        return cases;
    }
}
