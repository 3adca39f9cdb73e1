package dev.lowbit.cli;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every model-running command shares (-m, --quant, --threads, --ctx, --chat-template). */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, description = "GGUF path or catalogue name (default: the embedded default model)")
    String model;

    @Option(names = {"-t", "--threads"}, description = "kernel threads (default: all cores)")
    int threads = 0;

    @Option(names = {"-c", "--ctx"}, description = "context length per sequence (default: the model's, at most 32768)")
    int ctx = 0;

    @Option(names = "--kv-mib", description = "KV-cache memory budget in MiB, shared by all sequences (default: room for every batch slot at full context); sequences wait when it is full")
    long kvMib = 0;

    @Option(names = "--chat-template", description = "deepseek-r1 | chatml | chatml-think | llama3 | raw (default: from the GGUF)")
    String chatTemplate;

    @Option(names = "--mmap", description = "read weights kept in the file's format from the file mapping instead of copying them into huge pages (less memory, slower decode)")
    boolean mmap;

    Path resolve() throws IOException {
        return ModelResolver.resolve(model);
    }

    LoadOptions options(QuantPlan plan, int batch) {
        if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0");
        if (ctx < 0) throw new IllegalArgumentException("--ctx must be >= 0");
        if (kvMib < 0) throw new IllegalArgumentException("--kv-mib must be >= 0");
        return new LoadOptions(plan, threads, ctx, batch, 512, kvMib << 20, chatTemplate, mmap);
    }

    LowbitModel load(QuantPlan plan, int batch) throws IOException {
        return LowbitModel.load(resolve(), options(plan, batch));
    }
}
