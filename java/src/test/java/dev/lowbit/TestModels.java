package dev.lowbit;

import dev.lowbit.util.SearchPath;
import java.nio.file.Path;

/** The shared fixtures, found through the model search path (fails clearly when missing). */
public final class TestModels {
    private TestModels() {}

    public static Path model(String relative) {
        return SearchPath.findModel(relative).orElseThrow(() -> new IllegalStateException(
                relative + " not found on the model search path " + SearchPath.models()
                        + " (set LOWBIT_MODEL_PATH, e.g. to ../shared/models)"));
    }

    public static Path stories() {
        return model("stories260K.gguf");
    }
}
