package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files whose strings carry terminal escapes (ESC sequences, BEL, C1 CSI, bidi overrides)
 * or are enormous: whatever `inspect`, `run` and the error line print stays one escaped,
 * bounded line per value, with no raw control character reaching the terminal.
 */
class HostileGgufTextTest {
    static final String ESCAPES = "\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e";
    static final String HUGE = "\u001b[31m" + "N".repeat(170_000);

    @TempDir Path dir;

    record Outcome(int code, String out, String err) {}

    static Outcome cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(Main.run(args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** stories260K with its metadata edited by `edit` */
    Path variant(String name, Consumer<GgufWriter> edit) throws IOException {
        Path out = dir.resolve(name + ".gguf");
        try (GgufFile f = GgufFile.open(TestModels.stories())) {
            GgufWriter w = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.dims(), t.data());
            edit.accept(w);
            w.write(out);
        }
        return out;
    }

    /** no C0 (other than newline/tab), DEL or C1 character, and no bidi override */
    static void assertTerminalSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u202e';
            assertFalse(bad, "raw U+" + Integer.toHexString(c) + " at " + i + " in: " + s.substring(0, Math.min(s.length(), 400)));
        }
    }

    @Test
    void inspectEscapesNameTokenizerStringsAndTensorNames() throws Exception {
        Path p = variant("names", w -> {
            w.putString("general.name", ESCAPES + HUGE);
            w.putString("tokenizer.ggml.pre", ESCAPES);
            w.addTensor(ESCAPES + "t", dev.lowbit.gguf.GgmlType.F32, new long[] {1}, ByteBuffer.allocate(4));
        });
        Outcome o = cli("inspect", "--tensors", p.toString());
        assertEquals(0, o.code(), o.err());
        assertTerminalSafe(o.out());
        assertTrue(o.out().contains("name:         \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202e\\x1b[31mNNN"), o.out());
        assertTrue(o.out().matches("(?s).*NNN… \\(\\+1698\\d\\d chars\\)\n.*"), "long name cut with a count: " + o.out());
        assertTrue(o.out().length() < 20_000, "output length " + o.out().length());
        assertTrue(o.out().contains("(pre \\x1b]0;pwned"), o.out());
        assertTrue(o.out().contains("  \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202et "), o.out());
    }

    @Test
    void unsupportedArchitectureAndTokenizerErrorsAreEscapedAndCut() throws Exception {
        Outcome arch = cli("inspect", variant("arch", w -> w.putString("general.architecture", ESCAPES + "llama")).toString());
        assertEquals(1, arch.code());
        assertTerminalSafe(arch.err());
        assertTrue(arch.err().startsWith("lowbit: unsupported architecture '\\x1b]0;pwned\\x07"), arch.err());
        assertEquals(1, arch.err().lines().count());

        Outcome huge = cli("inspect", variant("arch-huge", w -> w.putString("general.architecture", HUGE)).toString());
        assertEquals(1, huge.code());
        assertTerminalSafe(huge.err());
        assertTrue(huge.err().contains("… (+"), huge.err());
        assertTrue(huge.err().length() < 1000, "error line length " + huge.err().length());

        Outcome tok = cli("inspect", variant("tok", w -> w.putString("tokenizer.ggml.model", ESCAPES)).toString());
        assertNotEquals(0, tok.code());
        assertTerminalSafe(tok.err());
        assertTrue(tok.err().contains("unsupported tokenizer model '\\x1b]0;pwned"), tok.err());
    }

    @Test
    void parseErrorsQuoteHostileKeysAndTensorNamesEscaped() throws Exception {
        // a key repeated: ESC sequence + 170,000 chars
        Path dup = dir.resolve("dup.gguf");
        byte[] key = (ESCAPES + HUGE).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(2 * (key.length + 32) + 64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x46554747).putInt(3).putLong(0).putLong(2);
        for (int i = 0; i < 2; i++) b.putLong(key.length).put(key).putInt(4).putInt(7); // uint32 value
        Files.write(dup, Arrays.copyOf(b.array(), b.position()));
        Outcome o = cli("inspect", dup.toString());
        assertEquals(1, o.code());
        assertTerminalSafe(o.err());
        assertTrue(o.err().contains("duplicate metadata key '\\x1b]0;pwned"), o.err());
        assertTrue(o.err().length() < 1000, "error line length " + o.err().length());

        // a tensor with a hostile name whose data lies past the (truncated) end of the file
        Path cut = variant("cut", w -> w.addTensor(ESCAPES + "last", dev.lowbit.gguf.GgmlType.F32, new long[] {64},
                ByteBuffer.allocate(256)));
        try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        o = cli("inspect", cut.toString());
        assertEquals(1, o.code());
        assertTerminalSafe(o.err());
        assertTrue(o.err().contains("tensor '\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202elast'"), o.err());
    }

    @Test
    void runEscapesHostileTokenTextsInTheEchoAndTheStream() throws Exception {
        Path p;
        try (GgufFile f = GgufFile.open(TestModels.stories())) {
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens").clone();
            for (int i = 0; i < tokens.length; i++) tokens[i] = tokens[i] + "\u001b[2J\u0007";
            p = variant("vocab", w -> w.putStringArray("tokenizer.ggml.tokens", Arrays.asList(tokens)));
        }
        Outcome o = cli("run", "-m", p.toString(), "-p", "Once upon a time", "-n", "8", "--temp", "0", "-t", "1");
        assertEquals(0, o.code(), o.err());
        assertTerminalSafe(o.out());
        assertTrue(o.out().contains("\\x1b[2J\\x07"), o.out());
    }
}
