package dev.lowbit.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bundled testbed model is a real GGUF: llama.cpp (through de.kherud:llama) tokenizes its
 * prompts and worked solutions to the same ids as lowbit, and writes the same greedy chain of
 * thought (token for token in most problems; where its F16 activation rounding meets a near-tie,
 * the two part only after the first half).
 */
class TestbedParityTest {
    static final int N = 200;

    @Test
    void llamaCppTokenizesAndReasonsAsLowbitDoes() throws Exception {
        Path model = ModelResolver.resolve("lowbit-testbed");
        List<TestbedProblem> problems = new ArrayList<>();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            problems.add(TestbedGenerator.draw(31, level, TestbedGenerator.Split.TEST, 1).get(0));
        LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> {});
        List<String> theirs = new ArrayList<>();
        List<int[]> theirIds = new ArrayList<>();
        try (LowbitModel m = LowbitModel.load(model, LoadOptions.defaults().withContext(1024).withThreads(2));
             LlamaModel llama = new LlamaModel(new ModelParameters().setModel(model.toString()).setThreads(2).setCtxSize(1024).setGpuLayers(0))) {
            for (TestbedProblem p : problems) {
                String chat = m.chatTemplate().apply(Prompts.math(p.question())) + p.solution();
                assertArrayEquals(m.tokenizer().encode(chat, false, true), llama.encode(chat), "token ids of " + chat);
                // llama.cpp adds the BOS the vocabulary asks for; the template text then starts after it
                String prompt = m.chatTemplate().apply(Prompts.math(p.question())).replace("<｜begin▁of▁sentence｜>", "");
                theirs.add(llama.complete(new InferenceParameters(prompt).setTemperature(0f).setTopK(1).setNPredict(N).setSeed(1)
                        .setCachePrompt(false)));
                theirIds.add(llama.encode(prompt));
            }
            int identical = 0;
            for (int i = 0; i < problems.size(); i++) {
                int[] ours = m.chatPrompt(Prompts.math(problems.get(i).question()));
                assertEquals(m.tokenizer().bos(), ours[0]);
                assertArrayEquals(theirIds.get(i), java.util.Arrays.copyOfRange(ours, 1, ours.length), "prompt ids");
                GenerationResult r = m.generateAll(List.of(new GenerationRequest(ours, SamplerSettings.greedy(), N, List.of(), null)),
                        null, null).get(0);
                int agree = LlamaCppParityTest.agreeingTokens(m, r.tokens(), theirs.get(i));
                System.out.printf("testbed parity, level %d: %d of %d tokens agree%n", i + 1, agree, r.tokens().length);
                if (agree == r.tokens().length) identical++;
                // llama.cpp rounds F16 activations where lowbit keeps F32, so a near-tie can part the two later on
                assertTrue(agree >= Math.min(r.tokens().length, N / 2), "level " + (i + 1) + ": only " + agree + " tokens agree\n lowbit:    "
                        + r.text() + "\n llama.cpp: " + theirs.get(i));
            }
            assertTrue(identical >= 3, "only " + identical + " of 5 chains of thought identical");
        }
    }
}
