package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.model.Segment;
import dev.lowbit.model.SyntheticModel;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.QuantPlan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoadOptions.batchInvariant: a sequence's results do not depend on which sequences share its steps.
 *  - Logits, bit for bit, on a random-weight Qwen2-shape model in every weight format and plan: a
 *    sequence prefilled in chunks of 16 and decoded alone, against the same sequence prefilled in
 *    chunks of 5 and decoded between two others (one prefilling, one decoding) in every step; some
 *    of them at every ISA level of the CPU.
 *  - Sampled tokens (T = 0.6, each request its own seed), batch 1 against batch 8 with a 16-token
 *    step budget (prompts cut into other prefill chunks, prefill next to decode), on stories260K
 *    (real weights) and the Qwen2 shape.
 * The default path is not invariant (its multi-token matmul tiles sum in other orders): checked
 * on both levels, so that a setup too insensitive to tell would fail.
 */
class BatchInvarianceTest {
    private static final String[] PROMPTS = {"Once upon a time", "The little dog", "Lily and Tom went to the park", "One day",
            "The sun was hot and the birds", "Sam had a red ball", "A big bear", "Mom said", "There was a girl who liked to sing and dance",
            "The cat"};
    private static final int STEP_TOKENS = 16;

    @TempDir static Path dir;
    /** Qwen2 architecture (q/k/v biases, GQA 8/2 heads of 64), FFN rows longer than a matmul column chunk */
    static final SyntheticModel.Spec QWEN2 = new SyntheticModel.Spec("qwen2", 512, 2, 8, 2, 64, 2816, 32000, 1024, true, GgmlType.F16,
            11, 4f);

    @BeforeAll
    static void writeModels() throws Exception {
        for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_1})
            TestModels.synthetic(QWEN2.withType(t), "vocab/ggml-vocab-llama-spm.gguf", qwen2(t.name()));
        requantize(qwen2("F16"), GgmlType.Q4_K, qwen2("Q4_K"));
        requantize(qwen2("F16"), GgmlType.Q6_K, qwen2("Q6_K"));
    }

    static Path qwen2(String type) {
        return dir.resolve("qwen2-" + type + ".gguf");
    }

    @ParameterizedTest
    @CsvSource({"F16, w16", "BF16, w16", "Q8_0, w16", "Q4_0, w16", "Q5_1, w16", "Q4_K, w16", "Q6_K, w16", "F16, w4a16-g128",
            "F16, w3a16-g128", "F16, w2a16-g128", "F16, w4a16-g32", "F16, w8a8", "F16, w8a8-asym", "F16, w4a4kv4", "F16, w4a4-asymkv4",
            "F16, w4a4-asym-aclip0.9", "F16, kv8",
            "F16, kv4-rot", "F16, kv3", "BF16, kv4", "F16, kv4-kvq", "F16, kv-k8v4", "F16, mxfp4"})
    void aSequencesLogitsDoNotDependOnItsBatch(String type, String plan) throws Exception {
        assertEquals(0, logitDifferences(qwen2(type), plan, true));
    }

    /** at every ISA level the engine can be forced to on this CPU: scalar, AVX2, AVX-512 FP32, AVX512_BF16 */
    @ParameterizedTest
    @CsvSource({"F16, w16", "BF16, w16", "Q4_0, w16", "Q4_K, w16", "F16, w4a16-g128", "F16, w8a8", "F16, kv4"})
    void logitsDoNotDependOnTheBatchAtEveryIsaLevel(String type, String plan) throws Exception {
        int saved = LowbitNative.lb_isa_get();
        try {
            for (int isa = LowbitNative.ISA_SCALAR; isa <= LowbitNative.lb_isa_supported(); isa++) {
                LowbitNative.lb_isa_set(isa);  // before the load: the BF16 layout follows the level
                assertEquals(0, logitDifferences(qwen2(type), plan, true), "ISA level " + isa);
            }
        } finally {
            LowbitNative.lb_isa_set(saved);
        }
    }

    @Test
    void withoutBatchInvarianceTheLogitsDependOnTheBatch() throws Exception {
        assertTrue(logitDifferences(qwen2("F16"), "w16", false) > 0, "the default path is batch-invariant now: make it the only one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"w16", "w4a16-g128", "w3a16-g128", "w2a16-g128", "w8a8", "w8a8-asym", "w4a4kv4", "w4a4-asym", "kv8", "kv4", "kv3"})
    void storiesTokensDoNotDependOnTheBatch(String plan) throws Exception {
        assertEquals(List.of(), differing(TestModels.stories(), plan, true, 200));
    }

    @Test
    void withoutBatchInvarianceStoriesTokensDependOnTheBatch() throws Exception {
        // bf16 activations: a last-bit difference flips a rounding now and then, and the story drifts
        assertFalse(differing(TestModels.stories(), "w4a16-g128", false, 200).isEmpty());
    }

    @ParameterizedTest
    @CsvSource({"F16, w16", "BF16, w16", "Q8_0, w16", "Q4_K, w16", "F16, w4a16-g128", "F16, w8a8", "F16, w4a4kv4", "F16, kv3"})
    void qwen2ShapeTokensDoNotDependOnTheBatch(String type, String plan) throws Exception {
        assertEquals(List.of(), differing(qwen2(type), plan, true, 40));
    }

    private static LoadOptions options(String plan, boolean invariant) {
        LoadOptions o = new LoadOptions(QuantPlan.parse(plan), 0, 512, 8, STEP_TOKENS, 0, null, false).withBatchInvariant(invariant);
        // static K plans calibrate at load time; any text will do for a random-weight model
        return QuantPlan.parse(plan).kvStaticK() ? o.withCalibration(String.join(". ", PROMPTS).repeat(20), 4) : o;
    }

    /** the requests whose n sampled tokens differ between batch 1 and batch 8 */
    private static List<Integer> differing(Path model, String plan, boolean invariant, int n) throws Exception {
        try (LowbitModel m = LowbitModel.load(model, options(plan, invariant))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++)
                reqs.add(new GenerationRequest(m.textPrompt(PROMPTS[i]), SamplerSettings.study(1000 + i), n, List.of(), null));
            List<GenerationResult> batched = m.generateAll(reqs, null, null);
            List<Integer> differ = new ArrayList<>();
            for (int i = 0; i < reqs.size(); i++)
                if (!Arrays.equals(m.generateAll(List.of(reqs.get(i)), null, null).get(0).tokens(), batched.get(i).tokens())) differ.add(i);
            return differ;
        }
    }

    /** logit rows of one sequence that are not bit-identical alone and in company */
    private static int logitDifferences(Path model, String plan, boolean invariant) throws Exception {
        try (LowbitModel m = LowbitModel.load(model, options(plan, invariant))) {
            int[] prompt = m.textPrompt(PROMPTS[8] + " " + PROMPTS[4]);
            int[] next = Arrays.copyOf(m.textPrompt(PROMPTS[2]), 6);
            float[][] alone = logits(m.internals().transformer(), prompt, STEP_TOKENS, next, false);
            float[][] company = logits(m.internals().transformer(), prompt, 5, next, true);
            int differ = 0;
            for (int i = 0; i < alone.length; i++) differ += Arrays.equals(alone[i], company[i]) ? 0 : 1;
            return differ;
        }
    }

    /**
     * the logits of a sequence after its prompt (fed `chunk` tokens a step) and after each token of
     * next; in company, every step also feeds a sequence 9 prompt tokens (before it) and one that
     * decodes (after it)
     */
    private static float[][] logits(Transformer t, int[] prompt, int chunk, int[] next, boolean company) {
        float[][] out = new float[next.length + 1][];
        try (Sequence s = t.kv().newSequence(); Sequence a = t.kv().newSequence(); Sequence b = t.kv().newSequence()) {
            for (int p = 0; p < prompt.length; p += chunk)
                out[0] = step(t, s, Arrays.copyOfRange(prompt, p, Math.min(prompt.length, p + chunk)), company ? a : null, b);
            for (int i = 0; i < next.length; i++) out[i + 1] = step(t, s, new int[] {next[i]}, company ? a : null, b);
        }
        return out;
    }

    /** one forward step of s's tokens (beside a and b when a is given): s's logits */
    private static float[] step(Transformer t, Sequence s, int[] tokens, Sequence a, Sequence b) {
        List<Segment> segs = new ArrayList<>();
        if (a != null) segs.add(segment(t.kv(), a, new int[] {5, 17, 300, 41, 9, 88, 120, 7, 64}));
        segs.add(segment(t.kv(), s, tokens));
        if (a != null) segs.add(segment(t.kv(), b, new int[] {3 + b.length()}));
        t.forward(segs);
        float[] row = new float[t.config().vocab()];
        t.logits(a != null ? 1 : 0, row);
        return row;
    }

    private static Segment segment(KvCache kv, Sequence s, int[] tokens) {
        assertTrue(kv.reserve(s, s.length() + tokens.length), "KV space");
        return new Segment(s, tokens, false);
    }

    /** the F16 model's matrices in a K-quant (written by the native quantizer: the Java writer has no K-quants) */
    private static void requantize(Path from, GgmlType type, Path to) throws Exception {
        Native.ensureLoaded();
        try (GgufFile f = GgufFile.open(from)) {
            GgufWriter w = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) {
                if (t.nDims() != 2) {
                    w.addTensor(t.name(), t.type(), t.dims(), t.data());
                    continue;
                }
                float[] v = Dequant.toFloat(t.type(), t.data().order(ByteOrder.LITTLE_ENDIAN), t.elements());
                long rows = t.rows(), cols = t.cols(), rowBytes = LowbitNative.lb_row_bytes(type.id(), 0, cols);
                try (NativeBuffer src = NativeBuffer.floats(v.length); NativeBuffer dst = new NativeBuffer(rowBytes * rows)) {
                    src.floatView(0, v.length).put(v);
                    Native.check(LowbitNative.lb_quantize(type.id(), 0, src.address(), dst.address(), rows, cols), "quantize");
                    ByteBuffer bytes = ByteBuffer.allocate((int) (rowBytes * rows));  // the writer keeps a reference until write()
                    bytes.put(dst.byteView(0, bytes.capacity())).flip();
                    w.addTensor(t.name(), type, t.dims(), bytes);
                }
            }
            w.write(to);
        }
    }
}
