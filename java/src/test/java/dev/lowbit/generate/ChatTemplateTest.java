package dev.lowbit.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** System turns as each family's published Jinja template renders them, and the model's chat prompt carrying one. */
class ChatTemplateTest {
    @Test
    void systemTurnsAreWrittenInEachFamilysSyntax() {
        assertEquals("<｜begin▁of▁sentence｜>S<｜User｜>U<｜Assistant｜><think>\n", ChatTemplate.DEEPSEEK_R1.apply("S", "U"));
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n", ChatTemplate.CHATML.apply("S", "U"));
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n<think>\n",
                ChatTemplate.CHATML_THINK.apply("S", "U"));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
                + "U<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", ChatTemplate.LLAMA3.apply("S", "U"));
        assertEquals("S\n\nU", ChatTemplate.RAW.apply("S", "U"));
        for (ChatTemplate t : ChatTemplate.values()) {
            assertEquals(t.apply("U"), t.apply(null, "U"), t.name());
            assertEquals(t.apply("U"), t.apply(" ", "U"), t.name());
        }
        assertEquals("<｜begin▁of▁sentence｜><｜User｜>U<｜Assistant｜><think>\n", ChatTemplate.DEEPSEEK_R1.apply("U"));
    }

    @Test
    void theModelsChatPromptCarriesTheLoadOptionsSystemTurn() throws Exception {
        Path testbed = Path.of("..", "models", "lowbit-testbed.gguf");
        try (LowbitModel m = LowbitModel.load(testbed, LoadOptions.defaults().withSystemPrompt("Number the steps."))) {
            assertArrayEquals(m.tokenize(ChatTemplate.DEEPSEEK_R1.apply("Number the steps.", "What is 2+3?"), false),
                    m.chatPrompt("What is 2+3?"));
        }
        try (LowbitModel m = LowbitModel.load(testbed, LoadOptions.defaults())) {
            assertArrayEquals(m.tokenize(ChatTemplate.DEEPSEEK_R1.apply("What is 2+3?"), false), m.chatPrompt("What is 2+3?"));
        }
    }
}
