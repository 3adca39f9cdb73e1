package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.GenerationStats;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.util.Printable;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `lowbit run`: stream one completion, printing the prompt's tokens first like llama.cpp does.
 * Token texts come from the model file, so control characters other than newline and tab are
 * shown escaped: a hostile vocabulary cannot drive the terminal.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Generate text from a prompt, streamed.")
final class RunCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = {"-p", "--prompt"}, required = true, description = "prompt text")
    String prompt;

    @Option(names = {"-n", "--n-predict"}, description = "tokens to generate (default ${DEFAULT-VALUE})")
    int n = 128;

    @Option(names = "--temp", description = "temperature; 0 = greedy (default ${DEFAULT-VALUE})")
    double temp = 0.6;

    @Option(names = "--top-p", description = "nucleus sampling mass (default ${DEFAULT-VALUE})")
    double topP = 0.95;

    @Option(names = "--top-k", description = "top-k; 0 disables (default ${DEFAULT-VALUE})")
    int topK = 0;

    @Option(names = {"-s", "--seed"}, description = "sampling seed (default ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--quant", description = "quantization plan, e.g. w16, w4a16-g128, w8a8kv8, kv4 (default ${DEFAULT-VALUE})")
    String quant = "w16";

    @Option(names = "--chat", description = "wrap the prompt in the model's chat template")
    boolean chat;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--stats", description = "print speed figures to stderr at the end")
    boolean stats;

    @Override
    public Integer call() throws Exception {
        if (n < 0) throw new IllegalArgumentException("-n must be >= 0");
        SamplerSettings s = new SamplerSettings(temp, topP, topK, seed);
        QuantPlan plan = QuantPlan.parse(quant);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (LowbitModel m = model.load(plan, 1)) {
            int[] ids = chat ? m.chatPrompt(prompt) : m.textPrompt(prompt);
            StringBuilder echo = new StringBuilder();
            for (int id : ids) echo.append(m.tokenizer().piece(id));
            out.print(Printable.text(echo.toString()));
            out.flush();
            GenerationStats st = new GenerationStats();
            List<GenerationResult> r = m.generateAll(List.of(new GenerationRequest(ids, s, n, stop, (id, text) -> {
                out.print(Printable.text(text));
                out.flush();
            })), null, st);
            out.println();
            if (stats) System.err.println("lowbit: " + st + ", stop: " + r.get(0).stopReason());
        }
        return 0;
    }
}
