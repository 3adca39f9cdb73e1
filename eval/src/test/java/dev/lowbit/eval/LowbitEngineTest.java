package dev.lowbit.eval;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The engine adapter: every request gets exactly one result, even one that cannot fit the context. */
class LowbitEngineTest {
    @Test
    void everyRequestIsAnsweredAndOverlongPromptsGetAnEmptyAnswer() throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withBatch(2))) {
            LowbitEngine engine = new LowbitEngine(m, "stories");
            String longText = "Once upon a time there was a cat. ".repeat(20);
            List<CompletionRequest> reqs = new ArrayList<>();
            reqs.add(new CompletionRequest("a", "Once upon a time", 0.6, 0.95, 0, 20, 1));
            reqs.add(new CompletionRequest("b", longText, 0.6, 0.95, 0, 20, 2));
            reqs.add(new CompletionRequest("c", "The dog", 0.6, 0.95, 0, 100, 3));
            Map<String, CompletionResult> got = new ConcurrentHashMap<>();
            engine.complete(reqs, r -> assertNull(got.put(r.id(), r), "answered twice: " + r.id()));
            assertEquals(3, got.size());
            assertEquals(20, got.get("a").outputTokens());
            assertEquals("", got.get("b").text());
            assertEquals(0, got.get("b").outputTokens());
            // prompt + output stay within the 64-token context
            assertTrue(got.get("c").promptTokens() + got.get("c").outputTokens() <= 64);
            assertTrue(engine.stats().outputTokens >= 20);
        }
    }
}
