package dev.lowbit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;

import dev.lowbit.model.LayerWeights;
import dev.lowbit.quant.Site;

import dev.lowbit.quality.QualityMeter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mixed plans: per-layer and per-matrix weight overrides, later parts winning, applied at load. */
class MixedPlanTest {
    @Test
    void overridesPickTheFormatOfEachMatrixAndLaterPartsWin() {
        QuantPlan p = QuantPlan.parse("w3a16-g128+L0-1=w16+ffn_down=w4a16-g128+l2.ffn_down=w8a8");
        assertNull(p.weightsFor(0, "attn_q").weights());
        assertNull(p.weightsFor(1, "ffn_up").weights());
        assertEquals(new QuantPlan.MatrixFormat(Format.W3G, 128), p.weightsFor(3, "attn_q"));
        assertEquals(new QuantPlan.MatrixFormat(Format.W4G, 128), p.weightsFor(1, "ffn_down"), "the later ffn_down part wins over l0-1");
        assertEquals(Format.I8CH, p.weightsFor(2, "ffn_down").weights());
        assertEquals(Format.BF16, p.head(), "the base plan still quantizes the linear layers: BF16 head");
        assertEquals("w3a16-g128+l0-1=w16+ffn_down=w4a16-g128+l2.ffn_down=w8a8", p.name());
        assertNull(QuantPlan.parse("w16+l3=w3a16-g128").head(), "a w16 base keeps its head whatever one layer does");
    }

    @Test
    void badOverridesAreRefusedWithTheirPart() {
        for (String bad : new String[] {"w16+l0=w4a4kv4", "w16+l0=kv4-rot", "w16+=w4a16-g128", "w16+l3-1=w16", "w16+l0=kv4", "w16+ffn_down=head8",
                "w16+l0=w3a16-g128+l1=w16+kv4=w16", "w16+attn_z=w16"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantPlan.parse(bad), bad);
            assertTrue(e.getMessage().contains("plan") || e.getMessage().contains("override"), e.getMessage());
        }
    }

    @Test
    void theLoaderAppliesTheOverridesAndAFullOverrideIsTheBaseModel() throws Exception {
        try (LowbitModel m = load("w3a16-g128+l0-1=w16+ffn_down=w4a16-g128")) {
            List<LayerWeights> layers = m.internals().weights().layers;
            assertEquals(Format.F32, layers.get(0).wq().format, "stories260K stores F32: layer 0 kept");
            assertEquals(Format.W4G, layers.get(0).down().format);
            assertEquals(Format.W3G, layers.get(2).wq().format);
            assertEquals(Format.W4G, layers.get(4).down().format);
            double mixed = QualityMeter.bitsPerWeight(m.internals().weights());
            try (LowbitModel w3 = load("w3a16-g128")) {
                assertTrue(mixed > QualityMeter.bitsPerWeight(w3.internals().weights()), "keeping layers at 16 bits costs bits");
            }
        }
        int n = 0;
        try (LowbitModel base = load("w16"); LowbitModel all = load("w3a16-g128+l0-99=w16+head16")) {
            int[] tokens = {1, 400, 31, 277, 90};
            float[][] a = TestModels.logits(base, tokens), b = TestModels.logits(all, tokens);
            for (int i = 0; i < tokens.length; i++, n++) assertArrayEquals(a[i], b[i], 0f, "token " + i);
        }
        assertEquals(5, n);
    }

    @Test
    void rotationIsDecidedPerLayerAndSite() {
        QuantPlan q = QuantPlan.parse("w16+attn_q=w4a4");
        assertTrue(q.rotated(0, Site.ATTN_IN), "q rotated: the whole q,k,v site is");
        assertFalse(q.rotated(0, Site.ATTN_OUT));
        assertFalse(q.rotated(0, Site.FFN_IN));
        QuantPlan down = QuantPlan.parse("w4a4+ffn_down=w8a8");
        assertTrue(down.rotated(1, Site.FFN_IN));
        assertFalse(down.rotated(1, Site.FFN_MID), "w8a8 down is the only matrix of its site");
        QuantPlan kept = QuantPlan.parse("w4a4+l0-1=w16");
        assertFalse(kept.rotated(1, Site.ATTN_IN));
        assertTrue(kept.rotated(2, Site.ATTN_IN));
        QuantPlan l3 = QuantPlan.parse("w16+l3=w4a4");
        assertTrue(l3.rotated(3, Site.FFN_MID));
        assertFalse(l3.rotated(2, Site.FFN_MID));
        assertNull(l3.head(), "a w16 base keeps its head");
        assertTrue(QuantPlan.parse("w16+l1=rot").rotated(1, Site.ATTN_OUT));
    }

    @Test
    void aRotatedSiteStoresAllItsMatricesRotated() throws Exception {
        try (LowbitModel m = load("w16+attn_q=w4a4")) {
            LayerWeights l = m.internals().weights().layers.get(1);
            assertEquals(Format.I4CH, l.wq().format);
            assertTrue(l.wq().rotated && l.wk().rotated && l.wv().rotated);
            assertEquals(Format.F32, l.wk().format, "kept k at the rotated site: rotated F32");
            assertFalse(l.wo().rotated || l.gate().rotated || l.down().rotated);
        }
        try (LowbitModel m = load("w4a4+ffn_down=w8a8")) {
            LayerWeights l = m.internals().weights().layers.get(0);
            assertEquals(Format.I8CH, l.down().format);
            assertFalse(l.down().rotated);
            assertTrue(l.gate().rotated && l.up().rotated && l.wo().rotated);
        }
        try (LowbitModel m = load("w4a4+l0-1=w16")) {
            List<LayerWeights> ls = m.internals().weights().layers;
            assertEquals(Format.F32, ls.get(1).wq().format);
            assertFalse(ls.get(1).wq().rotated);
            assertEquals(Format.I4CH, ls.get(2).wq().format);
            assertTrue(ls.get(2).wq().rotated);
        }
        try (LowbitModel m = load("w16+ffn_up=w4a16-g128+ffn_gate=w4a4")) {
            LayerWeights l = m.internals().weights().layers.get(0);
            assertEquals(Format.W4G, l.up().format, "a grouped matrix at a rotated site is quantized from its rotated rows");
            assertTrue(l.up().rotated);
        }
    }

    private static LowbitModel load(String plan) throws Exception {
        return LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan)));
    }

}
