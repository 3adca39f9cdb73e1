package dev.lowbit.api;

import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import java.nio.file.Path;

/** The program the README shows an application (depending on lowbit-engine alone): keep the two identical. */
public class ReadmeExample {
    public static void main(String[] args) throws Exception {
        try (LowbitModel m = LowbitModel.load(Path.of(args[0]), LoadOptions.defaults().withThreads(2))) {
            GenerationResult r = m.generate(args.length > 1 ? args[1] : "Once upon a time", 64,
                    SamplerSettings.greedy(), (id, text) -> System.out.print(text));
            System.out.println("\n" + r.outputTokens() + " tokens, stopped by " + r.stopReason());
        }
    }
}
