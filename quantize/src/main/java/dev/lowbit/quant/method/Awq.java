package dev.lowbit.quant.method;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * AWQ (Lin et al. 2023) for the grouped weight formats, one block at a time, producing a plain
 * model: per input site a scale per input channel is searched ({@link AwqSearch}), the scales are
 * folded into what produces the site's input (q/k/v: the attention norm; gate/up: the FFN norm;
 * down: the rows of up; o: the rows of v, only where v's outputs are o's inputs one to one, i.e.
 * without grouped-query attention, as llm-awq does), then each group's range is clipped (AWQ's
 * auto_clip, on every linear but q and k) and the weights are rounded onto it.
 *
 * <p>All scales of a block are searched on its 16-bit weights and the statistics of its inputs,
 * then applied together (they act on different axes and commute); the clipping search sees the
 * scaled weights and the correspondingly scaled inputs, X^T X -> diag(s)^-1 X^T X diag(s)^-1. Its
 * objective, per row and group, is the output error of that group over the calibration tokens,
 * d^T H_gg d ({@code lb_group_params_awq}); llm-awq computes the same quantity on 512 sampled
 * tokens, here on all of them. llm-awq clamps the weights to the chosen limit before rounding,
 * here the original weights are rounded onto the clipped grid (codes clamped instead): a weight
 * beyond the limit lands on the nearest grid point, and the search judges exactly what is stored.
 * Unlike llm-awq, which calibrates every block on the 16-bit model's activations, the driver
 * feeds each block the output of the blocks already quantized (GPTQ's order).
 *
 * <p>Onto a GGUF-native type ({@link #ontoGguf}, {@code quantize --format}): the scale search rounds
 * with the type's reference quantizer (per matrix its fallback type, {@link NativeTypeGguf#typeFor}),
 * and the clipping search picks each block's range shrink on {@link GgufGrid} by the same
 * output-error objective (the block's d^T H_bb d); the folded norms and v bias are written as F32.
 */
public final class Awq implements LayerMethod {
    /**
     * grid: points of the scale search (alpha = i/grid); clip: run the clipping search; clipGrid and
     * maxShrink: limits p * max|w| for p = 1 - i/clipGrid, i < maxShrink*clipGrid.
     * study() = llm-awq's defaults: 20 scale points, clipping with 20 steps down to half the range.
     */
    public record Settings(int grid, boolean clip, int clipGrid, float maxShrink) {
        public Settings {
            if (grid < 1 || grid > 1000) throw new IllegalArgumentException("the AWQ scale grid must be in 1..1000, got " + grid);
            if (clipGrid < 1 || !(maxShrink >= 0 && maxShrink < 1)) throw new IllegalArgumentException("bad AWQ clipping settings");
        }

        public static Settings study() {
            return new Settings(20, true, 20, 0.5f);
        }

        public Settings withGrid(int g) {
            return new Settings(g, clip, clipGrid, maxShrink);
        }

        public Settings withClip(boolean c) {
            return new Settings(grid, c, clipGrid, maxShrink);
        }

        /** as recorded in the file's lowbit.quant.settings */
        public String describe() {
            return String.format("scale_grid=%d clip=%b clip_grid=%d max_shrink=%s loss=linear_output(X^T X) o_scaled_when=v_out==o_in",
                    grid, clip, clipGrid, maxShrink);
        }
    }

    /** the scale the search chose for one site of one block, and the objective it reached against RTN's (alpha = 0) */
    public record Choice(int layer, Site site, double alpha, double error, double rtnError) {}

    private final Format fmt;
    private final int groupSetting;
    private final Settings settings;
    private final boolean quantize;
    private final boolean gguf;  // fmt is a GGUF-native type
    private final List<Choice> choices = Collections.synchronizedList(new ArrayList<>());

    private Awq(Format fmt, int groupSetting, Settings settings, boolean quantize, boolean gguf) {
        this.fmt = fmt;
        this.groupSetting = groupSetting;
        this.settings = settings;
        this.quantize = quantize;
        this.gguf = gguf;
    }

    /** AWQ onto the plan's grouped format (W4G/W3G/W2G) */
    public static Awq of(QuantPlan plan, Settings settings) {
        return new Awq(MatrixMethods.groupedFormat(plan, "AWQ"), plan.weightGroup(), settings, true, false);
    }

    /** AWQ onto the grids of a GGUF-native type ({@link GgufGrid#supports}) */
    public static Awq ontoGguf(Format type, Settings settings) {
        if (!GgufGrid.supports(type))
            throw new IllegalArgumentException("AWQ rounds onto " + GgufGrid.typeNames() + ", not " + NativeTypeGguf.typeName(type) + " (--method rtn writes it)");
        return new Awq(type, 0, settings, true, true);
    }

    /**
     * the scales searched for the plan and folded, the weights left unquantized (as F32): a model that
     * computes what the 16-bit one does, up to float rounding (how the folding is tested)
     */
    public static Awq foldOnly(QuantPlan plan, Settings settings) {
        return new Awq(MatrixMethods.groupedFormat(plan, "AWQ"), plan.weightGroup(), settings, false, false);
    }

    /** every block's choices so far, in order */
    public List<Choice> choices() {
        synchronized (choices) {
            return List.copyOf(choices);
        }
    }

    @Override
    public Replacements quantize(Layer l) {
        for (Site s : Site.values())
            if (l.stats(s) == null) throw new IllegalArgumentException("AWQ needs calibration data (no statistics at " + s + ")");
        // 1. every scale of the block, from its 16-bit weights
        float[] sIn = search(l, Site.ATTN_IN, l.q(), l.k(), l.v());
        boolean foldO = l.v().rows() == l.o().cols();  // each of o's inputs is one output of v (no shared KV heads)
        float[] sO = foldO ? search(l, Site.ATTN_OUT, l.o()) : null;
        float[] sFfn = search(l, Site.FFN_IN, l.gate(), l.up());
        float[] sMid = search(l, Site.FFN_MID, l.down());

        // 2. folded: the inputs' producers divided by s, the readers' columns multiplied by s
        Replacements r = Replacements.empty();
        r.floats().put(l.attnNorm().name(), Folding.divide(l.attnNorm().v(), sIn));
        r.floats().put(l.ffnNorm().name(), Folding.divide(l.ffnNorm().v(), sFfn));
        float[] v = scaled(l.v(), sIn), o = l.o().w();
        if (sO != null) {
            v = Folding.unscaleRows(v, l.v().rows(), l.v().cols(), sO);
            o = scaled(l.o(), sO);
            if (l.vBias() != null) r.floats().put(l.vBias().name(), Folding.divide(l.vBias().v(), sO));
        }
        float[] up = Folding.unscaleRows(scaled(l.up(), sFfn), l.up().rows(), l.up().cols(), sMid);

        // 3. clipped and rounded: the clipping search sees the inputs the scaled weights will see
        float[] hIn = Folding.scaledGram(l.stats(Site.ATTN_IN).xtx(), l.q().cols(), sIn);
        float[] hO = sO == null ? l.stats(Site.ATTN_OUT).xtx() : Folding.scaledGram(l.stats(Site.ATTN_OUT).xtx(), l.o().cols(), sO);
        float[] hFfn = Folding.scaledGram(l.stats(Site.FFN_IN).xtx(), l.gate().cols(), sFfn);
        float[] hMid = Folding.scaledGram(l.stats(Site.FFN_MID).xtx(), l.down().cols(), sMid);
        put(r, l.q(), scaled(l.q(), sIn), null);  // q and k are not clipped: their error passes through q k^T
        put(r, l.k(), scaled(l.k(), sIn), null);
        put(r, l.v(), v, hIn);
        put(r, l.o(), o, hO);
        put(r, l.gate(), scaled(l.gate(), sFfn), hFfn);
        put(r, l.up(), up, hFfn);
        put(r, l.down(), scaled(l.down(), sMid), hMid);
        return r;
    }

    private float[] search(Layer l, Site site, Matrix... linears) {
        Format f = gguf ? NativeTypeGguf.typeFor(fmt, linears[0].cols(), linears[0].name()) : fmt;
        AwqSearch.Result res = AwqSearch.search(List.of(linears), l.stats(site), f, groupSetting, settings.grid());
        choices.add(new Choice(l.index(), site, res.alpha(), res.error(), res.rtnError()));
        return res.scales();
    }

    private static float[] scaled(Matrix m, float[] s) {
        return Folding.scaleColumns(m.w(), m.rows(), m.cols(), s);
    }

    /** the matrix's folded weights: quantized (clipped against xtx unless it is null or clipping is off), or as F32 when only folding */
    private void put(Replacements r, Matrix m, float[] w, float[] xtx) {
        if (!quantize) {
            r.floats().put(m.name(), w);
            return;
        }
        if (gguf) {
            Format t = NativeTypeGguf.typeFor(fmt, m.cols(), m.name());
            if (xtx == null || !settings.clip()) {
                r.packed().put(m.name(), MatrixMethods.pack(t, 0, m.rows(), m.cols(), m.cols(), w, null, null));
                return;
            }
            GgufGrid g = GgufGrid.of(t, w, m.rows(), m.cols(), settings.clipGrid(), settings.maxShrink(), GgufGrid.outputError(xtx, m.cols()));
            float[] q = new float[w.length];
            for (int i = 0; i < q.length; i++) q[i] = g.round(w[i], i / m.cols(), i % m.cols() / GgufGrid.BLOCK);
            r.packed().put(m.name(), new PackedMatrix(t, 0, m.rows(), m.cols(), m.cols(), g.pack(q)));
            return;
        }
        int group = QuantPlan.groupFor(fmt, groupSetting, m.cols());
        int padded = (int) QuantPlan.paddedCols(fmt, groupSetting, m.cols());
        float[] wp = MatrixMethods.padRows(w, m.rows(), m.cols(), padded);
        PackedMatrix p;
        if (xtx == null || !settings.clip()) {
            p = MatrixMethods.pack(fmt, group, m.rows(), m.cols(), padded, wp, null, null);
        } else {
            float[] scale = new float[m.rows() * (padded / group)], zero = new float[scale.length];
            try (NativeBuffer src = MatrixMethods.floats(wp);
                 NativeBuffer h = MatrixMethods.floats(MatrixMethods.padSquare(xtx, m.cols(), padded));
                 NativeBuffer sc = NativeBuffer.floats(scale.length);
                 NativeBuffer zr = NativeBuffer.floats(zero.length)) {
                Native.check(LowbitNative.lb_group_params_awq(fmt.id, group, src.address(), m.rows(), padded, h.address(),
                        settings.clipGrid(), settings.maxShrink(), sc.address(), zr.address()), "AWQ clipping search " + m.name());
                sc.floatView(0, scale.length).get(scale);
                zr.floatView(0, zero.length).get(zero);
            }
            p = MatrixMethods.pack(fmt, group, m.rows(), m.cols(), padded, wp, scale, zero);
        }
        r.packed().put(m.name(), p);
    }
}
