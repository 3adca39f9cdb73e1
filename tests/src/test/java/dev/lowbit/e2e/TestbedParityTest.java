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
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped testbed model is a real GGUF: llama.cpp (through de.kherud:llama) tokenizes its chat
 * prompts and worked solutions to the same ids as lowbit and continues them as lowbit does, from the
 * F16 file and from the files `lowbit quantize --format` writes (llama.cpp's own quantizer,
 * byte for byte, and AWQ onto Q4_0 with its folded norms: llama.cpp reads those bytes as lowbit does).
 */
class TestbedParityTest {
    static final int N = 40;

    @ParameterizedTest(name = "{0}")
    // widths of 384: the K-quants (256 per block) fall back to these; q4_0:awq is AWQ's scales folded into the norms
    @ValueSource(strings = {"f16", "q8_0", "q5_0", "q4_1", "q4_0:awq"})
    void llamaCppTokenizesAndContinuesAsLowbitDoes(String type, @TempDir Path dir) throws Exception {
        JarCommandsTest.findTheJar();
        Path model = JarCommandsTest.root.resolve("models/lowbit-testbed.gguf");
        if (!type.equals("f16")) {
            String[] tm = type.split(":");
            Path q = dir.resolve(tm[0] + ".gguf");
            List<String> args = new ArrayList<>(List.of("quantize", "-m", model.toString(), "--format", tm[0], "--method", tm.length > 1 ? tm[1] : "rtn",
                    "-o", q.toString()));
            if (tm.length > 1) args.addAll(List.of("--calib", "testbed", "--calib-samples", "8", "--calib-len", "128"));
            JarCommandsTest.Result r = JarCommandsTest.lowbit(dir, args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            model = q;
        }
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
            for (int i = 0; i < problems.size(); i++) {
                int[] ours = m.chatPrompt(Prompts.math(problems.get(i).question()));
                assertEquals(m.tokenizer().bos(), ours[0]);
                assertArrayEquals(theirIds.get(i), java.util.Arrays.copyOfRange(ours, 1, ours.length), "prompt ids");
                GenerationResult r = m.generateAll(List.of(new GenerationRequest(ours, SamplerSettings.greedy(), N, List.of(), null)),
                        null, null).get(0);
                int agree = LlamaCppParityTest.agreeingTokens(m, r.tokens(), theirs.get(i));
                System.out.printf("testbed parity %s, level %d: %d of %d tokens agree%n", type, i + 1, agree, r.tokens().length);
                assertTrue(agree >= Math.min(r.tokens().length, LlamaCppParityTest.MIN_AGREE), type + " level " + (i + 1) + ": only " + agree + " tokens agree\n lowbit:    "
                        + r.text() + "\n llama.cpp: " + theirs.get(i));
            }
        }
    }
}
