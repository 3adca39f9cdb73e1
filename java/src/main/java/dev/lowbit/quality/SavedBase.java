package dev.lowbit.quality;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.util.TopK;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base model's next-token distributions over a text, saved once so that later plans are
 * compared without loading the 16-bit model again (llama.cpp's {@code --kl-divergence-base}).
 * Per scored position it keeps the base's argmax, the log-probability of the actual next token,
 * the {@code topK} most likely tokens with their log-probabilities and the log of the mass left
 * outside them; the text's token ids are kept too, so a comparison on another text or tokenizer
 * is refused.
 *
 * <p>KL from a saved base is KL between the two distributions coarsened to the base's top-k tokens
 * plus one "rest" bucket: never above the full-vocabulary KL (data processing), equal to it when
 * topK covers the vocabulary. Top-1 agreement and both perplexities are exact; the RMS logit
 * difference needs every logit and is not available.
 */
public final class SavedBase {
    private static final byte[] MAGIC = "LBKLBASE".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** one scored position of the base model */
    public record Position(int argmax, float targetLogProb, float restLogProb, int[] ids, float[] logProbs) {}

    /** what the positions were computed on */
    public record Header(String model, String basePlan, int window, int vocab, int topK, int positions) {}

    private final Header header;
    private final int[] tokens;
    private final List<Position> positions;

    SavedBase(Header header, int[] tokens, List<Position> positions) {
        this.header = header;
        this.tokens = tokens;
        this.positions = positions;
    }

    public Header header() {
        return header;
    }

    int[] tokens() {
        return tokens;
    }

    List<Position> positions() {
        return positions;
    }

    /** the base's perplexity over the saved positions */
    public double perplexity() {
        double nll = 0;
        for (Position p : positions) nll -= p.targetLogProb();
        return Math.exp(nll / positions.size());
    }

    /** the top-k summary of one row of base logits whose next token is {@code target} */
    static Position summarize(float[] logits, int target, int topK) {
        double lse = LogitStats.logSumExp(logits);
        int[] ids = TopK.indices(logits, Math.min(topK, logits.length));
        float[] lp = new float[ids.length];
        boolean[] inTop = new boolean[logits.length];
        for (int i = 0; i < ids.length; i++) {
            lp[i] = (float) (logits[ids[i]] - lse);
            inTop[ids[i]] = true;
        }
        return new Position(LogitStats.argmax(logits), (float) (logits[target] - lse), (float) (restLogSumExp(logits, inTop) - lse), ids, lp);
    }

    /** log of the summed exp(logit) of the entries not in {@code top}; -inf when there are none */
    static double restLogSumExp(float[] logits, boolean[] top) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) if (!top[i]) max = Math.max(max, logits[i]);
        if (max == Float.NEGATIVE_INFINITY) return Double.NEGATIVE_INFINITY;
        double s = 0;
        for (int i = 0; i < logits.length; i++) if (!top[i]) s += Math.exp(logits[i] - max);
        return max + Math.log(s);
    }

    /** writes the file under a temporary name and moves it into place, so an interrupted run leaves no partial file */
    void write(Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".part");
        try {
            try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream d = new DataOutputStream(new BufferedOutputStream(os, 1 << 16))) {
                d.write(MAGIC);
                d.writeInt(VERSION);
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("model", header.model());
                h.put("base_plan", header.basePlan());
                h.put("window", header.window());
                h.put("vocab", header.vocab());
                h.put("top_k", header.topK());
                h.put("positions", positions.size());
                byte[] json = new ObjectMapper().writeValueAsBytes(h);
                d.writeInt(json.length);
                d.write(json);
                d.writeInt(tokens.length);
                for (int t : tokens) d.writeInt(t);
                for (Position p : positions) {
                    d.writeInt(p.argmax());
                    d.writeFloat(p.targetLogProb());
                    d.writeFloat(p.restLogProb());
                    d.writeInt(p.ids().length);
                    for (int i = 0; i < p.ids().length; i++) {
                        d.writeInt(p.ids()[i]);
                        d.writeFloat(p.logProbs()[i]);
                    }
                }
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** reads a file written by {@link #write}; a file of another kind or a truncated one is refused with one clear message */
    public static SavedBase read(Path in) throws IOException {
        try (InputStream is = Files.newInputStream(in); DataInputStream d = new DataInputStream(new BufferedInputStream(is, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            d.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new IllegalArgumentException(in + " is not a saved base (lowbit ppl --save-base)");
            int version = d.readInt();
            if (version != VERSION) throw new IllegalArgumentException(in + ": saved-base version " + version + ", this lowbit reads " + VERSION);
            int hl = d.readInt();
            if (hl < 2 || hl > 1 << 20) throw new IllegalArgumentException(in + ": corrupt saved-base header");
            byte[] json = new byte[hl];
            d.readFully(json);
            @SuppressWarnings("unchecked")
            Map<String, Object> h = new ObjectMapper().readValue(json, Map.class);
            Header header = new Header((String) h.get("model"), (String) h.get("base_plan"), ((Number) h.get("window")).intValue(),
                    ((Number) h.get("vocab")).intValue(), ((Number) h.get("top_k")).intValue(), ((Number) h.get("positions")).intValue());
            int nt = d.readInt();
            if (nt < 0 || nt > 1 << 28) throw new IllegalArgumentException(in + ": corrupt saved-base token count " + nt);
            int[] tokens = new int[nt];
            for (int i = 0; i < nt; i++) tokens[i] = d.readInt();
            List<Position> positions = new ArrayList<>(header.positions());
            for (int n = 0; n < header.positions(); n++) {
                int argmax = d.readInt();
                float target = d.readFloat(), rest = d.readFloat();
                int k = d.readInt();
                if (k < 0 || k > header.vocab()) throw new IllegalArgumentException(in + ": corrupt saved-base position " + n);
                int[] ids = new int[k];
                float[] lp = new float[k];
                for (int i = 0; i < k; i++) {
                    ids[i] = d.readInt();
                    lp[i] = d.readFloat();
                    if (ids[i] < 0 || ids[i] >= header.vocab()) throw new IllegalArgumentException(in + ": corrupt saved-base token id at position " + n);
                }
                positions.add(new Position(argmax, target, rest, ids, lp));
            }
            return new SavedBase(header, tokens, positions);
        } catch (EOFException e) {
            throw new IllegalArgumentException(in + " is truncated (an interrupted --save-base?)");
        }
    }
}
