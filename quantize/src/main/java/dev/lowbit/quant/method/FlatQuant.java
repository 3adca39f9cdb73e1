package dev.lowbit.quant.method;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.model.Architecture;
import dev.lowbit.model.Architecture.Tensor;
import dev.lowbit.model.LearnedTransform;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * FlatQuant (Sun et al. 2025) for the W4A4/W8A8 plans: per layer and input site a learned invertible
 * transform L ⊗ R with a per-channel smoothing scale, learned weight clipping per output row and a learned
 * activation clip, fitted block by block to the 16-bit block's output by gradient descent. The optimisation
 * needs gradients, so it runs in PyTorch: this class exports the model's blocks and the calibration windows to
 * a work directory, runs the calibrator shipped as a resource (flatquant.py) with the machine's Python, and
 * reads back the folded weights (transform inverses and clipping folded in, so RTN of them is the learned
 * quantization), the folded norms and the transforms the engine applies online ({@link LearnedTransform}).
 */
public final class FlatQuant {
    /** the study's flatquant.sh: 15 epochs, lr 5e-3, batches of 4 windows */
    public record Settings(int epochs, double lr, int batch, long seed, int threads, String python) {
        public Settings {
            if (epochs < 1 || epochs > 1000) throw new IllegalArgumentException("--flat-epochs must be in 1..1000, got " + epochs);
            if (!(lr > 0 && lr < 1)) throw new IllegalArgumentException("--flat-lr must be in (0, 1), got " + lr);
            if (batch < 1) throw new IllegalArgumentException("FlatQuant batch must be >= 1");
        }

        public String describe() {
            return String.format("transforms=kronecker(learned, online)+diag lwc=true lac=true epochs=%d lr=%s batch=%d weights=rtn(clamped)", epochs, lr, batch);
        }
    }

    private static final String SCRIPT = "flatquant.py";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FlatQuant() {}

    /**
     * the study's FlatQuant plans as the engine runs them: per-channel weights and per-token asymmetric activations
     * (flatquant.sh's --a_asym) at the plan's bits behind the learned transforms, K/V rotated per head (Hadamard) and
     * quantized in asymmetric groups of 128 without clipping. w4a4kv4 -> w4a4-asym+kv4-rot, w8a8kv8 -> w8a8-asym+kv8-rot.
     */
    public static QuantPlan plan(String name) {
        return QuantPlan.parse(switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "w4a4kv4" -> "w4a4-asym+kv4-rot";
            case "w8a8kv8" -> "w8a8-asym+kv8-rot";
            case "w4a4" -> "w4a4-asym";
            case "w8a8" -> "w8a8-asym";
            default -> throw new IllegalArgumentException("--method flatquant takes --plan w4a4kv4, w8a8kv8, w4a4 or w8a8, not " + name);
        });
    }

    /**
     * calibrates every block of f under plan on the windows (all of one length) in a fresh directory under
     * workParent, removed afterwards; per-block losses are copied to lossLog. Progress lines of the calibrator go to progress.
     */
    public static Replacements run(GgufFile f, ModelConfig c, QuantPlan plan, List<int[]> windows, Settings s, Path workParent,
                                   Path lossLog, Consumer<String> progress) throws IOException, GgufFormatException, InterruptedException {
        Format fmt = plan.weights();
        if (fmt != Format.I4CH && fmt != Format.I8CH && fmt != Format.I4CHA && fmt != Format.I8CHA) throw new IllegalArgumentException("FlatQuant needs a W4A4 or W8A8 plan, not " + plan.name());
        if (windows.isEmpty()) throw new IllegalArgumentException("FlatQuant needs calibration windows");
        if (c.arch().has(Tensor.ROPE_FREQS) && f.tensor(c.arch().name(Tensor.ROPE_FREQS)) != null)
            throw new IllegalArgumentException("FlatQuant's calibrator has no RoPE frequency factors (Llama-3.1 rope_freqs) yet");
        Path work = Files.createTempDirectory(workParent, ".flatquant-");
        // an interrupted run (Ctrl-C) stops the calibrator and leaves no work directory behind
        java.util.concurrent.atomic.AtomicReference<Process> running = new java.util.concurrent.atomic.AtomicReference<>();
        Thread cleanup = new Thread(() -> {
            Process p = running.get();
            if (p != null) p.destroyForcibly();
            try {
                deleteTree(work);
            } catch (IOException ignored) {
                // best effort while the JVM exits
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            writeInputs(f, c, plan, windows, s, work);
            calibrate(work, s, running, progress);
            Files.copy(work.resolve("progress.jsonl"), lossLog, StandardCopyOption.REPLACE_EXISTING);
            return readResult(f, c, plan, work.resolve("result.gguf"));
        } finally {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            deleteTree(work);
        }
    }

    private static void writeInputs(GgufFile f, ModelConfig c, QuantPlan plan, List<int[]> windows, Settings s, Path work)
            throws IOException, GgufFormatException {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("n_layer", c.nLayer()).put("n_embd", c.nEmbd()).put("n_head", c.nHead()).put("n_kv_head", c.nKvHead())
                .put("head_dim", c.headDim()).put("n_ff", c.nFf()).put("rope_base", c.ropeBase()).put("rope_dim", c.ropeDim())
                .put("rope_neox", c.ropeNeox()).put("rms_eps", c.rmsEps())
                .put("w_bits", plan.weights().bits).put("a_bits", plan.weights().bits)
                .put("a_asym", plan.weights() == Format.I4CHA || plan.weights() == Format.I8CHA)
                .put("kv_bits", Math.min(plan.kv().bits, 16)).put("kv_group", Math.min(plan.kvGroup(), c.headDim()))
                .put("kv_rotate", plan.kvRotate()).put("kv_clip", plan.kvClip())
                .put("epochs", s.epochs()).put("lr", s.lr()).put("batch", s.batch()).put("seed", s.seed())
                .put("threads", s.threads() > 0 ? s.threads() : Runtime.getRuntime().availableProcessors())
                .put("samples", windows.size()).put("length", windows.get(0).length);
        JSON.writerWithDefaultPrettyPrinter().writeValue(work.resolve("config.json").toFile(), cfg);

        ByteBuffer tok = ByteBuffer.allocate(4 * windows.size() * windows.get(0).length).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] w : windows) {
            if (w.length != windows.get(0).length) throw new IllegalArgumentException("calibration windows of different lengths");
            for (int t : w) tok.putInt(t);
        }
        Files.write(work.resolve("tokens.bin"), tok.array());

        GgufWriter w = new GgufWriter();
        for (String name : blockTensorNames(c)) {
            GgufTensor t = f.tensor(name);
            if (t != null) w.addTensor(name, GgmlType.F32, t.dims(), ch -> writeFloats(ch, Dequant.toFloat(t.type(), t.data(), t.elements())));
        }
        w.write(work.resolve("weights.gguf"));
    }

    /** the embedding table and every block tensor the calibrator reads (those the model has) */
    private static List<String> blockTensorNames(ModelConfig c) {
        Architecture a = c.arch();
        List<String> names = new ArrayList<>(List.of(a.name(Tensor.TOKEN_EMBD)));
        for (int l = 0; l < c.nLayer(); l++)
            for (Tensor t : List.of(Tensor.ATTN_NORM, Tensor.ATTN_Q, Tensor.ATTN_K, Tensor.ATTN_V, Tensor.ATTN_OUT, Tensor.ATTN_Q_BIAS,
                    Tensor.ATTN_K_BIAS, Tensor.ATTN_V_BIAS, Tensor.ATTN_Q_NORM, Tensor.ATTN_K_NORM, Tensor.FFN_NORM, Tensor.FFN_GATE,
                    Tensor.FFN_UP, Tensor.FFN_DOWN))
                if (a.has(t)) names.add(a.name(t, l));
        return names;
    }

    /** runs the calibrator, relaying its lines; a failure ends with its last line */
    private static void calibrate(Path work, Settings s, java.util.concurrent.atomic.AtomicReference<Process> running,
                                  Consumer<String> progress) throws IOException, InterruptedException {
        Path script = work.resolve(SCRIPT);
        try (InputStream in = FlatQuant.class.getResourceAsStream("/dev/lowbit/quant/flatquant/" + SCRIPT)) {
            if (in == null) throw new IllegalStateException("the FlatQuant calibrator is missing from the jar");
            Files.copy(in, script);
        }
        Process p;
        try {
            p = new ProcessBuilder(s.python(), script.toString(), work.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run " + s.python() + " for FlatQuant (it needs Python 3 with PyTorch; --python PATH): " + e.getMessage());
        }
        running.set(p);
        String last = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                last = line;
                progress.accept(line);
            }
        } finally {
            p.destroy();
        }
        int rc = p.waitFor();
        if (rc != 0) throw new IllegalArgumentException("FlatQuant calibration failed (" + s.python() + " exit " + rc + "): " + last);
    }

    /** the folded weights quantized by RTN onto the plan's format, the folded norms and the transforms */
    private static Replacements readResult(GgufFile src, ModelConfig c, QuantPlan plan, Path result) throws IOException, GgufFormatException {
        Replacements r = Replacements.empty();
        Architecture a = c.arch();
        try (GgufFile g = GgufFile.open(result)) {
            for (int l = 0; l < c.nLayer(); l++) {
                for (Tensor t : Tensor.LINEARS) {
                    String name = a.name(t, l);
                    GgufTensor src16 = src.tensor(name);
                    float[] w = floats(g, name, src16.elements());
                    int rows = (int) src16.rows(), cols = (int) src16.dims()[0];
                    r.packed().put(name, MatrixMethods.rtnMatrix(plan, w, rows, cols));
                }
                for (Tensor t : List.of(Tensor.ATTN_NORM, Tensor.FFN_NORM)) {
                    String name = a.name(t, l);
                    r.floats().put(name, floats(g, name, c.nEmbd()));
                }
                for (Site site : Site.values())
                    for (String part : List.of("left", "right", "clip")) {
                        String name = LearnedTransform.tensorName(l, site, part);
                        GgufTensor t = g.tensor(name);
                        if (t == null) throw new GgufFormatException("the calibrator wrote no " + name);
                        r.added().put(name, new Replacements.Added(t.dims(), Dequant.toFloat(t.type(), t.data(), t.elements())));
                    }
            }
        }
        return r;
    }

    private static float[] floats(GgufFile g, String name, long n) throws GgufFormatException {
        GgufTensor t = g.tensor(name);
        if (t == null || t.elements() != n) throw new GgufFormatException("the calibrator's " + name + (t == null ? " is missing" : " has the wrong size"));
        return Dequant.toFloat(t.type(), t.data(), t.elements());
    }

    /** v as little-endian F32, in chunks (a 7B model's embedding table has more bytes than one buffer holds) */
    private static void writeFloats(java.nio.channels.WritableByteChannel ch, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = 0; at < v.length; ) {
            int n = Math.min(v.length - at, b.capacity() / 4);
            b.clear();
            b.asFloatBuffer().put(v, at, n);
            b.limit(4 * n);
            while (b.hasRemaining()) ch.write(b);
            at += n;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
