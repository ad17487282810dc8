package dev.videoworker.event;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.videoworker.job.JobStatus;
import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.schema.PublishedSchemas;
import io.quarkus.test.junit.QuarkusTest;

/**
 * {@code docs/asyncapi.yaml} against the events the worker really emits: jobs that end in every outcome (stored with
 * a variant, failed, rejected, dead-lettered, cancelled), and every status and completion record they produce checked
 * against the document's schemas, strictly: a field the worker sends that the document does not declare fails.
 */
@QuarkusTest
class AsyncApiContractTest extends WorkerTest {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyEmittedEventMatchesTheAsyncApiDocument() throws Exception {
        JsonNode doc = YAML.readTree(Path.of("docs", "asyncapi.yaml").toFile());
        assertThat(doc.path("asyncapi").asText()).startsWith("3.");
        assertThat(doc.at("/channels/videoStatus/address").asText()).isEqualTo(JobsClient.STATUS);
        assertThat(doc.at("/channels/videoCompleted/address").asText()).isEqualTo(JobsClient.COMPLETED);
        assertThat(doc.at("/channels/videoRequestsDlq/address").asText()).isEqualTo(JobsClient.DLQ);
        assertThat(doc.at("/channels/videoRequests/address").asText()).isEqualTo(JobsClient.REQUESTS);

        String run = UUID.randomUUID().toString();
        String stored = "contract-stored-" + run;
        String failed = "contract-failed-" + run;
        String rejected = "contract-rejected-" + run;
        String garbage = "contract-garbage-" + run;
        String cancelled = "contract-cancelled-" + run;
        jobs.send(stored, "{\"prompt\":\"A kingfisher " + run + "\",\"variants\":[\"thumbnail\"],"
                + "\"metadata\":{\"campaign\":7,\"tags\":[\"a\"]}}");
        jobs.send(failed, "{\"prompt\":\"[simulate:moderation] " + run + "\"}");
        jobs.send(rejected, "{\"prompt\":\"x\",\"seconds\":15,\"metadata\":{\"k\":\"v\"}}");
        jobs.send(garbage, "<not json>");
        given().delete("/jobs/" + cancelled).then().statusCode(200);
        jobs.send(cancelled, "{\"prompt\":\"never made " + run + "\"}");
        List<String> ids = List.of(stored, failed, rejected, garbage, cancelled);
        for (String id : ids) {
            jobs.awaitCompletion(id);
        }

        Schemas schemas = new Schemas(doc);
        List<String> problems = new ArrayList<>();
        List<String> published = new ArrayList<>();
        int checked = 0;
        for (String id : ids) {
            for (TopicRecorder.Seen s : jobs.records(JobsClient.STATUS, id)) {
                problems.addAll(schemas.check("StatusEvent", JSON.readTree(s.value()), id + " status"));
                published.addAll(PublishedSchemas.problems(PublishedSchemas.STATUS, JSON.readTree(s.value())));
                problems.addAll(schemas.headers(s.headers(), id + " status headers"));
                checked++;
            }
            for (TopicRecorder.Seen s : jobs.records(JobsClient.COMPLETED, id)) {
                problems.addAll(schemas.check("CompletionEvent", JSON.readTree(s.value()), id + " completion"));
                published.addAll(PublishedSchemas.problems(PublishedSchemas.COMPLETION, JSON.readTree(s.value())));
                problems.addAll(schemas.headers(s.headers(), id + " completion headers"));
                checked++;
            }
        }
        List<TopicRecorder.Seen> deadLetters = jobs.records(JobsClient.DLQ, garbage);
        assertThat(deadLetters).hasSize(1);
        JsonNode dlqHeaders = doc.at("/components/messages/DeadLetter/headers/properties");
        for (Iterator<String> names = dlqHeaders.fieldNames(); names.hasNext();) {
            String name = names.next();
            assertThat(deadLetters.get(0).headers()).as("dead-letter header " + name).containsKey(name);
        }

        assertThat(problems).as("events that do not match docs/asyncapi.yaml").isEmpty();
        assertThat(published).as("events that do not match docs/schemas").isEmpty();
        assertThat(checked).as("events checked").isGreaterThanOrEqualTo(12);
        // Every status the worker announces is in the document, and nothing more.
        List<String> announced = new ArrayList<>();
        for (JobStatus s : JobStatus.values()) {
            if (s != JobStatus.SUBMITTING) {
                announced.add(s.wireName());
            }
        }
        List<String> documented = new ArrayList<>();
        doc.at("/components/schemas/StatusEvent/properties/status/enum").forEach(n -> documented.add(n.asText()));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(announced);
    }

    /**
     * The published JSON Schemas: every replica serves each one at {@code /schemas/<file>} as it is in
     * {@code docs/schemas}, the AsyncAPI document names them on its messages, and both describe the same fields.
     */
    @Test
    void thePublishedSchemasAreServedAndNamedByTheAsyncApiDocument() throws Exception {
        JsonNode doc = YAML.readTree(Path.of("docs", "asyncapi.yaml").toFile());
        Map<String, String> messages = Map.of("VideoRequest", PublishedSchemas.REQUEST, "StatusEvent",
                PublishedSchemas.STATUS, "CompletionEvent", PublishedSchemas.COMPLETION);
        for (Map.Entry<String, String> m : messages.entrySet()) {
            String file = m.getValue();
            assertThat(doc.at("/components/messages/" + m.getKey() + "/x-json-schema").asText())
                    .isEqualTo("schemas/" + file);
            byte[] served = given().get("/schemas/" + file).then().statusCode(200)
                    .contentType(containsString("json")).extract().asByteArray();
            assertThat(served).as("/schemas/%s", file).isEqualTo(Files.readAllBytes(PublishedSchemas.DIR.resolve(file)));
            List<String> inAsyncApi = new ArrayList<>();
            doc.at("/components/schemas/" + m.getKey() + "/properties").fieldNames().forEachRemaining(inAsyncApi::add);
            List<String> inSchema = new ArrayList<>();
            JSON.readTree(served).path("properties").fieldNames().forEachRemaining(inSchema::add);
            assertThat(inSchema).as("fields of %s in docs/schemas and in docs/asyncapi.yaml", m.getKey())
                    .containsExactlyInAnyOrderElementsOf(inAsyncApi);
        }
        given().get("/schemas/no-such.schema.json").then().statusCode(404);
    }

    /**
     * The JSON Schema subset the document uses ({@code type, required, properties, additionalProperties, enum, const,
     * items, oneOf, minimum, maximum, $ref}), checked strictly: an object's undeclared property is a problem unless
     * its schema allows more ({@code additionalProperties}) or is empty ({@code {}}, as for {@code metadata}).
     */
    static final class Schemas {
        private final JsonNode doc;

        Schemas(JsonNode doc) {
            this.doc = doc;
        }

        List<String> check(String schema, JsonNode value, String where) {
            List<String> problems = new ArrayList<>();
            validate(doc.at("/components/schemas/" + schema), value, where, problems);
            return problems;
        }

        List<String> headers(Map<String, String> headers, String where) {
            List<String> problems = new ArrayList<>();
            JsonNode schema = doc.at("/components/schemas/CloudEventHeaders");
            schema.path("required").forEach(r -> {
                if (!headers.containsKey(r.asText())) {
                    problems.add(where + ": header " + r.asText() + " missing");
                }
            });
            schema.path("properties").fields().forEachRemaining(e -> {
                String v = headers.get(e.getKey());
                if (v != null) {
                    validate(e.getValue(), JSON.getNodeFactory().textNode(v), where + "." + e.getKey(), problems);
                }
            });
            return problems;
        }

        private void validate(JsonNode schema, JsonNode value, String where, List<String> problems) {
            if (schema.has("$ref")) {
                validate(doc.at(schema.get("$ref").asText().substring(1)), value, where, problems);
                return;
            }
            if (schema.has("oneOf")) {
                int matches = 0;
                for (JsonNode option : schema.get("oneOf")) {
                    List<String> p = new ArrayList<>();
                    validate(option, value, where, p);
                    matches += p.isEmpty() ? 1 : 0;
                }
                if (matches != 1) {
                    problems.add(where + ": matches " + matches + " of oneOf");
                }
                return;
            }
            String type = schema.path("type").asText("");
            if (!type.isEmpty() && !hasType(value, type)) {
                problems.add(where + ": expected " + type + ", got " + value.getNodeType());
                return;
            }
            if (schema.has("const") && !schema.get("const").asText().equals(value.asText())) {
                problems.add(where + ": expected " + schema.get("const") + ", got " + value);
            }
            if (schema.has("enum")) {
                boolean found = false;
                for (JsonNode option : schema.get("enum")) {
                    found |= option.asText().equals(value.asText());
                }
                if (!found) {
                    problems.add(where + ": " + value + " is not one of " + schema.get("enum"));
                }
            }
            if (schema.has("minimum") && value.isNumber() && value.asDouble() < schema.get("minimum").asDouble()) {
                problems.add(where + ": below the minimum");
            }
            if (schema.has("maximum") && value.isNumber() && value.asDouble() > schema.get("maximum").asDouble()) {
                problems.add(where + ": above the maximum");
            }
            if (value.isObject() && "object".equals(type)) {
                schema.path("required").forEach(r -> {
                    if (!value.has(r.asText())) {
                        problems.add(where + ": required " + r.asText() + " missing");
                    }
                });
                JsonNode properties = schema.path("properties");
                JsonNode additional = schema.get("additionalProperties");
                value.fields().forEachRemaining(e -> {
                    String at = where + "." + e.getKey();
                    if (properties.has(e.getKey())) {
                        validate(properties.get(e.getKey()), e.getValue(), at, problems);
                    } else if (additional != null && additional.isObject()) {
                        validate(additional, e.getValue(), at, problems);
                    } else if (additional == null || !additional.asBoolean()) {
                        problems.add(at + ": not declared in the document");
                    }
                });
            }
            if (value.isArray() && schema.has("items")) {
                int i = 0;
                for (JsonNode item : value) {
                    validate(schema.get("items"), item, where + "[" + i++ + "]", problems);
                }
            }
        }

        private static boolean hasType(JsonNode value, String type) {
            return switch (type) {
                case "object" -> value.isObject();
                case "array" -> value.isArray();
                case "string" -> value.isTextual();
                case "integer" -> value.isIntegralNumber();
                case "number" -> value.isNumber();
                case "boolean" -> value.isBoolean();
                default -> true;
            };
        }
    }
}
