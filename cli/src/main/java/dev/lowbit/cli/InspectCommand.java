package dev.lowbit.cli;

import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.tokenizer.Tokenizer;
import dev.lowbit.util.Printable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `lowbit inspect`: architecture, shapes, tensor types and tokenizer of a GGUF (every string from the file printed through {@link Printable}). */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Describe a GGUF model.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "GGUF path or catalogue name")
    String model;

    @Option(names = "--tensors", description = "list every tensor")
    boolean tensors;

    @Override
    public Integer call() throws Exception {
        try (GgufFile f = GgufFile.open(ModelResolver.resolve(model))) {
            System.out.printf("file:         %s (GGUF v%d, %d tensors, %d metadata keys)%n", Printable.of(f.path().toString(), 1000), f.version(),
                    f.tensors().size(), f.metadata().size());
            System.out.printf("name:         %s%n", Printable.of(f.getString("general.name", "?")));
            ModelConfig c = ModelConfig.from(f);
            System.out.printf("architecture: %s%n", Printable.of(c.arch().name()));
            System.out.printf("dims:         embd %d, layers %d, heads %d/%d kv, head_dim %d, ffn %d, vocab %d%n", c.nEmbd(),
                    c.nLayer(), c.nHead(), c.nKvHead(), c.headDim(), c.nFf(), c.vocab());
            System.out.printf("context:      %d, rope base %.0f (%s, dim %d), rms eps %g%s%n", c.contextLength(), c.ropeBase(),
                    c.ropeNeox() ? "neox" : "normal", c.ropeDim(), c.rmsEps(), c.qkNorm() ? ", QK-norm" : "");
            boolean tied = f.tensor(c.arch().name(dev.lowbit.model.Architecture.Tensor.OUTPUT)) == null;
            System.out.printf("parameters:   %.1f M (%s output)%n", c.parameterCount(tied) / 1e6, tied ? "tied" : "untied");
            Map<String, long[]> types = new LinkedHashMap<>();
            for (GgufTensor t : f.tensors()) {
                long[] a = types.computeIfAbsent(t.type().name(), k -> new long[2]);
                a[0]++;
                a[1] += t.nbytes();
            }
            StringBuilder sb = new StringBuilder();
            types.forEach((k, v) -> sb.append(String.format("%s x%d (%.1f MiB)  ", k, v[0], v[1] / 1048576.0)));
            System.out.printf("types:        %s%n", sb.toString().trim());
            Tokenizer tok = Tokenizer.fromGguf(f);
            System.out.printf("tokenizer:    %s (pre %s), %d tokens, bos %d, eos %d%n", Printable.of(f.getString("tokenizer.ggml.model", "?")),
                    Printable.of(f.getString("tokenizer.ggml.pre", "default")), tok.vocabSize(), tok.bos(), tok.eos());
            System.out.printf("template:     %s%n", ChatTemplate.detect(f.getString("tokenizer.chat_template", null)).name()
                    .toLowerCase().replace('_', '-'));
            // written by lowbit quantize (--plan: a lowbit plan; --format: a llama.cpp type): what was done, with what data
            String quantized = f.has(QuantizedGguf.PLAN) ? f.getString(QuantizedGguf.PLAN) : f.getString(NativeTypeGguf.FORMAT, null);
            if (quantized != null) {
                System.out.printf("quantized:    %s by %s%s%n", Printable.of(quantized),
                        Printable.of(f.getString(QuantizedGguf.METHOD, "?")),
                        f.getString(QuantizedGguf.SETTINGS, "").isEmpty() ? "" : " (" + Printable.of(f.getString(QuantizedGguf.SETTINGS)) + ")");
                System.out.printf("calibration:  %s, %d samples of %d tokens, seed %d%n", Printable.of(f.getString(QuantizedGguf.CALIBRATION, "?")),
                        f.getLong(QuantizedGguf.SAMPLES, 0), f.getLong(QuantizedGguf.SEQUENCE_LENGTH, 0), f.getLong(QuantizedGguf.SEED, 0));
            }
            if (tensors)
                for (GgufTensor t : f.tensors())
                    System.out.printf("  %-32s %-6s %s%n", Printable.of(t.name()), t.type(), Arrays.toString(t.dims()));
        }
        return 0;
    }
}
