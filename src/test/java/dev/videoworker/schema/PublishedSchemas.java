package dev.videoworker.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

/**
 * The JSON Schemas the project publishes ({@code docs/schemas}, served at {@code /schemas/<file>}), loaded from the
 * repository and checked with a validator of draft 2020-12, as a producer or consumer outside the project would.
 */
public final class PublishedSchemas {

    public static final Path DIR = Path.of("docs", "schemas");
    public static final String REQUEST = "video-request.schema.json";
    public static final String STATUS = "status-event.schema.json";
    public static final String COMPLETION = "completion-event.schema.json";
    public static final List<String> ALL = List.of(REQUEST, STATUS, COMPLETION);

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private PublishedSchemas() {
    }

    public static Schema schema(String file) {
        return LOADED.computeIfAbsent(file, f -> {
            try (InputStream in = Files.newInputStream(DIR.resolve(f))) {
                return REGISTRY.getSchema(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** What the schema finds wrong with {@code instance}, one line each ("/path: message"); empty when it is valid. */
    public static List<String> problems(String file, JsonNode instance) {
        return schema(file).validate(instance).stream().map(PublishedSchemas::line).toList();
    }

    private static String line(Error error) {
        return error.toString();
    }
}
