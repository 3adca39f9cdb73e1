package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.GenerationStats;
import dev.lowbit.generate.SamplerSettings;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationTest {
    private static final String[] PROMPTS = {"Once upon a time", "The little dog", "Lily and Tom went", "One day"};

    @Test
    void greedyStoriesMatchesLlamaCppGolden() throws Exception {
        String golden = Files.readString(TestModels.model("stories260K.greedy.txt"));
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults())) {
            int[] ids = m.textPrompt("Once upon a time");
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(m.tokenizer().piece(id));
            GenerationResult r = m.generate("Once upon a time", 60, SamplerSettings.greedy(), null);
            sb.append(r.text());
            assertEquals(60, r.outputTokens());
            assertEquals(golden.strip(), sb.toString().strip());
        }
    }

    @Test
    void anApplicationCanChooseTheChatTemplate() throws Exception {
        try (LowbitModel raw = LowbitModel.load(TestModels.stories(), LoadOptions.defaults());
             LowbitModel chat = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withChatTemplate("chatml"))) {
            assertEquals(ChatTemplate.RAW, raw.chatTemplate(), "stories260K carries no template");
            assertEquals(ChatTemplate.CHATML, chat.chatTemplate());
            assertEquals(raw.textPrompt(ChatTemplate.CHATML.apply("Hi")).length, chat.chatPrompt("Hi").length);
            assertTrue(chat.chatPrompt("Hi").length > raw.chatPrompt("Hi").length, "the template's turns add tokens");
        }
    }

    @Test
    void sameSeedSameTextAndStreamingDeliversTheWholeText() throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults())) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult a = m.generate("Once upon a time", 50, SamplerSettings.study(42), (id, t) -> streamed.append(t));
            GenerationResult b = m.generate("Once upon a time", 50, SamplerSettings.study(42), null);
            GenerationResult c = m.generate("Once upon a time", 50, SamplerSettings.study(7), null);
            assertArrayEquals(a.tokens(), b.tokens());
            assertEquals(a.text(), streamed.toString());
            assertNotEquals(a.text(), c.text());
        }
    }

    // batch-invariant kernels, so that batched (and recomputed) tokens must equal the lone ones exactly
    private static final LoadOptions INVARIANT = LoadOptions.defaults().withBatchInvariant(true);

    @Test
    void batchedDecodingGivesTheSameTokensAsOneAtATime() throws Exception {
        List<int[]> single = new ArrayList<>();
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), INVARIANT)) {
            for (int i = 0; i < PROMPTS.length; i++)
                single.add(m.generateAll(List.of(req(m, i)), null, null).get(0).tokens());
        }
        // batch 3 for 4 requests: the 4th starts when a slot frees (continuous batching)
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), INVARIANT.withBatch(3))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < PROMPTS.length; i++) reqs.add(req(m, i));
            List<Integer> order = new ArrayList<>();
            GenerationStats st = new GenerationStats();
            List<GenerationResult> out = m.generateAll(reqs, r -> order.add(r.index()), st);
            for (int i = 0; i < PROMPTS.length; i++) assertArrayEquals(single.get(i), out.get(i).tokens(), "request " + i);
            assertEquals(PROMPTS.length, order.size());
            assertTrue(st.steps < 4 * 40, "batched steps " + st.steps);
        }
    }

    @Test
    void exhaustedKvBudgetMakesSequencesWaitInsteadOfFailing() throws Exception {
        List<int[]> single = new ArrayList<>();
        LoadOptions small = INVARIANT.withContext(512);
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), small)) {
            for (int i = 0; i < PROMPTS.length; i++)
                single.add(m.generateAll(List.of(req(m, i)), null, null).get(0).tokens());
        }
        // room for exactly 2 sequences of 512 tokens but 4 slots: pages run out, work waits / is preempted
        try (LowbitModel probe = LowbitModel.load(TestModels.stories(), small)) {
            long perSeq = probe.internals().transformer().kv().bytesPerToken() * 512;
            try (LowbitModel m = LowbitModel.load(TestModels.stories(), small.withBatch(4).withKvBudget(2 * perSeq))) {
                List<GenerationRequest> reqs = new ArrayList<>();
                for (int i = 0; i < PROMPTS.length; i++) reqs.add(req(m, i));
                List<GenerationResult> out = m.generateAll(reqs, null, new GenerationStats());
                for (int i = 0; i < PROMPTS.length; i++) assertArrayEquals(single.get(i), out.get(i).tokens());
            }
        }
    }

    @Test
    void stopStringsAndMaxTokensEndGeneration() throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults())) {
            GenerationResult full = m.generate("Once upon a time", 60, SamplerSettings.greedy(), null);
            String stop = "Lily";
            GenerationResult r = m.generateAll(List.of(new GenerationRequest(m.textPrompt("Once upon a time"), SamplerSettings.greedy(), 60,
                    List.of(stop), null)), null, null).get(0);
            assertEquals("stop", r.stopReason());
            assertEquals(full.text().substring(0, full.text().indexOf(stop)), r.text());
            assertEquals("length", m.generate("Once upon a time", 5, SamplerSettings.greedy(), null).stopReason());
        }
    }

    private static GenerationRequest req(LowbitModel m, int i) {
        return new GenerationRequest(m.textPrompt(PROMPTS[i]), new SamplerSettings(0.8, 0.95, 0, 100 + i), 40, List.of(), null);
    }
}
