package dev.lowbit.e2e;

import static org.junit.jupiter.api.Assertions.*;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.LogFormat;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.Quant;
import dev.lowbit.generate.ChatTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `lowbit quantize --method gptq --format q4_0` writes a standard Q4_0 GGUF that llama.cpp itself
 * (de.kherud:llama) loads and runs, closer to the 16-bit model than RTN Q4_0 (llama.cpp's own Q4_0 rule without
 * an imatrix, which the RTN file reproduces bit for bit) on the testbed model's reasoning. de.kherud:llama 4.2.0
 * aborts the JVM when asked for token probabilities, so llama.cpp's side is its teacher-forced top-1 agreement
 * (greedy next token after each prefix), which both files keep high; the KL that ranks them is lowbit's.
 */
class GgufNativeGptqTest {

    @Test
    void gptqQ4_0RunsInLlamaCppAndIsCloserToTheSixteenBitModelThanRtnQ4_0(@TempDir Path dir) throws Exception {
        JarCommandsTest.findTheJar();
        Path src = JarCommandsTest.root.resolve("models/lowbit-testbed.gguf");
        Path gptq = dir.resolve("gptq-q4_0.gguf"), rtn = dir.resolve("rtn-q4_0.gguf");
        JarCommandsTest.Result g = JarCommandsTest.lowbit(dir, "quantize", "-m", src.toString(), "--format", "q4_0", "--method", "gptq",
                "--calib", "testbed", "--calib-samples", "16", "--calib-len", "256", "-o", gptq.toString());
        assertEquals(0, g.code(), g.err());
        JarCommandsTest.Result r = JarCommandsTest.lowbit(dir, "quantize", "-m", src.toString(), "--format", "q4_0", "--method", "rtn",
                "-o", rtn.toString());
        assertEquals(0, r.code(), r.err());
        JarCommandsTest.Result i = JarCommandsTest.lowbit(dir, "inspect", gptq.toString());
        assertTrue(i.out().contains("quantized:    q4_0 by gptq"), i.out());

        // RTN's layer matrices are the ggml reference Q4_0 of the source weights, bit for bit; the rest is the source's
        try (GgufFile s = GgufFile.open(src); GgufFile q = GgufFile.open(rtn); GgufFile gq = GgufFile.open(gptq)) {
            int q4 = 0;
            for (GgufTensor t : s.tensors()) {
                GgufTensor o = q.tensor(t.name());
                assertEquals(o.type(), gq.tensor(t.name()).type(), t.name());
                if (t.name().startsWith("blk.") && t.dims().length == 2) {
                    assertEquals(GgmlType.Q4_0, o.type(), t.name());
                    float[] w = dev.lowbit.gguf.Dequant.toFloat(t.type(), t.data(), t.elements());
                    assertEquals(Quant.fromFloat(GgmlType.Q4_0, w, t.dims()[1], t.dims()[0]), o.data(), t.name() + ": RTN = ggml's Q4_0");
                    q4++;
                } else {
                    assertEquals(t.type(), o.type(), t.name() + " keeps the source type");
                    assertEquals(t.data(), o.data(), t.name());
                }
            }
            assertEquals(6 * 7, q4);
        }

        // teacher-forced positions of the testbed's reasoning (test-split problems; calibration used the training
        // split): the text up to each space or line break of the worked solutions, where the next token starts
        List<String> prefixes = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            for (TestbedProblem p : TestbedGenerator.draw(77, level, TestbedGenerator.Split.TEST, 2)) {
                String chat = "<｜User｜>" + Prompts.math(p.question()) + "<｜Assistant｜><think>\n" + p.solution();
                text.append(chat).append("\n\n");
                for (int c = chat.indexOf("<think>"); c < chat.length(); c++)
                    if ((chat.charAt(c) == ' ' || chat.charAt(c) == '\n') && c % 2 == 0) prefixes.add(chat.substring(0, c));
            }
        LlamaModel.setLogger(LogFormat.TEXT, (level, msg) -> {});
        String[] g16 = nextTokens(src, prefixes), gg = nextTokens(gptq, prefixes), gr = nextTokens(rtn, prefixes);
        int agreeG = 0, agreeR = 0;
        for (int k = 0; k < prefixes.size(); k++) {
            if (g16[k].equals(gg[k])) agreeG++;
            if (g16[k].equals(gr[k])) agreeR++;
        }
        System.out.printf("llama.cpp over %d testbed positions: top-1 agreement with w16: GPTQ q4_0 %d, RTN q4_0 %d%n", prefixes.size(), agreeG, agreeR);
        assertTrue(prefixes.size() > 400, "positions: " + prefixes.size());
        // llama.cpp runs both files close to the 16-bit model; its top-1 differs between runs by a few positions
        // (427..438 for GPTQ against 435 for RTN seen), too little to rank them, so the ranking comes from the KL below
        assertTrue(agreeG >= 0.95 * prefixes.size() && agreeR >= 0.95 * prefixes.size(), agreeG + " / " + agreeR);

        // the same files' KL against w16 over the same solutions, from lowbit's ppl through the jar
        Path t = dir.resolve("solutions.txt");
        java.nio.file.Files.writeString(t, text);
        JarCommandsTest.Result p = JarCommandsTest.lowbit(dir, "ppl", "-m", src.toString(), "--text", t.toString(), "--quant", "w16",
                "--models", gptq + "," + rtn, "--json");
        assertEquals(0, p.code(), p.err());
        com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper().readTree(p.out());
        double klG = rows.get(1).get("kld_mean").asDouble(), klR = rows.get(2).get("kld_mean").asDouble();
        assertTrue(klG < klR, "GPTQ q4_0 KL " + klG + ", RTN q4_0 " + klR);
    }

    @Test
    void formatsGptqCannotRoundOntoAndUnknownTypesAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        JarCommandsTest.findTheJar();
        String src = JarCommandsTest.root.resolve("models/lowbit-testbed.gguf").toString();
        JarCommandsTest.Result g = JarCommandsTest.lowbit(dir, "quantize", "-m", src, "--format", "q6_k", "--method", "gptq",
                "--calib", "testbed", "-o", dir.resolve("x.gguf").toString());
        assertNotEquals(0, g.code());
        assertEquals("lowbit: GPTQ rounds onto q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, not q6_k (--method rtn writes it)", g.err().strip());
        JarCommandsTest.Result u = JarCommandsTest.lowbit(dir, "quantize", "-m", src, "--format", "q7_k", "-o", dir.resolve("x.gguf").toString());
        assertNotEquals(0, u.code());
        assertEquals("lowbit: --format q7_k is not one of q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, q4_k, q5_k, q6_k", u.err().strip());
        assertFalse(java.nio.file.Files.exists(dir.resolve("x.gguf")));
    }

    /**
     * AWQ onto Q4_0: the scales folded into the norms (written as F32, changed), the layer matrices Q4_0 blocks
     * (llama.cpp runs such a file as lowbit does: TestbedParityTest's q4_0:awq case)
     */
    @Test
    void awqQ4_0FoldsIntoTheNormsAndRunsInLlamaCpp(@TempDir Path dir) throws Exception {
        JarCommandsTest.findTheJar();
        Path src = JarCommandsTest.root.resolve("models/lowbit-testbed.gguf"), awq = dir.resolve("awq-q4_0.gguf");
        JarCommandsTest.Result a = JarCommandsTest.lowbit(dir, "quantize", "-m", src.toString(), "--format", "q4_0", "--method", "awq",
                "--calib", "testbed", "--calib-samples", "8", "--calib-len", "128", "-o", awq.toString());
        assertEquals(0, a.code(), a.err());
        assertTrue(JarCommandsTest.lowbit(dir, "inspect", awq.toString()).out().contains("quantized:    q4_0 by awq"));
        try (GgufFile s = GgufFile.open(src); GgufFile q = GgufFile.open(awq)) {
            int moved = 0;
            for (GgufTensor t : s.tensors()) {
                GgufTensor o = q.tensor(t.name());
                if (t.name().startsWith("blk.") && t.dims().length == 2) assertEquals(GgmlType.Q4_0, o.type(), t.name());
                else assertEquals(t.type(), o.type(), t.name() + " keeps the source type");
                if (t.name().endsWith("_norm.weight") && !t.data().equals(o.data())) moved++;
            }
            assertTrue(moved >= 6, "AWQ's scales moved only " + moved + " norm weights");
        }
    }

    /** the testbed's rows (384 and 640 inputs) are no whole Q4_K super-blocks: every matrix falls back to q5_0, said in one line */
    @Test
    void kQuantRowsThatDoNotFitFallBackAndTheFileSaysSo(@TempDir Path dir) throws Exception {
        JarCommandsTest.findTheJar();
        String src = JarCommandsTest.root.resolve("models/lowbit-testbed.gguf").toString(), out = dir.resolve("q4k.gguf").toString();
        JarCommandsTest.Result q = JarCommandsTest.lowbit(dir, "quantize", "-m", src, "--format", "q4_k", "--method", "rtn", "-o", out);
        assertEquals(0, q.code(), q.err());
        assertTrue(q.err().contains("q4_k: 42 to q5_0 of 42 matrices fell back (their inputs are not whole q4_k blocks of 256), as llama-quantize does"), q.err());
        JarCommandsTest.Result i = JarCommandsTest.lowbit(dir, "inspect", out);
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("Q5_0 x42") && i.out().contains("quantized:    q4_k by rtn"), i.out());
        JarCommandsTest.Result r = JarCommandsTest.lowbit(dir, "run", "-m", out, "-p", "1 + 2 =", "-n", "8", "--temp", "0");
        assertEquals(0, r.code(), r.err());
    }

    /** llama.cpp's greedy next token after each prefix */
    static String[] nextTokens(Path model, List<String> prefixes) {
        String[] out = new String[prefixes.size()];
        try (LlamaModel m = open(model)) {
            for (int k = 0; k < out.length; k++)
                out[k] = m.complete(new InferenceParameters(prefixes.get(k)).setNPredict(1).setTemperature(0f).setTopK(1).setSeed(1));
        }
        return out;
    }

    static LlamaModel open(Path model) {
        return new LlamaModel(new ModelParameters().setModel(model.toString()).setThreads(2).setCtxSize(1024).setGpuLayers(0));
    }

}
