package dev.lowbit.util;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where models and data sets are found: a colon-separated list of directories taken from a
 * system property (set by the test runner) or an environment variable. `.ci/run` points both
 * at ../shared; users point them wherever their files are.
 */
public final class SearchPath {
    public static final String MODEL_ENV = "LOWBIT_MODEL_PATH";
    public static final String DATA_ENV = "LOWBIT_DATA_PATH";

    private SearchPath() {}

    public static List<Path> models() {
        return dirs("lowbit.model.path", MODEL_ENV);
    }

    public static List<Path> data() {
        return dirs("lowbit.data.path", DATA_ENV);
    }

    /** the first existing file `relative` under the model search path */
    public static Optional<Path> findModel(String relative) {
        return find(models(), relative);
    }

    /** the first existing file or directory `relative` under the data search path */
    public static Optional<Path> findData(String relative) {
        return find(data(), relative);
    }

    private static Optional<Path> find(List<Path> roots, String relative) {
        for (Path root : roots) {
            Path p = root.resolve(relative);
            if (Files.exists(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static List<Path> dirs(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank() || v.startsWith("${")) v = System.getenv(env);
        List<Path> out = new ArrayList<>();
        if (v == null || v.isBlank()) return out;
        for (String part : v.split(File.pathSeparator)) {
            if (!part.isBlank()) out.add(Path.of(part.trim()));
        }
        return out;
    }
}
