package dev.lowbit.quant;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class QuantPlanTest {
    @Test
    void parsesTheStudyPlans() {
        QuantPlan w16 = QuantPlan.parse("w16");
        assertNull(w16.weights());
        assertEquals(Format.F16, w16.kv());

        QuantPlan w4 = QuantPlan.parse("w4a16-g128");
        assertEquals(Format.W4G, w4.weights());
        assertEquals(128, w4.weightGroup());
        assertEquals(Format.F16, w4.kv());
        assertEquals(Format.W3G, QuantPlan.parse("W3A16-g64").weights());
        assertEquals(64, QuantPlan.parse("w3a16-g64").weightGroup());
        assertEquals(Format.W2G, QuantPlan.parse("w2a16").weights());
        assertEquals(4096, QuantPlan.parse("w4a16-gch").groupFor(4096));

        QuantPlan w8 = QuantPlan.parse("w8a8kv8");
        assertEquals(Format.I8CH, w8.weights());
        assertEquals(Format.KV8, w8.kv());
        assertFalse(w8.rotate());
        assertEquals(Format.F16, QuantPlan.parse("w8a8").kv());
        assertEquals(Format.I8CHA, QuantPlan.parse("w8a8-asym").weights());
        assertEquals(Format.KV8, QuantPlan.parse("w8a8-asymkv8").kv());

        QuantPlan w4a4 = QuantPlan.parse("w4a4kv4");
        assertEquals(Format.I4CH, w4a4.weights());
        assertTrue(w4a4.rotate());
        assertEquals(Format.KV4, w4a4.kv());

        assertEquals(Format.KV3, QuantPlan.parse("kv3").kv());
        assertEquals(Format.BF16, QuantPlan.parse("w4a16-g128").head(), "weight-only plans: the BF16 model's 16-bit head");
        assertEquals(Format.BF16, QuantPlan.parse("w2a16-g64+kv4").head());
        assertEquals(Format.BF16, QuantPlan.parse("w3a16-gch").head());
        assertNull(QuantPlan.parse("w4a16-g128+head16").head(), "head16 keeps the head as loaded");
        assertNull(QuantPlan.parse("w16").head());
        assertEquals(Format.BF16, QuantPlan.parse("w8a8").head(), "W8A8 models of the study are BF16 models too");
        assertEquals(Format.BF16, QuantPlan.parse("w8a8-asymkv8").head());
        assertEquals(Format.BF16, QuantPlan.parse("w4a4kv4").head());
        assertNull(QuantPlan.parse("w8a8+head16").head());
        assertNull(QuantPlan.parse("rot").head(), "a rotation-only plan keeps its 16-bit layers and head");
        assertNull(QuantPlan.parse("kv4").head());
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("w4a16-g128+head16+head8"));
        assertEquals(Format.Q8_0, QuantPlan.parse("w4a16-g128+head8").head());
        assertEquals(Format.W4G, QuantPlan.parse("head4").head());
        assertNull(QuantPlan.parse("head4").weights());
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("head8+head4"));
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("head2"));
        assertFalse(QuantPlan.parse("kv4").kvRotate());
        assertTrue(QuantPlan.parse("kv4-rot").kvRotate());
        assertTrue(QuantPlan.parse("w4a4kv4").kvRotate());
        assertEquals("4-4-4", QuantPlan.parse("w4a4kv4").wakv());
        assertEquals("4-16-16", QuantPlan.parse("w4a16-g128").wakv());
        assertEquals("16-16-3", QuantPlan.parse("kv3").wakv());
        assertNull(QuantPlan.parse("kv3").weights());
        QuantPlan combo = QuantPlan.parse("w4a16-g128+kv4");
        assertEquals(Format.W4G, combo.weights());
        assertEquals(Format.KV4, combo.kv());
    }

    @Test
    void parsesStaticKPlans() {
        QuantPlan p = QuantPlan.parse("kv4-kvq");
        assertTrue(p.kvStaticK());
        assertFalse(p.kvPreBias());
        assertFalse(p.kvRotate());
        assertEquals(Format.KV4, p.kv());
        assertEquals(Format.KVS4, p.kFormat());
        assertEquals("16-16-4", p.wakv());
        QuantPlan pb = QuantPlan.parse("kv3-kvq-prebias");
        assertTrue(pb.kvStaticK());
        assertTrue(pb.kvPreBias());
        assertEquals(Format.KVS3, pb.kFormat());
        assertEquals(Format.KV3, pb.kv());
        assertEquals(Format.KVS8, QuantPlan.parse("kv8-kvq").kFormat());
        QuantPlan combo = QuantPlan.parse("w4a16-g128+kv4-kvq-prebias");
        assertEquals(Format.W4G, combo.weights());
        assertTrue(combo.kvPreBias());
        assertEquals(Format.KV4, QuantPlan.parse("kv4").kFormat());
        assertFalse(QuantPlan.parse("kv4-rot").kvStaticK());
        assertEquals(1.0, QuantPlan.parse("kv4-kvq").kvClip());
        QuantPlan clip = QuantPlan.parse("kv4-rot-clip0.95");
        assertTrue(clip.kvRotate());
        assertEquals(0.95, clip.kvClip(), 1e-12);
        assertEquals(0.9, QuantPlan.parse("kv3-kvq-prebias-clip.9").kvClip(), 1e-12);
        assertEquals(1.0, QuantPlan.parse("w4a16-g128").kvClip());
    }

    @Test
    void parsesMxfp4() {
        QuantPlan p = QuantPlan.parse("MXFP4");
        assertEquals(Format.MXFP4, p.weights());
        assertFalse(p.rotate());
        assertFalse(p.kvRotate());
        assertEquals(Format.F16, p.kv());
        assertEquals(Format.BF16, p.head());
        assertEquals("4-4-16", p.wakv());
        assertEquals(Format.KV4, QuantPlan.parse("mxfp4+kv4").kv());
        assertEquals(Format.MXFP4, QuantPlan.parse("mxfp4+head16").weights());
        assertNull(QuantPlan.parse("mxfp4+head16").head());
        // rows are zero-extended to whole blocks of 32
        assertEquals(96, QuantPlan.parse("mxfp4").paddedCols(72));
        assertEquals(64, QuantPlan.parse("mxfp4").paddedCols(64));
        assertEquals(0, QuantPlan.parse("mxfp4").groupFor(72));
        // the study's row: MXFP4 weights, activations and K/V cache
        QuantPlan study = QuantPlan.parse("mxfp4-w4a4kv4");
        assertEquals(Format.MXFP4, study.weights());
        assertEquals(Format.MXFP4, study.kv());
        assertEquals(Format.MXFP4, study.kFormat());
        assertFalse(study.kvRotate());
        assertEquals(Format.MXFP4, QuantPlan.parse("w16+kvmxfp4").kv());
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("mxfp4-w4a4kv4+kv4"));
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("kvmxfp4-clip0.9"));
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("kvmxfp4-kvq"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("mxfp5")).getMessage().contains("mxfp4"));
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("mxfp4+w4a16-g128"));
    }

    @Test
    void parsesSeparateKAndVFormats() {
        QuantPlan p = QuantPlan.parse("kv-k8v4");
        assertEquals(Format.KV8, p.kvK());
        assertEquals(Format.KV8, p.kFormat());
        assertEquals(Format.KV4, p.kv());
        assertEquals(128, p.kvGroup());
        assertFalse(p.kvRotate());
        assertFalse(p.kvStaticK());
        assertEquals("16-16-k8v4", p.wakv());
        assertEquals(Format.F16, QuantPlan.parse("kv-k16v4").kFormat());
        assertEquals(Format.KV4, QuantPlan.parse("kv-k16v4").kv());
        assertEquals(Format.KV4, QuantPlan.parse("kv-k4v8").kFormat());
        assertEquals(Format.KV8, QuantPlan.parse("kv-k4v8").kv());
        assertEquals(Format.KV3, QuantPlan.parse("kv-k3v16").kFormat());
        assertEquals(Format.F16, QuantPlan.parse("kv-k3v16").kv());
        // an equal pair is the single format (kFormat == kv)
        assertEquals(Format.KV8, QuantPlan.parse("kv-k8v8").kFormat());
        assertEquals("16-16-8", QuantPlan.parse("kv-k8v8").wakv());
        // single-format plans: K as V
        assertEquals(Format.KV4, QuantPlan.parse("kv4").kvK());
        assertEquals(Format.F16, QuantPlan.W16.kvK());
        // with weights, rotation and clipping
        QuantPlan combo = QuantPlan.parse("w4a16-g128+kv-k8v4");
        assertEquals(Format.W4G, combo.weights());
        assertEquals(Format.KV8, combo.kFormat());
        assertEquals(Format.KV4, combo.kv());
        assertEquals("4-16-k8v4", combo.wakv());
        assertTrue(QuantPlan.parse("kv-k8v4-rot").kvRotate());
        QuantPlan clip = QuantPlan.parse("kv-k4v8-rot-clip0.95");
        assertTrue(clip.kvRotate());
        assertEquals(0.95, clip.kvClip());
        assertEquals(0.9, QuantPlan.parse("kv-k16v4-clip0.9").kvClip());
        assertEquals(Format.KV4, QuantPlan.parse("w8a8+kv-k8v4").kv());
    }

    @Test
    void refusesUnsupportedSplitKvPlansInOneLine() {
        for (String bad : new String[] {"kv-k8v4-kvq", "kv-k4v4-kvq-prebias", "kv-k5v4", "kv-k8v32", "kv-k8", "kv-v4", "kv-k8v4+kv4",
                "w8a8kv8+kv-k8v4", "kv-k16v16-clip0.9", "kv-k8v4-clip1.5", "kv-k8v4-clip0", "l0=kv-k8v4", "kv-k8v4-rot-kvq"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("kv-k8v4-kvq")).getMessage().contains("-kvq"));
    }

    @Test
    void asymmetricW4A4AndActivationClip() {
        QuantPlan a = QuantPlan.parse("w4a4-asym");
        assertEquals(Format.I4CHA, a.weights());
        assertTrue(a.rotate(), "w4a4-asym is rotated like w4a4");
        assertEquals(Format.F16, a.kv());
        assertEquals(Format.BF16, a.head());
        assertEquals(1.0, a.actClip());
        assertEquals("4-4-16", a.wakv());
        QuantPlan akv = QuantPlan.parse("w4a4-asymkv4");
        assertEquals(Format.I4CHA, akv.weights());
        assertEquals(Format.KV4, akv.kv());
        assertTrue(akv.kvRotate(), "like w4a4kv4: the KV cache rotated as in QuaRot");
        assertEquals(QuantPlan.parse("w4a4kv4").kvRotate(), akv.kvRotate());

        QuantPlan c = QuantPlan.parse("w4a4-asym-aclip0.9+kv4-rot-clip0.95");
        assertEquals(Format.I4CHA, c.weights());
        assertEquals(0.9, c.actClip());
        assertEquals(0.95, c.kvClip());
        assertEquals(Format.KV4, c.kv());
        assertTrue(c.kvRotate());
        assertEquals(0.9, QuantPlan.parse("w8a8-aclip0.9").actClip());
        assertEquals(Format.I8CH, QuantPlan.parse("w8a8-aclip0.9").weights());
        assertEquals(0.5, QuantPlan.parse("w8a8-asym-aclip.5kv8").actClip());
        assertEquals(1.0, QuantPlan.parse("w4a4kv4").actClip(), "no aclip: no clamp");
        assertEquals(0.9, c.withMethod("gptq").actClip(), "a calibrated file's plan keeps the clip");
        // names round-trip
        for (String n : new String[] {"w4a4-asym", "w4a4-asymkv4", "w4a4-asym-aclip0.9", "w8a8-aclip0.9", "w4a4-asym-aclip0.9+kv4-rot-clip0.95"}) {
            QuantPlan p = QuantPlan.parse(n);
            assertEquals(n, p.name());
            assertEquals(p, QuantPlan.parse(p.name()));
        }
        // bad clip values: one line naming the activation clip
        for (String bad : new String[] {"w4a4-asym-aclip0", "w4a4-asym-aclip1.5", "w8a8-aclip0.0", "w8a8-aclip2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse(bad), bad);
            assertTrue(e.getMessage().contains("activation clip ratio must be in (0, 1]"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("w4a4-aclip"));
        assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse("w16+ffn_down=w8a8-aclip0.9"), "aclip in an override");
    }

    @Test
    void rejectsBadPlansWithAClearMessage() {
        for (String bad : new String[] {"", "w5a16", "w4a16-g7", "w8a4", "kv5", "w4a16+w3a16", "kv4+kv8", "q4_0", "w4a8-asym",
                "kv16-kvq", "kv4-prebias", "kv4-clip0", "kv4-clip1.5", "kv16-clip0.9", "kv4-clip", "kv4-rot-kvq", "kv4-kvq-rot", "w4a4kv4+kv4-kvq", "kv4-kvq+kv4"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }
}
