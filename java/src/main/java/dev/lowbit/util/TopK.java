package dev.lowbit.util;

import java.util.Arrays;

/** The ids of the largest logits: sampling's top-k / top-p candidates and a saved base's top-k. */
public final class TopK {
    private TopK() {}

    /** indices of the `count` largest logits, largest first (ties: lower index first) */
    public static int[] indices(float[] logits, int count) {
        int n = logits.length;
        if (count >= n) {
            Integer[] idx = new Integer[n];
            for (int i = 0; i < n; i++) idx[i] = i;
            Arrays.sort(idx, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = idx[i];
            return out;
        }
        // min-heap of the best `count` seen so far
        int[] heap = new int[count];
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < count) {
                heap[size] = i;
                siftUp(heap, size++, logits);
            } else if (better(i, heap[0], logits)) {
                heap[0] = i;
                siftDown(heap, size, logits);
            }
        }
        int[] out = new int[size];
        for (int i = size - 1; i >= 0; i--) {
            out[i] = heap[0];
            heap[0] = heap[i];
            siftDown(heap, i, logits);
        }
        return out;
    }

    private static boolean better(int a, int b, float[] l) {
        return l[a] > l[b] || (l[a] == l[b] && a < b);
    }

    private static void siftUp(int[] h, int i, float[] l) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!better(h[p], h[i], l)) break;
            int t = h[p];
            h[p] = h[i];
            h[i] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int size, float[] l) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1, b = a + 1, w = i;
            if (a < size && better(h[w], h[a], l)) w = a;
            if (b < size && better(h[w], h[b], l)) w = b;
            if (w == i) return;
            int t = h[w];
            h[w] = h[i];
            h[i] = t;
            i = w;
        }
    }
}
