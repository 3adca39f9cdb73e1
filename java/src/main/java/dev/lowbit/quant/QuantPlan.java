package dev.lowbit.quant;

import dev.lowbit.model.Transformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A quantization configuration in the study's W-A-KV notation, e.g. "w16", "w4a16-g128",
 * "w8a8kv8", "w8a8-asym" / "w4a4-asym" (asymmetric per-token activations), "w4a4kv4", "w4a4-asym-aclip0.9"
 * (activation clip ratio), "mxfp4" (weights and activations in
 * MXFP4, see {@link #MXFP4_NAMES}), "kv4", "kv4-rot", "kv4-kvq", "kv4-kvq-prebias",
 * "w4a16-g128+kv4", separate K and V cache formats as llama.cpp's -ctk/-ctv ("kv-k8v4": K in KV8, V in KV4;
 * any pair of 16/8/4/3, with -rot and -clipX as kvN), and mixed plans that override the weights of some layers or matrix kinds:
 * "w3a16-g128+l0-1=w16+ffn_down=w4a16-g128" (later parts win), rotated ones included ("w16+l3=w4a4", "w4a4+ffn_down=w8a8":
 * see {@link #rotated}). Applied when a model is loaded.
 *
 * @param name           the plan as written (normalised)
 * @param weights        target format of the linear-layer weights, or null to keep them as loaded
 * @param weightGroup    group size for grouped weight formats (per-channel = 0 means "whole row")
 * @param rotate         online Hadamard rotation of linear inputs, folded into the weights (W4A4), for the base weights;
 *                       overrides carry their own ({@link #rotated} decides per layer and site)
 * @param kv             KV-cache format (F16 by default): the V cache's, and the K cache's unless kvK says otherwise
 * @param kvGroup        KV group size (per token and head; capped at head_dim)
 * @param kvRotate       Hadamard-rotate queries, keys and values per head before the cache (and the
 *                       attention output back), spreading outliers before KV quantization ("kv4-rot";
 *                       implied by w4a4kvN as in QuaRot). Scores q·k and the output are unchanged.
 * @param method         calibration method ("rtn"; others plug in here)
 * @param head           format of the output head, or null to keep it as loaded. The study keeps the head
 *                       16-bit; it runs every model in BF16, so the plans that quantize the linear layers
 *                       (w4a16/w3a16/w2a16, w8a8, w4a4) store the head as BF16 (converted at load from F16/F32; exact for a
 *                       BF16-origin model's F16 file; a head the file stores quantized, e.g. Q6_K,
 *                       is kept) and compute it as bf16(x) x W with FP32
 *                       accumulation, as such a model's lm_head does. "head16" written explicitly keeps
 *                       the head as loaded (e.g. "w4a16-g128+head16" keeps an F16 head). "head8" = Q8_0,
 *                       "head4" = W4G group 128 (not the study's setting: they show how decode speed
 *                       follows bytes once the 16-bit head no longer dominates)
 * @param kvStaticK      KVQuant* ("kvN-kvq"): K quantized before RoPE with static per-channel asymmetric scales
 *                       from a calibration pass ({@link #kFormat()}); V stays per-token in {@link #kv()}
 * @param kvPreBias      with kvStaticK ("kvN-kvq-prebias"): K quantized before the K projection's bias is added
 *                       (the bias is folded into the dequantization offset); the same as kvStaticK alone on a
 *                       model without K bias
 * @param kvClip         clip ratio in (0, 1] of the KV quantization ranges ("kv4-rot-clip0.95" as in QuaRot; 1 = none):
 *                       per-token groups are clamped to clip * [min, max]; static K ranges are scaled by it
 * @param kvK            per-token format of the K cache ("kv-k8v4": KV8 while kv is KV4); null means kv. A static-K
 *                       plan's K format is {@link #kFormat()}
 * @param actClip        activation clip ratio in (0, 1] ("w4a4-asym-aclip0.9" as QuaRot's --a_clip_ratio; 1 = none): each
 *                       token's row at a quantized linear's input is clamped to actClip * [min(0, min), max(0, max)]
 *                       right before the matmul (after the plan's rotation); not at a site with a learned transform
 */
public record QuantPlan(String name, Format weights, int weightGroup, boolean rotate, Format kv, int kvGroup,
                        boolean kvRotate, String method, Format head, boolean kvStaticK, boolean kvPreBias, double kvClip,
                        List<WeightOverride> overrides, Format kvK, double actClip) {
    public static final QuantPlan W16 = new QuantPlan("w16", null, 0, false, Format.F16, 128, false, "rtn", null);

    public QuantPlan {
        overrides = List.copyOf(overrides);
        if (kvK == null) kvK = kv;
        if (kvK != kv && kvStaticK) throw new IllegalArgumentException("static K quantization has no separate per-token K format");
        if (!(actClip > 0 && actClip <= 1)) throw new IllegalArgumentException("activation clip ratio must be in (0, 1], not " + actClip);
    }

    /** a plan without an activation clip */
    public QuantPlan(String name, Format weights, int weightGroup, boolean rotate, Format kv, int kvGroup, boolean kvRotate,
                     String method, Format head, boolean kvStaticK, boolean kvPreBias, double kvClip, List<WeightOverride> overrides,
                     Format kvK) {
        this(name, weights, weightGroup, rotate, kv, kvGroup, kvRotate, method, head, kvStaticK, kvPreBias, kvClip, overrides, kvK, 1.0);
    }

    /** a plan with one per-token format for K and V */
    public QuantPlan(String name, Format weights, int weightGroup, boolean rotate, Format kv, int kvGroup, boolean kvRotate,
                     String method, Format head, boolean kvStaticK, boolean kvPreBias, double kvClip, List<WeightOverride> overrides) {
        this(name, weights, weightGroup, rotate, kv, kvGroup, kvRotate, method, head, kvStaticK, kvPreBias, kvClip, overrides, kv);
    }

    /** a plan without static K quantization, KV clipping or per-matrix overrides */
    public QuantPlan(String name, Format weights, int weightGroup, boolean rotate, Format kv, int kvGroup, boolean kvRotate,
                     String method, Format head) {
        this(name, weights, weightGroup, rotate, kv, kvGroup, kvRotate, method, head, false, false, 1.0, List.of());
    }

    /** the linear-layer matrix kinds, as GGUF names them ("blk.N.<kind>.weight") */
    public static final List<String> MATRICES = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    /**
     * A part of a mixed plan ("l0-1=w16", "ffn_down=w4a16-g128", "l3.attn_v=w8a8"): the matrices of
     * layers first..last (all layers when first < 0) of one kind (all kinds when null) take this
     * weight format (null: kept as loaded) and group instead of the plan's.
     */
    public record WeightOverride(int first, int last, String matrix, Format weights, int group, boolean rotate) {
        boolean matches(int layer, String kind) {
            return (first < 0 || (layer >= first && layer <= last)) && (matrix == null || matrix.equals(kind));
        }
    }

    /**
     * the format (null: kept as loaded) and group of one layer matrix, and whether that format asks for a rotated input
     * (W4A4, "rot"): the last override that matches, else the plan's
     */
    public record MatrixFormat(Format weights, int group, boolean rotate) {
        public MatrixFormat(Format weights, int group) {
            this(weights, group, false);
        }
    }

    public MatrixFormat weightsFor(int layer, String kind) {
        MatrixFormat f = new MatrixFormat(weights, weightGroup, rotate);
        for (WeightOverride o : overrides) if (o.matches(layer, kind)) f = new MatrixFormat(o.weights(), o.group(), o.rotate());
        return f;
    }

    /**
     * whether the input of `site` in `layer` is Hadamard-rotated. The forward pass rotates a site's input once for all
     * the matrices that read it (q,k,v | o | gate,up | down), so the rule is per site: rotated when any of its
     * matrices resolves to a rotated format; its other matrices are then stored rotated too (see ModelWeights).
     */
    public boolean rotated(int layer, Site site) {
        for (int k = 0; k < MATRICES.size(); k++)
            if (Site.OF_MATRIX.get(k) == site && weightsFor(layer, MATRICES.get(k)).rotate()) return true;
        return false;
    }

    /**
     * "mxfp4": weights MXFP4, activations quantized to MXFP4 per 32 at run time, no rotation; the head as
     * the other W4A4 plans (BF16); the KV cache F16 unless a KV part is added ("mxfp4+kv4", "mxfp4+kvmxfp4").
     * "mxfp4-w4a4kv4", the study's row, is "mxfp4+kvmxfp4": K and V in MXFP4 blocks of 32 per head too.
     */
    public static final List<String> MXFP4_NAMES = List.of("mxfp4");

    private static final Pattern WEIGHT_ONLY = Pattern.compile("w([234])a16(?:-g(\\d+|ch))?");
    private static final Pattern W_A_KV = Pattern.compile("w(8|4)a(8|4)(-asym)?(?:-aclip(\\d*\\.?\\d+))?(?:kv(8|4|3|16))?");
    private static final Pattern KV = Pattern.compile("kv(8|4|3|16|32|mxfp4)(?:(-rot)|(-kvq)(-prebias)?)?(?:-clip(\\d*\\.?\\d+))?");
    // separate K and V formats: "kv-k8v4", "kv-k4v8-rot", "kv-k8v4-clip0.95" (static K, -kvq, is matched to be refused)
    private static final Pattern KV_SPLIT = Pattern.compile("kv-k(16|8|4|3)v(16|8|4|3)(-rot|-kvq(?:-prebias)?)?(?:-clip(\\d*\\.?\\d+))?");
    private static final Pattern HEAD = Pattern.compile("head(16|8|4)");
    private static final Pattern OVERRIDE = Pattern.compile(
            "(?:l(\\d+)(?:-(\\d+))?)?\\.?(" + String.join("|", MATRICES) + ")?=(.+)");

    public static QuantPlan parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty quantization plan");
        String norm = text.trim().toLowerCase(Locale.ROOT);
        Format weights = null;
        int group = 0;
        boolean rotate = false;
        Format kv = Format.F16, kvK = null;
        boolean sawWeights = false, sawKv = false, kvRotate = false, sawHead = false, staticK = false, preBias = false;
        double clip = 1.0, actClip = 1.0;
        Format head = null;
        List<WeightOverride> overrides = new ArrayList<>();
        for (String part : norm.split("\\+", -1)) {
            Matcher m;
            // "+", "++", "w4a16-g128+": String.split would drop the empty parts and accept them
            if (part.isEmpty())
                throw new IllegalArgumentException("quantization plan '" + text + "' has an empty part (parts are joined by single '+', e.g. w4a16-g128+kv8)");
            if ((m = OVERRIDE.matcher(part)).matches()) {
                overrides.add(override(text, part, m));
            } else if (part.equals("w16") || part.equals("f16") || part.equals("bf16")) {
                if (sawWeights) throw dup(text);
                sawWeights = true;
            } else if ((m = WEIGHT_ONLY.matcher(part)).matches()) {
                if (sawWeights) throw dup(text);
                sawWeights = true;
                weights = switch (m.group(1)) {
                    case "4" -> Format.W4G;
                    case "3" -> Format.W3G;
                    default -> Format.W2G;
                };
                String g = m.group(2);
                group = g == null ? 128 : g.equals("ch") ? 0 : Integer.parseInt(g);
                if (g != null && !g.equals("ch") && (group <= 0 || group % 8 != 0))
                    throw new IllegalArgumentException("group size must be a positive multiple of 8 in plan '" + text + "'");
            } else if ((m = W_A_KV.matcher(part)).matches()) {
                if (sawWeights) throw dup(text);
                sawWeights = true;
                if (!m.group(1).equals(m.group(2)))
                    throw new IllegalArgumentException("unsupported weight/activation pair in plan '" + text + "' (w8a8 or w4a4)");
                boolean asym = m.group(3) != null;
                weights = m.group(1).equals("8") ? (asym ? Format.I8CHA : Format.I8CH) : (asym ? Format.I4CHA : Format.I4CH);
                rotate = weights == Format.I4CH || weights == Format.I4CHA;
                if (m.group(4) != null) {
                    actClip = Double.parseDouble(m.group(4));
                    if (!(actClip > 0 && actClip <= 1))
                        throw new IllegalArgumentException("activation clip ratio must be in (0, 1] (plan '" + text + "')");
                }
                if (m.group(5) != null) {
                    sawKv = true;
                    kv = kvFormat(m.group(5));
                    kvRotate = rotate && kv != Format.F16;
                }
            } else if (part.equals("mxfp4-w4a4kv4")) {
                // the study's row: MXFP4 weights, activations and KV cache, queries unquantized
                if (sawWeights || sawKv) throw dup(text);
                sawWeights = sawKv = true;
                weights = kv = Format.MXFP4;
            } else if (MXFP4_NAMES.contains(part)) {
                if (sawWeights) throw dup(text);
                sawWeights = true;
                weights = Format.MXFP4;
            } else if (part.equals("rot")) {
                // Hadamard rotation alone (weights stored rotated in F32): checks that rotation keeps the function
                rotate = true;
            } else if ((m = HEAD.matcher(part)).matches()) {
                if (sawHead) throw dup(text);
                sawHead = true;
                head = switch (m.group(1)) {
                    case "8" -> Format.Q8_0;
                    case "4" -> Format.W4G;
                    default -> null;
                };
            } else if ((m = KV.matcher(part)).matches()) {
                if (sawKv) throw dup(text);
                sawKv = true;
                kv = kvFormat(m.group(1));
                kvRotate = m.group(2) != null;
                staticK = m.group(3) != null;
                preBias = m.group(4) != null;
                if (staticK && !kv.grouped())
                    throw new IllegalArgumentException("static K quantization (-kvq) needs kv8, kv4 or kv3 (plan '" + text + "')");
                if (m.group(5) != null) {
                    clip = Double.parseDouble(m.group(5));
                    if (!(clip > 0 && clip <= 1) || !kv.grouped())
                        throw new IllegalArgumentException("KV clip ratio must be in (0, 1] on kv8, kv4 or kv3 (plan '" + text + "')");
                }
            } else if ((m = KV_SPLIT.matcher(part)).matches()) {
                if (sawKv) throw dup(text);
                sawKv = true;
                kvK = kvFormat(m.group(1));
                kv = kvFormat(m.group(2));
                if (m.group(3) != null && m.group(3).startsWith("-kvq"))
                    throw new IllegalArgumentException("static K quantization (-kvq) cannot be combined with separate K/V formats (plan '"
                            + text + "'): use kvN-kvq");
                kvRotate = m.group(3) != null;
                if (m.group(4) != null) {
                    clip = Double.parseDouble(m.group(4));
                    if (!(clip > 0 && clip <= 1) || !kv.grouped() && !kvK.grouped())
                        throw new IllegalArgumentException("KV clip ratio must be in (0, 1] with K or V in 8, 4 or 3 bits (plan '" + text + "')");
                }
            } else {
                throw new IllegalArgumentException("unknown quantization plan '" + part + "' (expected e.g. w16, w4a16-g128, "
                        + "w3a16-g128, w2a16-g128, w8a8, w8a8kv8, w4a4kv4, mxfp4, kv8, kv4, kv3, kv4-rot, kv4-kvq, kv4-kvq-prebias, kv-k8v4, rot, head8, head4, "
                        + "or combinations with '+')");
            }
        }
        if (rotate && weights == null) weights = Format.F32;
        // plans that quantize the linear layers: the 16-bit head of a BF16 model (see the head parameter);
        // head16 keeps it as loaded
        if (!sawHead && quantizesLinears(weights)) head = Format.BF16;
        if (staticK && kvRotate)
            throw new IllegalArgumentException("static pre-RoPE K quantization (-kvq) cannot be combined with K/V rotation (plan '" + text + "')");
        return new QuantPlan(norm, weights, group, rotate, kv, 128, kvRotate, "rtn", head, staticK, preBias, clip, overrides, kvK, actClip);
    }

    /** one override part: layers and/or a matrix kind, and a weight plan (w16, wNa16[-gG], w8a8[-asym], w4a4, mxfp4, rot) */
    private static WeightOverride override(String text, String part, Matcher m) {
        if (m.group(1) == null && m.group(3) == null)
            throw new IllegalArgumentException("override '" + part + "' in plan '" + text + "' names no layers (l0-3) and no matrix (ffn_down)");
        int first = m.group(1) == null ? -1 : Integer.parseInt(m.group(1));
        int last = m.group(2) == null ? first : Integer.parseInt(m.group(2));
        if (last < first) throw new IllegalArgumentException("override '" + part + "': layer range " + first + "-" + last + " is empty");
        QuantPlan w = parse(m.group(4));
        if (w.kv() != Format.F16 || w.kvRotate() || w.kvK() != Format.F16 || w.head() != null && !quantizesLinears(w.weights()) || !w.overrides().isEmpty())
            throw new IllegalArgumentException("override '" + part + "' in plan '" + text + "': give a weight format only (w16, w4a16-g128, w8a8, ...)");
        if (w.actClip() != 1.0)
            throw new IllegalArgumentException("override '" + part + "' in plan '" + text + "': an activation clip (-aclip) applies to the whole plan");
        return new WeightOverride(first, last, m.group(3), w.weights(), w.weightGroup(), w.rotate());
    }

    /** the study's W4A16/W3A16/W2A16, W8A8 and W4A4 (int4 or MXFP4) formats (not the F32 of a rotation-only plan) */
    private static boolean quantizesLinears(Format weights) {
        return weights == Format.W4G || weights == Format.W3G || weights == Format.W2G
                || weights == Format.I8CH || weights == Format.I8CHA || weights == Format.I4CH || weights == Format.I4CHA
                || weights == Format.MXFP4;
    }

    /** the same plan, produced by another method (a calibrated file's plan: "gptq", "awq", ...) */
    public QuantPlan withMethod(String m) {
        return new QuantPlan(name, weights, weightGroup, rotate, kv, kvGroup, kvRotate, m, head, kvStaticK, kvPreBias, kvClip, overrides, kvK, actClip);
    }

    /**
     * the weight part of a plan as written in the grammar ("w4a4", "w3a16-g128", "w8a8-asym", "mxfp4", "rot"; "w16" when the
     * weights are kept); overrides, head parts and the activation clip (-aclip, a whole-plan part) are not included
     */
    public String weightPart() {
        if (weights == null) return "w16";
        if (weights == Format.F32 && rotate) return "rot";
        return switch (weights) {
            case I4CH -> "w4a4";
            case I4CHA -> "w4a4-asym";
            case I8CH -> "w8a8";
            case I8CHA -> "w8a8-asym";
            case MXFP4 -> "mxfp4";
            case W4G, W3G, W2G -> "w" + weights.bits + "a16-g" + (weightGroup == 0 ? "ch" : String.valueOf(weightGroup));
            default -> throw new IllegalStateException("plan " + name + " has no weight part in the grammar");
        };
    }

    /**
     * the run-time KV part of a plan as written in the grammar ("kv4-rot" for w4a4kv4, "kv-k8v4", "kv4-kvq-prebias-clip0.9"),
     * or null when the cache is plain F16
     */
    public String kvPart() {
        if (kv == Format.F16 && kvK == Format.F16 && !kvRotate && !kvStaticK && kvClip == 1.0) return null;
        String s = kvK == kv ? "kv" + cacheBits(kv) : "kv-k" + cacheBits(kvK) + "v" + cacheBits(kv);
        if (kvStaticK) s += kvPreBias ? "-kvq-prebias" : "-kvq";
        else if (kvRotate) s += "-rot";
        if (kvClip != 1.0) s += "-clip" + kvClip;
        return s;
    }

    private static String cacheBits(Format f) {
        return f == Format.F32 ? "32" : f == Format.F16 ? "16" : f == Format.MXFP4 ? "mxfp4" : String.valueOf(f.bits);
    }

    /** the same plan in every field but its name (e.g. "w4a4kv4" and "w4a4+kv4-rot") */
    public boolean sameAs(QuantPlan o) {
        return renamed("").equals(o.renamed(""));
    }

    private QuantPlan renamed(String n) {
        return new QuantPlan(n, weights, weightGroup, rotate, kv, kvGroup, kvRotate, method, head, kvStaticK, kvPreBias, kvClip, overrides, kvK, actClip);
    }

    /** format of the K cache: the static per-channel KVS format for kvq plans, else the per-token {@link #kvK()} */
    public Format kFormat() {
        if (!kvStaticK) return kvK;
        return switch (kv) {
            case KV8 -> Format.KVS8;
            case KV4 -> Format.KVS4;
            default -> Format.KVS3;
        };
    }

    private static Format kvFormat(String bits) {
        return switch (bits) {
            case "8" -> Format.KV8;
            case "4" -> Format.KV4;
            case "3" -> Format.KV3;
            case "32" -> Format.F32;
            case "mxfp4" -> Format.MXFP4;
            default -> Format.F16;
        };
    }

    private static IllegalArgumentException dup(String text) {
        throw new IllegalArgumentException("plan '" + text + "' names the weights, the head or the KV cache twice");
    }

    /**
     * group to pass to kernels for a row of `cols` weights: the plan's group, or one group per
     * row (rounded up to a multiple of 8) for per-channel plans and rows shorter than a group
     */
    public int groupFor(long cols) {
        return groupFor(weights, weightGroup, cols);
    }

    /** row length the kernels see: cols rounded up to whole groups (the tail of the last group is zero) */
    public long paddedCols(long cols) {
        return paddedCols(weights, weightGroup, cols);
    }

    /** groupFor for a given format and group (the head has its own format: group 128) */
    public static int groupFor(Format f, int group, long cols) {
        if (f == null || !f.grouped()) return 0;
        int perRow = (int) ((cols + 7) / 8 * 8);
        return group == 0 || cols < group ? perRow : group;
    }

    public static long paddedCols(Format f, int group, long cols) {
        if (f == Format.MXFP4) return (cols + 31) / 32 * 32;  // whole blocks of 32 (inputs zero-extended)
        int g = groupFor(f, group, cols);
        return g == 0 ? cols : (cols + g - 1) / g * g;
    }

    /** the error for a static-K plan that was given no calibration text */
    public IllegalArgumentException missingCalibration() {
        return new IllegalArgumentException("plan " + name + " quantizes K with static per-channel scales and needs calibration text (--calib FILE)");
    }

    /** the study's W-A-KV bit label, e.g. "4-16-16" for w4a16-g128, "8-8-8" for w8a8kv8, "4-4-4" for mxfp4-w4a4kv4 */
    public String wakv() {
        String w = weights == null || weights == Format.F32 ? "16" : String.valueOf(weights.bits);
        String a = weights == null ? "16" : String.valueOf(weights.activationBits());
        // separate K/V formats: "k8v4" in the KV column
        String k = kvK == kv ? kvBits(kv) : "k" + kvBits(kvK) + "v" + kvBits(kv);
        return w + "-" + a + "-" + k;
    }

    private static String kvBits(Format f) {
        return f == Format.F16 || f == Format.F32 ? "16" : String.valueOf(f.bits);
    }

    @Override
    public String toString() {
        return name;
    }
}
