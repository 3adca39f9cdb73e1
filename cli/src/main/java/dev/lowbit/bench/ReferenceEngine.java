package dev.lowbit.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A reference engine run on the same GGUF file, the same thread count and the same test sizes
 * as lowbit, so that `lowbit bench --compare` prints ratios measured in one run.
 */
public interface ReferenceEngine extends AutoCloseable {
    /** pp and single-stream tg rows, test names as lowbit's ("pp128", "tg64") */
    List<BenchRow> run() throws IOException;

    /** how the figures were obtained, printed under the table */
    String method();

    @Override
    void close();

    /**
     * The engine a --compare value names.
     * <ul>
     * <li>{@code llama.cpp}: the de.kherud:llama binding, in this process ({@link LlamaCppReference});</li>
     * <li>{@code llama-bench[=PATH]}: llama.cpp's own benchmark tool as a subprocess ({@link LlamaBench});
     *     without a path, $LLAMA_BENCH, else {@code llama-bench} on the PATH.</li>
     * </ul>
     */
    static Spec parse(String value) {
        if (value == null) return null;
        if (value.equalsIgnoreCase("llama.cpp")) return new Spec(null);
        if (value.equals("llama-bench") || value.startsWith("llama-bench=")) {
            String path = value.equals("llama-bench") ? System.getenv("LLAMA_BENCH") : value.substring("llama-bench=".length());
            Path exe = path == null || path.isBlank() ? LlamaBench.onPath() : Path.of(path);
            if (exe == null) throw new IllegalArgumentException("--compare llama-bench: no llama-bench on the PATH; give --compare llama-bench=/path/to/llama-bench or set LLAMA_BENCH");
            if (!Files.isRegularFile(exe) || !Files.isExecutable(exe))
                throw new IllegalArgumentException("--compare llama-bench: " + exe + " is not an executable file");
            return new Spec(exe);
        }
        throw new IllegalArgumentException("--compare takes 'llama.cpp' or 'llama-bench[=PATH]', got '" + value + "'");
    }

    /** a parsed --compare value: llamaBench is the executable, or null for the de.kherud binding */
    record Spec(Path llamaBench) {
        /** whether this reference can time tests at a context depth (llama-bench's -d) */
        public boolean supportsDepth() {
            return llamaBench != null;
        }

        public ReferenceEngine open(Path gguf, BenchSettings s, Consumer<String> progress) {
            return llamaBench == null ? new LlamaCppReference(gguf, s, progress) : new LlamaBench(llamaBench, gguf, s, progress);
        }
    }
}
