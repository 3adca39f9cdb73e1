package dev.lowbit.quant;

/**
 * A weight matrix already in a lowbit format, as a calibrated method produced it: rows of
 * {@code format.rowBytes(group, paddedCols)} bytes (inputs beyond cols are zero weights).
 */
public record PackedMatrix(Format format, int group, int rows, int cols, int paddedCols, byte[] data) {
    public PackedMatrix {
        long want = format.matrixBytes(group, paddedCols, rows);
        if (paddedCols < cols || want != data.length)
            throw new IllegalArgumentException(format + " " + rows + "x" + cols + " (group " + group + ", padded " + paddedCols
                    + ") needs " + want + " bytes, got " + data.length);
    }
}
