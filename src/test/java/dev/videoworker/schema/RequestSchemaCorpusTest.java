package dev.videoworker.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.RecordPosition;
import dev.videoworker.request.ParseOutcome;
import dev.videoworker.request.RequestParser;
import dev.videoworker.config.TestConfig;

/**
 * The published request schema and the worker's parser agree: on a corpus of valid requests and of requests that
 * break one rule each ({@code src/test/resources/schema-corpus}, described in its {@code index.json}), the parser
 * accepts or rejects with the listed code, and the schema rejects exactly the ones marked as its to reject. A request
 * the schema accepts may still be rejected by the worker only for the listed reasons a schema cannot know
 * (catalog, budget, allow-lists, byte limits); one the schema rejects is never accepted by the worker.
 */
class RequestSchemaCorpusTest {

    static final Path CORPUS = Path.of("src", "test", "resources", "schema-corpus");
    static final ObjectMapper JSON = new ObjectMapper();
    static final RecordPosition AT = new RecordPosition("video.requests", 0, 7);

    static RequestParser parser;

    @BeforeAll
    static void parser() {
        WorkerConfig worker = TestConfig.worker(Map.of());
        parser = new RequestParser(new ObjectMapper(), new ModelCatalog(worker), worker);
    }

    record Entry(String file, String parserError, boolean schemaRejects, String why) {
    }

    static List<Entry> index() throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode e : JSON.readTree(CORPUS.resolve("index.json").toFile())) {
            entries.add(new Entry(e.path("file").asText(), e.path("parserError").isNull() ? null
                    : e.path("parserError").asText(), e.path("schemaRejects").asBoolean(), e.path("why").asText()));
        }
        return entries;
    }

    @Test
    void theIndexDescribesEveryFileOfTheCorpusAndNothingElse() throws IOException {
        Set<String> files = new TreeSet<>();
        for (String dir : List.of("valid", "invalid")) {
            try (Stream<Path> list = Files.list(CORPUS.resolve(dir))) {
                list.forEach(p -> files.add(dir + "/" + p.getFileName()));
            }
        }
        assertThat(index().stream().map(Entry::file).toList()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(files);
        assertThat(files).filteredOn(f -> f.startsWith("valid/")).hasSizeGreaterThanOrEqualTo(8);
        assertThat(files).filteredOn(f -> f.startsWith("invalid/")).hasSizeGreaterThanOrEqualTo(15);
    }

    @Test
    void theParserAndTheSchemaAgreeOnEveryRequestOfTheCorpus() throws IOException {
        List<String> disagreements = new ArrayList<>();
        int schemaRejected = 0;
        for (Entry entry : index()) {
            byte[] body = Files.readAllBytes(CORPUS.resolve(entry.file()));
            ParseOutcome outcome = parser.parse(body, null, AT);
            String parserError = outcome instanceof ParseOutcome.Invalid invalid ? invalid.error().code() : null;
            if (!Objects.equals(parserError, entry.parserError())) {
                disagreements.add(entry.file() + ": the parser says " + (parserError == null ? "valid" : parserError)
                        + ", the index " + (entry.parserError() == null ? "valid" : entry.parserError()));
            }
            List<String> problems = PublishedSchemas.problems(PublishedSchemas.REQUEST,
                    JSON.readTree(new String(body, StandardCharsets.UTF_8)));
            if (problems.isEmpty() == entry.schemaRejects()) {
                disagreements.add(entry.file() + ": the schema " + (problems.isEmpty() ? "accepts it" : "rejects it "
                        + problems) + ", the index says it " + (entry.schemaRejects() ? "rejects" : "accepts") + " it");
            }
            if (entry.schemaRejects()) {
                schemaRejected++;
                if (parserError == null) {
                    disagreements.add(entry.file() + ": the schema rejects what the worker accepts");
                }
            }
        }
        assertThat(disagreements).as("files where the parser, the schema and the index disagree").isEmpty();
        assertThat(schemaRejected).as("invalid requests the schema itself rejects").isGreaterThanOrEqualTo(15);
    }

    @Test
    void everySchemaIsAValidDraft202012Schema() throws IOException {
        Schema metaSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
        for (String file : PublishedSchemas.ALL) {
            JsonNode schema = JSON.readTree(PublishedSchemas.DIR.resolve(file).toFile());
            assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            assertThat(schema.path("$id").asText()).endsWith("/schemas/" + file);
            assertThat(metaSchema.validate(schema)).as("%s against the 2020-12 meta-schema", file).isEmpty();
        }
    }
}
