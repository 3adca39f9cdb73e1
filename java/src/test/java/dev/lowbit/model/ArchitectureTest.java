package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.model.Architecture.Tensor;
import org.junit.jupiter.api.Test;

/** The architecture table: names by pattern, optional tensors, one clear line for a family it lacks. */
class ArchitectureTest {
    @Test
    void namesComeFromTheEntry() throws Exception {
        Architecture q = Architecture.of("qwen2");
        assertEquals("blk.3.attn_q.weight", q.name(Tensor.ATTN_Q, 3));
        assertEquals("blk.0.attn_k.bias", q.name(Tensor.ATTN_K_BIAS, 0));
        assertEquals("token_embd.weight", q.name(Tensor.TOKEN_EMBD));
        assertTrue(q.qkvBias() && !q.qkNorm());
        assertEquals(Architecture.RopeStyle.NEOX, q.rope());
        Architecture l = Architecture.of("llama");
        assertEquals(Architecture.RopeStyle.NORMAL, l.rope());
        assertTrue(l.has(Tensor.ATTN_Q_BIAS) && !l.requires(Tensor.ATTN_Q_BIAS), "llama reads a bias where a file has one");
        assertFalse(l.requires(Tensor.OUTPUT), "a tied head has no output.weight");
        Architecture q3 = Architecture.of("qwen3");
        assertTrue(q3.qkNorm() && !q3.has(Tensor.ATTN_Q_BIAS));
        assertThrows(IllegalArgumentException.class, () -> q3.name(Tensor.ATTN_Q_BIAS, 0));
    }

    @Test
    void anUnsupportedArchitectureIsOneLineNamingTheSupportedOnes() {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> Architecture.of("phi3"));
        assertEquals("unsupported architecture 'phi3' (supported: llama, qwen2, qwen3)", e.getMessage());
    }

    @Test
    void everyEntryNamesTheTensorsEveryBlockHas() {
        for (Architecture a : Architecture.ALL) {
            for (Tensor t : Tensor.LINEARS) assertTrue(a.requires(t), a + " " + t);
            assertTrue(a.requires(Tensor.TOKEN_EMBD) && a.requires(Tensor.OUTPUT_NORM) && a.requires(Tensor.ATTN_NORM) && a.requires(Tensor.FFN_NORM));
        }
    }
}
