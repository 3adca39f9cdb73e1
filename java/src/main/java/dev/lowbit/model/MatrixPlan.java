package dev.lowbit.model;

import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;

/**
 * How one matrix of a model is stored, decided once from the file and the plan: the weight arena is sized
 * from these and filled from the same ones, so the two cannot disagree.
 *
 * @param name       tensor name
 * @param tensor     the file's tensor
 * @param how        kept as the file stores it, kept as a lowbit-packed tensor, or (re)quantized
 * @param format     the stored format (the file's for KEEP, the layout's for PACKED)
 * @param group      quantization group of the stored format (0 if it has none)
 * @param rows       output rows
 * @param cols       input columns
 * @param paddedCols columns as stored (inputs zero-extended to whole groups)
 * @param rotate     the stored weights are Hadamard-rotated (the input is rotated before the matmul)
 * @param arenaBytes bytes the matrix takes in the arena (0 when read from the file mapping)
 */
record MatrixPlan(String name, GgufTensor tensor, How how, Format format, int group, int rows, int cols, int paddedCols,
                  boolean rotate, long arenaBytes) {

    enum How { KEEP, PACKED, QUANTIZE }

    /** a matrix a quantized file stores in a lowbit format: its rows as they are (the plan does not apply) */
    static MatrixPlan packed(GgufTensor t, QuantizedGguf.Layout layout, int rows, int cols, boolean rotated, boolean fromMapping)
            throws GgufFormatException {
        if (layout.cols() != cols || t.dims()[1] != rows)
            throw new GgufFormatException("packed tensor " + t.name() + " holds " + t.dims()[1] + "x" + layout.cols() + ", expected "
                    + rows + "x" + cols);
        return new MatrixPlan(t.name(), t, How.PACKED, layout.format(), layout.group(), rows, cols, layout.paddedCols(), rotated,
                fromMapping ? 0 : t.nbytes());
    }

    /** kept in the file's own format: a copy into the arena, or read in place from the mapping */
    static MatrixPlan kept(GgufTensor t, Format fmt, int rows, int cols, boolean fromMapping) throws GgufFormatException {
        if (fmt.rowBytes(0, cols) < 0) throw new GgufFormatException(t.name() + ": row of " + cols + " invalid for " + fmt);
        if ((long) rows * fmt.rowBytes(0, cols) != t.nbytes())
            throw new GgufFormatException(t.name() + ": " + t.nbytes() + " bytes do not hold " + rows + " rows of " + cols + " " + fmt);
        return new MatrixPlan(t.name(), t, How.KEEP, fmt, 0, rows, cols, cols, false, fromMapping ? 0 : t.nbytes());
    }

    /**
     * dequantized from the file's format and quantized to dst (rotated first if asked), each row zero-extended
     * to whole groups of the group setting
     */
    static MatrixPlan quantized(GgufTensor t, Format src, int rows, int cols, Format dst, int groupSetting, boolean rotate)
            throws GgufFormatException {
        int group = QuantPlan.groupFor(dst, groupSetting, cols);
        int padded = (int) QuantPlan.paddedCols(dst, groupSetting, cols);
        if (dst.rowBytes(group, padded) < 0)
            throw new IllegalArgumentException(t.name() + ": " + cols + " inputs cannot be quantized to " + dst + " (group " + group + ")");
        long srcRb = src.rowBytes(0, cols);
        if (srcRb < 0 || srcRb * rows != t.nbytes())
            throw new GgufFormatException(t.name() + ": " + t.nbytes() + " bytes do not hold " + rows + " rows of " + cols + " " + src);
        return new MatrixPlan(t.name(), t, How.QUANTIZE, dst, group, rows, cols, padded, rotate, dst.matrixBytes(group, padded, rows));
    }

    /** the same plan under another name (a tied head is the embedding tensor, named as the output) */
    MatrixPlan named(String n) {
        return new MatrixPlan(n, tensor, how, format, group, rows, cols, paddedCols, rotate, arenaBytes);
    }

    /** bytes of one stored row */
    long rowBytes() {
        return format.rowBytes(group, paddedCols);
    }
}
