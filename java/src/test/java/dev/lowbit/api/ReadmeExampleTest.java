package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's program runs as printed: it streams the continuation, then one line of counts. */
class ReadmeExampleTest {
    @Test
    void theReadmeProgramStreamsAContinuation() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ReadmeExample.main(new String[] {TestModels.stories().toString()});
        } finally {
            System.setOut(out);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertTrue(printed.strip().matches("(?s).+\\n\\d+ tokens, stopped by \\S+"), printed);
    }
}
