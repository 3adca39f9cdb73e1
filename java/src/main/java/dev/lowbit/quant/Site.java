package dev.lowbit.quant;

import java.util.List;

/** where a layer's linear layers read their input: the matrices that share one input share one site */
public enum Site {
    /** attention norm output: q, k, v */
    ATTN_IN,
    /** attention output: the output projection */
    ATTN_OUT,
    /** feed-forward norm output: gate, up */
    FFN_IN,
    /** silu(gate) * up: down */
    FFN_MID;

    /** the site of each linear of a layer, in the order of {@link QuantPlan#MATRICES} */
    public static final List<Site> OF_MATRIX = List.of(ATTN_IN, ATTN_IN, ATTN_IN, ATTN_OUT, FFN_IN, FFN_IN, FFN_MID);

    /** the name of the site in tensor names and reports ("attn_in") */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
