package dev.lowbit.catalogue;

import dev.lowbit.util.SearchPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Turns what a user typed after -m into a file: an existing path; else a catalogue name or a
 * file name found on LOWBIT_MODEL_PATH; else a catalogue entry with a URL and checksum,
 * downloaded once into the cache (~/.cache/lowbit/models) and verified — unless offline
 * (LOWBIT_OFFLINE=1), where a missing model is an error.
 */
public final class ModelResolver {
    private ModelResolver() {}

    public static Path resolve(String spec) throws IOException {
        if (spec == null) spec = Catalogue.load().defaultEntry().name();
        if (spec.isBlank()) throw new IllegalArgumentException("empty model name: give a GGUF path or a catalogue name");
        Path direct = Path.of(spec);
        if (Files.isRegularFile(direct)) return direct;
        Catalogue cat = Catalogue.load();
        Optional<Catalogue.Entry> entry = cat.find(spec);
        String file = entry.map(Catalogue.Entry::file).orElse(spec.endsWith(".gguf") ? spec : spec + ".gguf");
        Optional<Path> found = SearchPath.findModel(file);
        if (found.isEmpty() && !file.equals(spec)) found = SearchPath.findModel(spec);
        if (found.isPresent() && Files.isRegularFile(found.get())) return found.get();
        Path cached = cacheDir().resolve(file);
        if (Files.isRegularFile(cached)) return cached;
        if (entry.isEmpty() && Files.exists(direct)) throw new IllegalArgumentException(notAFile(direct));
        if (entry.isEmpty())
            throw new NoSuchFileException(spec, null, "no such file, and not a catalogue name nor found on "
                    + SearchPath.MODEL_ENV + " (" + SearchPath.models() + ")");
        Catalogue.Entry e = entry.get();
        if (e.url() == null || e.sha256() == null)
            throw new NoSuchFileException(spec, null, "catalogue model '" + e.name() + "' has no download with a checksum: place "
                    + e.file() + " on " + SearchPath.MODEL_ENV + " or pass its path");
        if (System.getenv("LOWBIT_OFFLINE") != null)
            throw new NoSuchFileException(spec, null, "not found locally and LOWBIT_OFFLINE is set");
        return download(e, cached);
    }

    /** what an existing path that is not a regular file is, so the error says so instead of "no such file" */
    static String notAFile(Path p) {
        String what;
        if (Files.isDirectory(p)) what = "a directory";
        else if (p.startsWith("/dev/") || p.toAbsolutePath().normalize().startsWith("/dev")) what = "a device";
        else what = "not a regular file (a device, FIFO or socket)";
        return "model " + p + " is " + what + ", not a GGUF file";
    }

    static Path cacheDir() {
        String home = System.getProperty("user.home");
        return Path.of(home, ".cache", "lowbit", "models");
    }

    private static Path download(Catalogue.Entry e, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(target.getFileName() + ".part");
        System.err.println("lowbit: downloading " + e.name() + " from " + e.url());
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        try (InputStream in = new DigestInputStream(URI.create(e.url()).toURL().openStream(), sha)) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            Files.deleteIfExists(part);
            throw new IOException("download of " + e.name() + " failed: " + ex.getMessage(), ex);
        }
        String got = HexFormat.of().formatHex(sha.digest());
        if (!got.equalsIgnoreCase(e.sha256())) {
            Files.deleteIfExists(part);
            throw new IOException("checksum mismatch for " + e.name() + ": expected " + e.sha256() + ", got " + got);
        }
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }
}
