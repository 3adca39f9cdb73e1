package dev.lowbit.quant.method;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Calibration windows: `samples` windows of `length` consecutive tokens at seeded random places of
 * one token stream, as GPTQ samples its corpus (a stream shorter than a window is one window).
 *
 * @param source what the stream is (recorded in the quantized file)
 */
public record CalibrationSet(String source, List<int[]> windows, int length, long seed) {
    public static CalibrationSet sample(String source, int[] stream, int samples, int length, long seed) {
        if (samples < 1 || length < 2) throw new IllegalArgumentException("calibration needs >= 1 sample of >= 2 tokens");
        if (stream.length < 2) throw new IllegalArgumentException("calibration source " + source + " has " + stream.length + " tokens");
        List<int[]> windows = new ArrayList<>();
        if (stream.length <= length) {
            windows.add(stream.clone());
        } else {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < samples; i++) {
                int at = rnd.nextInt(stream.length - length + 1);
                windows.add(java.util.Arrays.copyOfRange(stream, at, at + length));
            }
        }
        return new CalibrationSet(source, windows, Math.min(length, stream.length), seed);
    }

    /** the windows as JSONL (one {"window", "tokens"} per line), so a quantization can be reproduced or audited */
    public void save(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < windows.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("window", i);
            row.put("source", source);
            row.put("tokens", windows.get(i));
            sb.append(json.writeValueAsString(row)).append('\n');
        }
        AtomicFiles.writeString(file, sb);
    }
}
