package dev.lowbit.quant.method;

/**
 * The arithmetic of folding per-channel scales into a model without changing what it computes:
 * a linear's input channel c multiplied by s_c is undone by dividing what produces that channel
 * (a norm weight, or the rows of the linear before) by s_c. Every function returns a new array.
 */
final class Folding {
    private Folding() {}

    /** W diag(s): column c of w [rows][cols] times s[c] */
    static float[] scaleColumns(float[] w, int rows, int cols, float[] s) {
        float[] o = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) o[r * cols + c] = w[r * cols + c] * s[c];
        return o;
    }

    /** W diag(s)^-1: column c of w divided by s[c] */
    static float[] unscaleColumns(float[] w, int rows, int cols, float[] s) {
        float[] o = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) o[r * cols + c] = w[r * cols + c] / s[c];
        return o;
    }

    /** diag(s)^-1 W: row r (output channel r) of w divided by s[r] */
    static float[] unscaleRows(float[] w, int rows, int cols, float[] s) {
        float[] o = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) o[r * cols + c] = w[r * cols + c] / s[r];
        return o;
    }

    /** v / s element by element (a norm weight or a bias) */
    static float[] divide(float[] v, float[] s) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[i] / s[i];
        return o;
    }

    /** X^T X of the inputs x diag(s)^-1 that the scaled weights see: h[i][j] / (s_i s_j) */
    static float[] scaledGram(float[] h, int n, float[] s) {
        float[] o = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) o[i * n + j] = h[i * n + j] / (s[i] * s[j]);
        return o;
    }
}
