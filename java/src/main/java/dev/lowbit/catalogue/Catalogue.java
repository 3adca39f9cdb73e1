package dev.lowbit.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The catalogue of known models (models/catalogue.json, packaged into the jar). */
public final class Catalogue {
    public record Entry(String name, String file, String arch, String template, String url, String sha256, String note) {}

    private final String defaultName;
    private final List<Entry> entries;

    private Catalogue(String defaultName, List<Entry> entries) {
        this.defaultName = defaultName;
        this.entries = entries;
    }

    public static Catalogue load() {
        try (InputStream in = Catalogue.class.getResourceAsStream("/models/catalogue.json")) {
            if (in == null) throw new IllegalStateException("models/catalogue.json missing from the classpath");
            JsonNode root = new ObjectMapper().readTree(in);
            List<Entry> list = new ArrayList<>();
            for (JsonNode m : root.get("models")) {
                list.add(new Entry(m.path("name").asText(), m.path("file").asText(), m.path("arch").asText(null),
                        m.path("template").asText(null), m.path("url").asText(null), m.path("sha256").asText(null),
                        m.path("note").asText("")));
            }
            return new Catalogue(root.path("default").asText(), List.copyOf(list));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Entry> entries() {
        return entries;
    }

    public Entry defaultEntry() {
        return find(defaultName).orElseThrow();
    }

    public Optional<Entry> find(String name) {
        return entries.stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
    }
}
