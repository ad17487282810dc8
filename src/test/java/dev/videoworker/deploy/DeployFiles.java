package dev.videoworker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads the deployment files (compose, Kubernetes manifests, Dockerfile) and the configuration sources they must agree
 * with (application.properties, the README's configuration table), for the checks that need no Docker engine.
 */
final class DeployFiles {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path DOCKERFILE = ROOT.resolve("src/main/docker/Dockerfile.jvm");
    static final Path ENTRYPOINT = ROOT.resolve("src/main/docker/entrypoint.sh");
    static final Path PROPERTIES = ROOT.resolve("src/main/resources/application.properties");
    static final Path README = ROOT.resolve("README.md");

    /** Variables the image's entrypoint reads itself (JVM options); not configuration keys. */
    static final Set<String> IMAGE_VARIABLES = Set.of("JAVA_OPTS", "JAVA_OPTS_APPEND");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):");
    private static final Pattern README_KEY = Pattern.compile("^\\| `([a-z][^`]*)` \\|");

    private DeployFiles() {
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        assertThat(documents).as("YAML documents of %s", file).hasSize(1);
        return documents.get(0);
    }

    /** Every non-empty document of a (possibly multi-document) YAML file. */
    static List<JsonNode> yamlDocuments(Path file) {
        List<JsonNode> documents = new ArrayList<>();
        try (JsonParser parser = YAML.getFactory().createParser(file.toFile())) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(node -> {
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    documents.add(node);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot parse " + file, e);
        }
        return documents;
    }

    /** The manifest files kustomization.yaml lists, in its order. */
    static List<Path> manifestFiles() {
        List<Path> files = new ArrayList<>();
        yaml(DEPLOY.resolve("kustomization.yaml")).path("resources")
                .forEach(resource -> files.add(DEPLOY.resolve(resource.asText())));
        return files;
    }

    /** Every Kubernetes object of the manifests. */
    static List<JsonNode> manifests() {
        return manifestFiles().stream().flatMap(file -> yamlDocuments(file).stream()).toList();
    }

    static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(object -> kind.equals(object.path("kind").asText())).toList();
    }

    static JsonNode single(List<JsonNode> objects, String kind) {
        List<JsonNode> found = ofKind(objects, kind);
        assertThat(found).as("objects of kind %s", kind).hasSize(1);
        return found.get(0);
    }

    static JsonNode named(List<JsonNode> objects, String kind, String name) {
        return ofKind(objects, kind).stream().filter(object -> name.equals(object.at("/metadata/name").asText()))
                .findFirst().orElse(MissingNode.getInstance());
    }

    /** A compose service's environment, in either of its forms (map, or list of NAME=value). */
    static Map<String, String> composeEnvironment(JsonNode service) {
        Map<String, String> environment = new LinkedHashMap<>();
        JsonNode node = service.path("environment");
        if (node.isArray()) {
            node.forEach(entry -> {
                String text = entry.asText();
                int equals = text.indexOf('=');
                environment.put(equals < 0 ? text : text.substring(0, equals), equals < 0 ? "" : text.substring(equals + 1));
            });
        } else {
            node.fields().forEachRemaining(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
        }
        return environment;
    }

    /** The value compose uses when the host does not set the variable: {@code ${NAME:-default}} gives the default. */
    static String composeDefault(String value) {
        Matcher matcher = Pattern.compile("^\\$\\{[A-Z0-9_]+:?-(.*)}$").matcher(value);
        return matcher.matches() ? matcher.group(1) : value;
    }

    /** application.properties as key → value, without profile-specific ({@code %test.}) lines. */
    static Map<String, String> properties() {
        Map<String, String> properties = new LinkedHashMap<>();
        read(PROPERTIES).lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#") && !line.startsWith("%"))
                .forEach(line -> {
                    int equals = line.indexOf('=');
                    properties.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
                });
        return properties;
    }

    /** The explicit environment variables of application.properties' {@code ${NAME:default}} placeholders. */
    static Set<String> placeholderVariables() {
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = PLACEHOLDER.matcher(read(PROPERTIES));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** The key column of the README's configuration table, e.g. {@code worker.models.<model>.sizes}. */
    static List<String> readmeKeys() {
        String readme = read(README);
        int start = readme.indexOf("\n## Configuration");
        int end = readme.indexOf("\n## ", start + 1);
        assertThat(start).as("README has a Configuration section").isPositive();
        return readme.substring(start, end).lines().map(README_KEY::matcher).filter(Matcher::find)
                .map(matcher -> matcher.group(1)).toList();
    }

    /** The default column of the README's configuration table for one key. */
    static Optional<String> readmeDefault(String key) {
        return read(README).lines().filter(line -> line.startsWith("| `" + key + "` |")).findFirst()
                .map(line -> line.split("\\|")[3].strip().replace("`", ""));
    }

    /**
     * The environment variable Quarkus reads for a key: upper case, every other character than a letter or digit
     * replaced by an underscore. A {@code <name>} segment of a documented key (a map key) matches any such name.
     */
    static Pattern environmentPattern(String key) {
        StringBuilder regex = new StringBuilder();
        for (String part : key.split("(?=<)|(?<=>)")) {
            if (part.startsWith("<") && part.endsWith(">")) {
                regex.append("[A-Z0-9_]+");
            } else {
                regex.append(Pattern.quote(part.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")));
            }
        }
        return Pattern.compile(regex.toString());
    }

    /** Keys whose environment names may configure the worker: README table and application.properties keys. */
    static List<String> knownKeys() {
        return Stream.concat(readmeKeys().stream(), properties().keySet().stream()).distinct().toList();
    }

    /** Why {@code name} is not a configuration variable of the worker, or empty when it is one. */
    static Optional<String> unknownWorkerVariable(String name, List<String> keys, Set<String> placeholders) {
        if (placeholders.contains(name) || IMAGE_VARIABLES.contains(name)) {
            return Optional.empty();
        }
        boolean mapped = keys.stream().anyMatch(key -> environmentPattern(key).matcher(name).matches());
        return mapped ? Optional.empty()
                : Optional.of(name + " is neither a ${" + name + ":...} placeholder of application.properties nor the"
                        + " environment name of a key in the README's configuration table or application.properties");
    }
}
