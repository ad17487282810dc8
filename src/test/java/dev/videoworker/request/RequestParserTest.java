package dev.videoworker.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.RecordPosition;
import dev.videoworker.job.VideoRequest;

/**
 * The request contract against the built-in catalog (read from the real application.properties).
 */
class RequestParserTest {

    static RequestParser parser;
    static final RecordPosition AT = new RecordPosition("video.requests", 2, 41);

    @BeforeAll
    static void catalog() {
        WorkerConfig worker = TestConfig.worker(Map.of());
        parser = new RequestParser(new ObjectMapper(), new ModelCatalog(worker), worker);
    }

    static ParseOutcome parse(String key, String json) {
        return parser.parse(json == null ? null : json.getBytes(StandardCharsets.UTF_8), key, AT);
    }

    static ParseOutcome.Invalid invalid(String key, String json) {
        ParseOutcome outcome = parse(key, json);
        assertThat(outcome).isInstanceOf(ParseOutcome.Invalid.class);
        return (ParseOutcome.Invalid) outcome;
    }

    @Test
    void appliesTheDefaultsOfTheSeed() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("job-1", "{\"prompt\":\"a cat\"}");
        assertThat(valid.request().jobId()).isEqualTo("job-1");
        assertThat(valid.request().model()).isEqualTo("sora-2");
        assertThat(valid.request().size()).isEqualTo("720x1280");
        assertThat(valid.request().seconds()).isEqualTo("4");
        assertThat(valid.estimatedCostUsd()).isEqualByComparingTo("0.40");
    }

    /** Every job in flight holds its request: what all jobs of a model repeat is held once, not once per job. */
    @Test
    void jobsOfOneModelShareTheValuesTheyRepeat() {
        String json = "{\"prompt\":\"a cat\",\"model\":\"sora-2-pro\",\"size\":\"1792x1024\",\"seconds\":\"12\"}";
        ParseOutcome.Valid one = (ParseOutcome.Valid) parse("job-a", json);
        ParseOutcome.Valid two = (ParseOutcome.Valid) parse("job-b", json);
        assertThat(two.request().model()).isEqualTo("sora-2-pro").isSameAs(one.request().model());
        assertThat(two.request().size()).isEqualTo("1792x1024").isSameAs(one.request().size());
        assertThat(two.request().seconds()).isEqualTo("12").isSameAs(one.request().seconds());
        assertThat(two.estimatedCostUsd()).isEqualByComparingTo("6.00").isSameAs(one.estimatedCostUsd());
    }

    @Test
    void acceptsSecondsAsANumberAndPricesBySize() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("job-2",
                "{\"prompt\":\"a cat\",\"model\":\"sora-2-pro\",\"size\":\"1792x1024\",\"seconds\":12}");
        assertThat(valid.request().seconds()).isEqualTo("12");
        assertThat(valid.estimatedCostUsd()).isEqualByComparingTo("6.00");
        ParseOutcome.Valid hd = (ParseOutcome.Valid) parse("job-3",
                "{\"prompt\":\"a cat\",\"model\":\"sora-2-pro\",\"size\":\"1280x720\",\"seconds\":\"8\"}");
        assertThat(hd.estimatedCostUsd()).isEqualByComparingTo("2.40");
    }

    @Test
    void rejectsLegacyDurationsSayingSo() {
        ParseOutcome.Invalid ten = invalid("k", "{\"prompt\":\"x\",\"seconds\":10}");
        assertThat(ten.error().code()).isEqualTo("legacy_seconds");
        assertThat(ten.error().message()).contains("legacy route").contains("4, 8, 12");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"seconds\":\"15\"}").error().code()).isEqualTo("legacy_seconds");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"seconds\":\"6\"}").error().code())
                .isEqualTo("unsupported_seconds");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"seconds\":4.5}").error().code()).isEqualTo("invalid_type");
    }

    @Test
    void namesTheFieldAndTheAllowedValues() {
        ParseOutcome.Invalid size = invalid("k", "{\"prompt\":\"x\",\"size\":\"1024x1792\"}");
        assertThat(size.error().field()).isEqualTo("size");
        assertThat(size.error().message()).contains("720x1280, 1280x720");
        ParseOutcome.Invalid model = invalid("k", "{\"prompt\":\"x\",\"model\":\"veo\"}");
        assertThat(model.error().code()).isEqualTo("unknown_model");
        assertThat(model.error().message()).contains("sora-2", "sora-2-pro");
        assertThat(invalid("k", "{\"prompt\":\"  \"}").error().code()).isEqualTo("invalid_prompt");
        assertThat(invalid("k", "{\"prompt\":\"" + "a".repeat(32_001) + "\"}").error().code())
                .isEqualTo("prompt_too_long");
        assertThat(invalid("k", "{\"prompt\":42}").error().code()).isEqualTo("invalid_type");
        assertThat(invalid("k", "[1,2]").error().code()).isEqualTo("invalid_type");
    }

    @Test
    void resolvesTheJobIdFromKeyBodyOrPosition() {
        assertThat(parse(null, "{\"prompt\":\"x\",\"jobId\":\"body-id\"}").jobId()).isEqualTo("body-id");
        assertThat(parse("same", "{\"prompt\":\"x\",\"jobId\":\"same\"}").jobId()).isEqualTo("same");
        assertThat(parse(null, "{\"prompt\":\"x\"}").jobId()).isEqualTo("video.requests-2-41");
        ParseOutcome.Invalid mismatch = invalid("key-id", "{\"prompt\":\"x\",\"jobId\":\"body-id\"}");
        assertThat(mismatch.error().code()).isEqualTo("job_id_mismatch");
        assertThat(mismatch.jobId()).isEqualTo("key-id");
    }

    @Test
    void rejectsAnOversizedPayloadWithoutReadingIt() {
        String big = "{\"prompt\":\"" + "x".repeat(1_048_576) + "\"}";
        ParseOutcome.Invalid r = invalid("big", big);
        assertThat(r.error().code()).isEqualTo("payload_too_large");
        assertThat(r.error().message()).contains("1048576");
    }

    @Test
    void rejectsMetadataThatWouldBloatEveryEvent() {
        ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"metadata\":{\"blob\":\"" + "m".repeat(20_000)
                + "\"}}");
        assertThat(r.error().code()).isEqualTo("metadata_too_large");
        assertThat(r.partial().metadata()).isNull();
    }

    @Test
    void sendsNonJsonToTheDeadLetterTopic() {
        assertThat(parse("k", "not json")).isInstanceOf(ParseOutcome.NotJson.class);
        assertThat(parse(null, null)).isInstanceOf(ParseOutcome.NotJson.class);
        assertThat(parse(null, "{oops").jobId()).isEqualTo("video.requests-2-41");
        assertThat(parse("k", "{\"prompt\":\"x\"} trailing")).isInstanceOf(ParseOutcome.NotJson.class);
        assertThat(parse("k", "{\"prompt\":\"x\"}{\"prompt\":\"y\"}")).isInstanceOf(ParseOutcome.NotJson.class);
        assertThat(parse("k", "{\"prompt\":\"x\"}\r\n ")).isInstanceOf(ParseOutcome.Valid.class);
    }

    @Test
    void keepsMetadataAndPartsOfARejectedRequest() {
        ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"\",\"model\":\"sora-2\",\"metadata\":{\"a\":1}}");
        assertThat(r.partial().model()).isEqualTo("sora-2");
        assertThat(r.partial().metadata().path("a").asInt()).isEqualTo(1);
    }

    @Test
    void refusesUnsafeOutputKeysAndBuckets() {
        assertThat(invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"../etc/{jobId}\"}}").error().code())
                .isEqualTo("invalid_object_key");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"/abs/{jobId}\"}}").error().code())
                .isEqualTo("invalid_object_key");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"output\":{\"bucket\":\"A_B\"}}").error().code())
                .isEqualTo("invalid_bucket");
        ParseOutcome.Valid ok = (ParseOutcome.Valid) parse("../..",
                "{\"prompt\":\"x\",\"output\":{\"key\":\"c/{jobId}.mp4\"}}");
        assertThat(ok.request().output().key()).isEqualTo("c/{jobId}.mp4");
    }

    @Test
    void acceptsDataUriReferencesWithinTheSizeLimit() {
        ParseOutcome.Valid ok = (ParseOutcome.Valid) parse("k",
                "{\"prompt\":\"x\",\"inputReference\":{\"uri\":\"data:image/png;base64,iVBORw0KGgo=\"}}");
        assertThat(ok.request().inputReference().fit()).isEqualTo("exact");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"inputReference\":{\"uri\":\"data:text/html;base64,AAAA\"}}")
                .error().code()).isEqualTo("invalid_input_reference");
        assertThat(invalid("k", "{\"prompt\":\"x\",\"inputReference\":{\"uri\":\"http://169.254.169.254/x\"}}")
                .error().code()).isEqualTo("unsupported_input_reference");
    }

    static String withReference(String uri) {
        return "{\"prompt\":\"x\",\"inputReference\":{\"uri\":\"" + uri + "\"}}";
    }

    static RequestParser parserWith(Map<String, String> overrides) {
        WorkerConfig worker = TestConfig.worker(overrides);
        return new RequestParser(new ObjectMapper(), new ModelCatalog(worker), worker);
    }

    static ParseOutcome parseWith(RequestParser p, String uri) {
        return p.parse(withReference(uri).getBytes(StandardCharsets.UTF_8), "k", AT);
    }

    static String codeOf(RequestParser p, String uri) {
        ParseOutcome outcome = parseWith(p, uri);
        assertThat(outcome).isNotInstanceOf(ParseOutcome.NotJson.class);
        return outcome instanceof ParseOutcome.Invalid i ? i.error().code() : "valid";
    }

    @Test
    void rejectsPlainHttpAndOtherSchemesNamingTheAllowedForms() {
        ParseOutcome.Invalid http = invalid("k", withReference("http://images.example.com/a.png"));
        assertThat(http.error().code()).isEqualTo("unsupported_input_reference");
        assertThat(http.error().field()).isEqualTo("inputReference.uri");
        assertThat(http.error().message()).contains("plain http:// is refused").contains("https://<allowed host>")
                .contains("s3://<allowed bucket>").contains("data:image/png|jpeg|webp;base64");
        assertThat(invalid("k", withReference("file:///etc/passwd")).error().message())
                .contains("scheme 'file' is not supported");
        assertThat(invalid("k", withReference("ftp://images.example.com/a.png")).error().code())
                .isEqualTo("unsupported_input_reference");
    }

    @Test
    void refusesHttpsReferencesWhileTheHostAllowListIsEmpty() {
        ParseOutcome.Invalid refused = invalid("k", withReference("https://images.example.com/a.png"));
        assertThat(refused.error().code()).isEqualTo("input_reference_host_not_allowed");
        assertThat(refused.error().message()).contains("worker.input-images.allowed-hosts is empty");
    }

    @Test
    void acceptsHttpsReferencesOnlyFromAllowedHostsWithoutUserInfo() {
        RequestParser p = parserWith(Map.of("worker.input-images.allowed-hosts",
                "images.example.com,*.cdn.example.net"));
        assertThat(codeOf(p, "https://images.example.com/refs/a.png?X-Amz-Signature=abc")).isEqualTo("valid");
        assertThat(codeOf(p, "HTTPS://IMAGES.Example.com:8443/a.png")).isEqualTo("valid");
        assertThat(codeOf(p, "https://eu.cdn.example.net/a.png")).isEqualTo("valid");
        assertThat(codeOf(p, "https://cdn.example.net/a.png")).isEqualTo("input_reference_host_not_allowed");
        assertThat(codeOf(p, "https://169.254.169.254/latest/meta-data/"))
                .isEqualTo("input_reference_host_not_allowed");
        ParseOutcome.Invalid other = (ParseOutcome.Invalid) parseWith(p, "https://evil.example.com/a.png");
        assertThat(other.error().code()).isEqualTo("input_reference_host_not_allowed");
        assertThat(other.error().message()).contains("evil.example.com")
                .contains("images.example.com, *.cdn.example.net").contains("worker.input-images.allowed-hosts");
        ParseOutcome.Invalid userInfo = (ParseOutcome.Invalid) parseWith(p, "https://user:pw@images.example.com/a.png");
        assertThat(userInfo.error().code()).isEqualTo("invalid_input_reference");
        assertThat(userInfo.error().message()).contains("user information");
        assertThat(codeOf(p, "https://images.example.com@evil.example.org/a.png")).isEqualTo("invalid_input_reference");
        assertThat(codeOf(p, "https://evil.example.org\\\\@images.example.com/a.png"))
                .isEqualTo("invalid_input_reference");
        assertThat(codeOf(p, "https:///a.png")).isEqualTo("invalid_input_reference");
        assertThat(codeOf(p, "https://images.example.com/a b.png")).isEqualTo("invalid_input_reference");
    }

    @Test
    void acceptsS3ReferencesOnlyFromAllowedBuckets() {
        assertThat(codeOf(parser, "s3://videos/refs/a.png")).as("the storage bucket by default").isEqualTo("valid");
        ParseOutcome.Invalid other = invalid("k", withReference("s3://secrets/keys.png"));
        assertThat(other.error().code()).isEqualTo("input_reference_bucket_not_allowed");
        assertThat(other.error().message()).contains("'secrets'").contains("only videos")
                .contains("worker.input-images.allowed-buckets");
        RequestParser p = parserWith(Map.of("worker.input-images.allowed-buckets", "inputs,refs"));
        assertThat(codeOf(p, "s3://inputs/a.png")).isEqualTo("valid");
        assertThat(codeOf(p, "s3://refs/a.png")).isEqualTo("valid");
        assertThat(codeOf(p, "s3://videos/a.png")).isEqualTo("input_reference_bucket_not_allowed");
    }

    @Test
    void rejectsACostAboveTheRequestsLimit() {
        ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"seconds\":\"12\",\"maxCostUsd\":1.00}");
        assertThat(r.error().code()).isEqualTo("cost_limit_exceeded");
        assertThat(r.error().message()).contains("$1.20");
    }

    // ---- every field: null, and every wrong JSON type ----

    /** A request that uses every field, all valid; each case below replaces one value in it. */
    static final String FULL = """
            {"jobId":"full-1","model":"sora-2-pro","prompt":"a cat","size":"1280x720","seconds":"8",
             "inputReference":{"uri":"s3://videos/inputs/cat.png","fit":"cover"},"variants":["thumbnail"],
             "output":{"bucket":"videos","key":"c/{jobId}.mp4"},"maxCostUsd":5.00,"metadata":{"campaign":7}}""";
    static final String PLACEHOLDER = "@@value@@";
    static final ObjectMapper JSON = new ObjectMapper();

    /** FULL with the value at {@code path} (dots for nesting, [i] for an array item) replaced by raw JSON text. */
    static String with(String path, String rawValue) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(FULL);
            String[] parts = path.split("\\.");
            JsonNode parent = root;
            for (int i = 0; i < parts.length - 1; i++) {
                parent = parent.get(parts[i]);
            }
            String last = parts[parts.length - 1];
            if (last.endsWith("[0]")) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) parent.get(last.substring(0, last.length() - 3)))
                        .set(0, TextNode.valueOf(PLACEHOLDER));
            } else {
                ((ObjectNode) parent).set(last, TextNode.valueOf(PLACEHOLDER));
            }
            return JSON.writeValueAsString(root).replace("\"" + PLACEHOLDER + "\"", rawValue);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static final List<String> STRING_FIELDS = List.of("jobId", "model", "prompt", "size", "inputReference.uri",
            "inputReference.fit", "output.bucket", "output.key");
    static final List<String> OBJECT_FIELDS = List.of("inputReference", "output", "metadata");

    /** Every field with every JSON type it must not have: rejected as invalid_type, naming the field. */
    static Stream<Arguments> wrongTypes() {
        List<Arguments> cases = new ArrayList<>();
        Map<String, String> nonStrings = Map.of("a number", "42", "a fraction", "1.5", "a boolean", "true",
                "an array", "[\"x\"]", "an object", "{\"x\":1}");
        for (String field : STRING_FIELDS) {
            nonStrings.forEach((kind, raw) -> cases.add(Arguments.of(field, kind, raw, "invalid_type", field)));
        }
        Map<String, String> nonObjects = Map.of("a number", "42", "a boolean", "false", "an array", "[{}]",
                "a string", "\"{}\"");
        for (String field : OBJECT_FIELDS) {
            nonObjects.forEach((kind, raw) -> cases.add(Arguments.of(field, kind, raw, "invalid_type", field)));
        }
        Map.of("a boolean", "true", "an array", "[8]", "an object", "{\"s\":8}", "a fraction", "8.5")
                .forEach((kind, raw) -> cases.add(Arguments.of("seconds", kind, raw, "invalid_type", "seconds")));
        Map.of("a number", "1", "a boolean", "true", "an object", "{\"thumbnail\":true}", "a string",
                "\"thumbnail\"").forEach((kind, raw) -> cases.add(Arguments.of("variants", kind, raw,
                        "invalid_type", "variants")));
        Map.of("a number", "1", "a boolean", "true", "an array", "[\"thumbnail\"]", "an object", "{}", "null",
                "null").forEach((kind, raw) -> cases.add(Arguments.of("variants[0]", kind, raw, "invalid_type",
                        "variants[0]")));
        Map.of("a string", "\"5.00\"", "a boolean", "true", "an array", "[5]", "an object", "{\"usd\":5}")
                .forEach((kind, raw) -> cases.add(Arguments.of("maxCostUsd", kind, raw, "invalid_type",
                        "maxCostUsd")));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} as {1} -> {3}")
    @MethodSource("wrongTypes")
    void rejectsEveryFieldOfTheWrongType(String field, String kind, String raw, String code, String errorField) {
        ParseOutcome.Invalid r = invalid("full-1", with(field, raw));
        assertThat(r.error().code()).as(r.error().toString()).isEqualTo(code);
        assertThat(r.error().field()).isEqualTo(errorField);
        assertThat(r.error().message()).contains(errorField).contains("must be");
        assertThat(r.jobId()).isEqualTo("full-1");
    }

    @Test
    void theFullRequestOfTheTableIsValid() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("full-1", FULL);
        assertThat(valid.request().inputReference().fit()).isEqualTo("cover");
        assertThat(valid.request().variants()).containsExactly("thumbnail");
        assertThat(valid.request().metadata().path("campaign").asInt()).isEqualTo(7);
    }

    /** Null means absent: the default applies, or the field is required and missing. */
    static Stream<Arguments> nulls() {
        return Stream.of(
                Arguments.of("jobId", "valid", "full-1"),
                Arguments.of("model", "valid", "sora-2"),
                Arguments.of("prompt", "invalid_prompt", "prompt"),
                Arguments.of("size", "valid", "720x1280"),
                Arguments.of("seconds", "valid", "4"),
                Arguments.of("inputReference", "valid", "no reference"),
                Arguments.of("inputReference.uri", "invalid_input_reference", "inputReference.uri"),
                Arguments.of("inputReference.fit", "valid", "exact"),
                Arguments.of("variants", "valid", "no variants"),
                Arguments.of("output", "valid", "default output"),
                Arguments.of("output.bucket", "valid", "default bucket"),
                Arguments.of("output.key", "valid", "default key"),
                Arguments.of("maxCostUsd", "valid", "no limit"),
                Arguments.of("metadata", "valid", "no metadata"));
    }

    @ParameterizedTest(name = "{0}: null -> {1} ({2})")
    @MethodSource("nulls")
    void treatsNullAsAbsent(String field, String expected, String detail) {
        // sora-2 for the size default: 1280x720 would not be the default of the model either way.
        ParseOutcome outcome = parse("full-1", with(field, "null"));
        if (!expected.equals("valid")) {
            ParseOutcome.Invalid r = (ParseOutcome.Invalid) outcome;
            assertThat(r.error().code()).isEqualTo(expected);
            assertThat(r.error().field()).isEqualTo(detail);
            return;
        }
        assertThat(outcome).as(outcome.toString()).isInstanceOf(ParseOutcome.Valid.class);
        VideoRequest request = ((ParseOutcome.Valid) outcome).request();
        switch (field) {
            case "jobId" -> assertThat(request.jobId()).isEqualTo(detail);
            case "model" -> assertThat(request.model()).isEqualTo(detail);
            case "size" -> assertThat(request.size()).isEqualTo(detail);
            case "seconds" -> assertThat(request.seconds()).isEqualTo(detail);
            case "inputReference" -> assertThat(request.inputReference()).isNull();
            case "inputReference.fit" -> assertThat(request.inputReference().fit()).isEqualTo(detail);
            case "variants" -> assertThat(request.variants()).isEmpty();
            case "output" -> assertThat(request.output()).isNull();
            case "output.bucket" -> assertThat(request.output().bucket()).isNull();
            case "output.key" -> assertThat(request.output().key()).isNull();
            case "maxCostUsd" -> assertThat(request.maxCostUsd()).isNull();
            case "metadata" -> assertThat(request.metadata()).isNull();
            default -> throw new IllegalArgumentException(field);
        }
    }

    @Test
    void aNullModelMeansTheDefaultModelAndItsDefaultSize() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("k", "{\"prompt\":\"x\",\"model\":null,\"size\":null}");
        assertThat(valid.request().model()).isEqualTo("sora-2");
        assertThat(valid.request().size()).isEqualTo("720x1280");
    }

    /** Numbers for seconds: whole ones are durations, the rest is refused with a message that says why. */
    static Stream<Arguments> secondsValues() {
        return Stream.of(
                Arguments.of("8", "valid", "8"),
                Arguments.of("8.0", "valid", "8"),
                Arguments.of("8E0", "valid", "8"),
                Arguments.of("\" 12 \"", "valid", "12"),
                Arguments.of("8.5", "invalid_type", "whole number"),
                Arguments.of("\"8.0\"", "unsupported_seconds", "'8.0'"),
                Arguments.of("\"abc\"", "unsupported_seconds", "'abc'"),
                Arguments.of("\"\"", "unsupported_seconds", "4, 8, 12"),
                Arguments.of("-4", "unsupported_seconds", "'-4'"),
                Arguments.of("0", "unsupported_seconds", "'0'"),
                Arguments.of("99999999999999999999999", "unsupported_seconds", "out of range"),
                Arguments.of("1e30", "unsupported_seconds", "out of range"),
                Arguments.of("1e400", "unsupported_seconds", "out of range"),
                Arguments.of("\"" + "9".repeat(5000) + "\"", "unsupported_seconds", "(5000 characters)"),
                Arguments.of("10", "legacy_seconds", "legacy route"),
                Arguments.of("\"15\"", "legacy_seconds", "legacy route"));
    }

    @ParameterizedTest(name = "seconds {0} -> {1}")
    @MethodSource("secondsValues")
    void readsSecondsStrictly(String raw, String expected, String detail) {
        ParseOutcome outcome = parse("k", "{\"prompt\":\"x\",\"seconds\":" + raw + "}");
        if (expected.equals("valid")) {
            assertThat(((ParseOutcome.Valid) outcome).request().seconds()).isEqualTo(detail);
            return;
        }
        ParseOutcome.Invalid r = (ParseOutcome.Invalid) outcome;
        assertThat(r.error().code()).isEqualTo(expected);
        assertThat(r.error().field()).isEqualTo("seconds");
        assertThat(r.error().message()).contains(detail).hasSizeLessThan(400);
    }

    @Test
    void legacyDurationsNameTheRouteAndTheSupportedOnes() {
        for (String raw : List.of("10", "15", "\"10\"", "\"15\"")) {
            ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"seconds\":" + raw + "}");
            assertThat(r.error().code()).as(raw).isEqualTo("legacy_seconds");
            assertThat(r.error().message()).as(raw).contains("legacy route").contains("4, 8, 12");
        }
    }

    static Stream<Arguments> maxCosts() {
        return Stream.of(
                Arguments.of("-0.01", "invalid_max_cost", "negative"),
                Arguments.of("1e400", "invalid_max_cost", "out of range"),
                Arguments.of("-1e400", "invalid_max_cost", "out of range"),
                Arguments.of("1" + "0".repeat(900), "invalid_max_cost", "10^15"),
                Arguments.of("0.0000000000001", "invalid_max_cost", "12 decimals"),
                Arguments.of("1e-999999999", "cost_limit_exceeded", "$0"),
                Arguments.of("0", "cost_limit_exceeded", "$0"),
                Arguments.of("0.39", "cost_limit_exceeded", "$0.39"));
    }

    @ParameterizedTest(name = "maxCostUsd {0} -> {1}")
    @MethodSource("maxCosts")
    void refusesCostLimitsThatAreNoPrice(String raw, String code, String detail) {
        ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"maxCostUsd\":" + raw + "}");
        assertThat(r.error().code()).isEqualTo(code);
        assertThat(r.error().field()).isEqualTo("maxCostUsd");
        assertThat(r.error().message()).contains(detail).hasSizeLessThan(400);
    }

    @Test
    void acceptsAHugeButPlainCostLimit() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("k", "{\"prompt\":\"x\",\"maxCostUsd\":1e12}");
        assertThat(valid.request().maxCostUsd()).isEqualByComparingTo("1000000000000");
    }

    @Test
    void requiresMetadataToBeAnObjectOfLimitedSizeAndDepth() {
        ParseOutcome.Invalid array = invalid("k", "{\"prompt\":\"x\",\"metadata\":[1,2]}");
        assertThat(array.error().code()).isEqualTo("invalid_type");
        assertThat(array.error().message()).contains("metadata must be a JSON object, got an array");
        // The limit is in bytes: 6,000 three-byte characters are 18,000 bytes.
        ParseOutcome.Invalid wide = invalid("k", "{\"prompt\":\"x\",\"metadata\":{\"a\":\"" + "€".repeat(6_000)
                + "\"}}");
        assertThat(wide.error().code()).isEqualTo("metadata_too_large");
        assertThat(wide.error().message()).contains("16384");
        String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        ParseOutcome.Invalid tooDeep = invalid("k", "{\"prompt\":\"x\",\"metadata\":" + deep + "}");
        assertThat(tooDeep.error().code()).isEqualTo("metadata_too_deep");
        assertThat(tooDeep.error().message()).contains("40 levels").contains("32");
        assertThat(tooDeep.partial().metadata()).isNull();
        String deepest = "{\"a\":".repeat(31) + "[]" + "}".repeat(31);
        assertThat(parse("k", "{\"prompt\":\"x\",\"metadata\":" + deepest + "}"))
                .isInstanceOf(ParseOutcome.Valid.class);
    }

    @Test
    void rejectsJsonBeyondTheParsersLimitsInsteadOfCrashing() {
        String nested = "[".repeat(10_000) + "]".repeat(10_000);
        ParseOutcome.Invalid deep = invalid("deep", "{\"prompt\":\"x\",\"junk\":" + nested + "}");
        assertThat(deep.error().code()).isEqualTo("json_limits_exceeded");
        assertThat(deep.error().message()).contains("nesting depth");
        assertThat(deep.jobId()).isEqualTo("deep");
        ParseOutcome.Invalid topLevel = invalid(null, nested);
        assertThat(topLevel.jobId()).isEqualTo("video.requests-2-41");
        ParseOutcome.Invalid longNumber = invalid("n", "{\"prompt\":\"x\",\"seconds\":" + "1".repeat(2_000) + "}");
        assertThat(longNumber.error().code()).isEqualTo("json_limits_exceeded");
    }

    @Test
    void ignoresUnknownFields() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("k", """
                {"prompt":"x","colour":"blue","nested":{"a":[1,{"b":null}]},"jobid":7,"Prompt":false}""");
        assertThat(valid.request().prompt()).isEqualTo("x");
    }

    @Test
    void countsThePromptInCodePoints() {
        String emoji = "\uD83C\uDFAC";
        ParseOutcome.Valid atLimit = (ParseOutcome.Valid) parse("k", "{\"prompt\":\"" + emoji.repeat(32_000)
                + "\"}");
        assertThat(atLimit.request().prompt()).hasSize(64_000);
        ParseOutcome.Invalid over = invalid("k", "{\"prompt\":\"" + emoji.repeat(32_001) + "\"}");
        assertThat(over.error().code()).isEqualTo("prompt_too_long");
        assertThat(over.error().message()).contains("32001").contains("32000");
    }

    @Test
    void jobIdAndKeyMustAgreeAndBeUsable() {
        ParseOutcome.Invalid mismatch = invalid("key-a", "{\"prompt\":\"x\",\"jobId\":\"key-b\"}");
        assertThat(mismatch.error().code()).isEqualTo("job_id_mismatch");
        assertThat(mismatch.error().field()).isEqualTo("jobId");
        assertThat(mismatch.error().message()).contains("key-a").contains("key-b");
        String hugeKey = "k".repeat(100_000);
        ParseOutcome.Invalid badKey = invalid(hugeKey, "{\"prompt\":\"x\"}");
        assertThat(badKey.error().code()).isEqualTo("invalid_job_id");
        assertThat(badKey.error().field()).isEqualTo("key");
        assertThat(badKey.jobId()).isEqualTo("video.requests-2-41");
        ParseOutcome.Invalid hugeMismatch = invalid(hugeKey, "{\"prompt\":\"x\",\"jobId\":\"short\"}");
        assertThat(hugeMismatch.error().message()).hasSizeLessThan(400);
        for (String bad : List.of("a\\u0000b", "line\\r\\nbreak", "lone\\ud800", "", " ", "x".repeat(201))) {
            ParseOutcome.Invalid r = invalid(null, "{\"prompt\":\"x\",\"jobId\":\"" + bad + "\"}");
            assertThat(r.error().code()).as(bad).isEqualTo("invalid_job_id");
            assertThat(r.error().field()).as(bad).isEqualTo("jobId");
        }
        assertThat(invalid("ctl\u0001key", "{\"prompt\":\"x\"}").error().code()).isEqualTo("invalid_job_id");
        assertThat(parse(null, "{\"prompt\":\"x\",\"jobId\":\"\u05e9\u05dc\u05d5\u05dd-\uD83C\uDFAC\"}").jobId())
                .isEqualTo("\u05e9\u05dc\u05d5\u05dd-\uD83C\uDFAC");
    }

    @Test
    void quotesHugeValuesOnlyInPart() {
        String huge = "m".repeat(200_000);
        for (String field : List.of("model", "size", "inputReference.fit", "output.bucket", "variants[0]")) {
            ParseOutcome.Invalid r = invalid("full-1", with(field, "\"" + huge + "\""));
            assertThat(r.error().message()).as(field).hasSizeLessThan(400).contains("(200000 characters)");
            assertThat(r.partial().model()).as(field).isEqualTo(field.equals("model") ? null : "sora-2-pro");
        }
        ParseOutcome.Invalid template = invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"{" + "v".repeat(5_000)
                + "}\"}}");
        assertThat(template.error().code()).isEqualTo("invalid_object_key");
        assertThat(template.error().message()).hasSizeLessThan(400);
    }

    @Test
    void keepsHostileTextAsPlainData() throws Exception {
        for (String text : List.of("'; DROP TABLE jobs; --", "../../etc/passwd", "{{7*7}}", "${jndi:ldap://x/a}",
                "a\\r\\nX-Injected: 1", "\u202Egnp.exe", "zero\u200Bwidth", "nul\\u0000byte")) {
            ParseOutcome.Valid valid = (ParseOutcome.Valid) parse("k", "{\"prompt\":\"" + text + "\"}");
            assertThat(valid.request().prompt()).as(text).isEqualTo(JSON.readTree("\"" + text + "\"").textValue());
            ParseOutcome.Invalid key = invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"" + text + "/../{jobId}\"}}");
            assertThat(key.error().code()).as(text).isEqualTo("invalid_object_key");
        }
    }

    // ---- hostile input, second pass (issue 13) ----

    /** Job ids follow the object keys' rules: none of these may name a job, as the record key or as jobId. */
    static Stream<Arguments> unusableIds() {
        return Stream.of(
                Arguments.of("bom\uFEFFid", "U+FEFF (a format character)"),
                Arguments.of("rlo\u202Egnp.exe", "U+202E (a format character)"),
                Arguments.of("zero\u200Bwidth", "U+200B (a format character)"),
                Arguments.of("soft\u00ADhyphen", "U+00AD (a format character)"),
                Arguments.of("nel\u0085id", "U+0085 (a control character)"),
                Arguments.of("line\u2028sep", "U+2028 (a line separator)"),
                Arguments.of("para\u2029sep", "U+2029 (a line separator)"),
                Arguments.of("lone\uDC00low", "U+DC00 (an unpaired surrogate)"),
                Arguments.of("high\uD83C", "U+D83C (an unpaired surrogate)"),
                Arguments.of("not\uFFFDutf8", "U+FFFD"),
                Arguments.of("\u00A0\u3000", "no visible character"));
    }

    @ParameterizedTest(name = "record key {1}")
    @MethodSource("unusableIds")
    void rejectsARecordKeyThatCannotBeAJobIdNamingTheCodePoint(String key, String why) {
        ParseOutcome.Invalid r = invalid(key, "{\"prompt\":\"x\"}");
        assertThat(r.error().code()).isEqualTo("invalid_job_id");
        assertThat(r.error().field()).isEqualTo("key");
        assertThat(r.error().message()).contains(why).doesNotContain(key);
        assertThat(r.jobId()).as("a safe id for the rejection").isEqualTo("video.requests-2-41");
    }

    @ParameterizedTest(name = "jobId {1}")
    @MethodSource("unusableIds")
    void rejectsABodyJobIdThatCannotBeAJobIdNamingTheCodePoint(String id, String why) throws Exception {
        ParseOutcome.Invalid r = invalid(null, "{\"prompt\":\"x\",\"jobId\":" + JSON.writeValueAsString(id)
                .replace("\uDC00", "\\udc00").replace("\uD83C", "\\ud83c") + "}");
        assertThat(r.error().code()).isEqualTo("invalid_job_id");
        assertThat(r.error().field()).isEqualTo("jobId");
        assertThat(r.error().message()).contains(why).doesNotContain(id);
    }

    @Test
    void acceptsJobIdsInAnyScriptWithPairedSurrogates() {
        for (String id : List.of("\u05e9\u05dc\u05d5\u05dd-\uD83C\uDFAC", "caf\u00e9 7", "\u4f5c\u696d-1", "e\u0301")) {
            assertThat(parse(id, "{\"prompt\":\"x\"}").jobId()).isEqualTo(id);
        }
    }

    static Stream<Arguments> invisiblePrompts() {
        return Stream.of(
                Arguments.of("\u00A0", "U+00A0"),
                Arguments.of("\u3000\u3000", "U+3000"),
                Arguments.of("\u200B", "U+200B"),
                Arguments.of("\uFEFF", "U+FEFF"),
                Arguments.of("\u00A0\u200B\u2003\u3000\uFEFF", "U+00A0, U+2003, U+200B, U+3000, U+FEFF"),
                Arguments.of("\u2060\u180E\u200D", "U+180E, U+200D, U+2060"),
                Arguments.of("\u3164\u115F", "U+115F, U+3164"),
                Arguments.of("\u0301\uFE0F", "U+0301, U+FE0F"),
                Arguments.of(" \\t\u2003 ", "U+0009, U+0020, U+2003"));
    }

    @ParameterizedTest(name = "prompt of {1}")
    @MethodSource("invisiblePrompts")
    void rejectsAPromptWithoutAVisibleCharacterNamingWhatItHolds(String prompt, String named) {
        ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"" + prompt + "\"}");
        assertThat(r.error().code()).isEqualTo("invalid_prompt");
        assertThat(r.error().field()).isEqualTo("prompt");
        assertThat(r.error().message()).contains("no visible character, only " + named).contains("at least one");
    }

    @Test
    void acceptsAPromptWithOneVisibleCharacterAmongInvisibleOnes() {
        for (String prompt : List.of("\u200Bx\u200B", "\u00A0.", "\uD83C\uDFAC", "e\u0301", "\u05e9", "\u202Etxet")) {
            assertThat(parse("k", "{\"prompt\":\"" + prompt + "\"}")).as(prompt).isInstanceOf(ParseOutcome.Valid.class);
        }
    }

    @Test
    void rejectsEveryBraceOfTheKeyTemplateThatIsNotAKnownVariableNamingTheKnownOnes() {
        for (String key : List.of("{jobId.class.classLoader}.mp4", "{JOBID}.mp4", "{ jobId }.mp4", "{jobId}{.mp4",
                "a}/{jobId}.mp4", "c/{jobId}/{}.mp4", "{{jobId}}.mp4", "{${jndi:ldap://x/a}}")) {
            ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"" + key + "\"}}");
            assertThat(r.error().code()).as(key).isEqualTo("invalid_object_key");
            assertThat(r.error().field()).as(key).isEqualTo("output.key");
            assertThat(r.error().message()).as(key).contains("is not a variable")
                    .contains("the only variables are {jobId}, {videoId}, {model}, {size}, {seconds}");
        }
        assertThat(invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"{jobId.class.classLoader}\"}}").error()
                .message()).contains("'{jobId.class.classLoader}' is not a variable");
        ParseOutcome.Valid all = (ParseOutcome.Valid) parse("k", "{\"prompt\":\"x\",\"output\":{\"key\":"
                + "\"c/{jobId}/{model}-{size}-{seconds}-{videoId}.mp4\"}}");
        assertThat(all.request().output().key()).isEqualTo("c/{jobId}/{model}-{size}-{seconds}-{videoId}.mp4");
    }

    @Test
    void rejectsKeyTemplatesWithFormatOrSeparatorCharactersNamingTheCodePoint() {
        for (String c : List.of("\u202E", "\uFEFF", "\u200B", "\u2028", "\u0085")) {
            ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"output\":{\"key\":\"a" + c + "b/{jobId}\"}}");
            assertThat(r.error().code()).isEqualTo("invalid_object_key");
            assertThat(r.error().message()).contains(String.format("U+%04X", (int) c.charAt(0))).doesNotContain(c);
        }
    }

    @Test
    void storesOnlyInTheConfiguredBucketByDefault() {
        assertThat(parse("k", "{\"prompt\":\"x\",\"output\":{\"bucket\":\"videos\"}}"))
                .isInstanceOf(ParseOutcome.Valid.class);
        for (String bucket : List.of("other-bucket", "videos.evil.com", "169.254.169.254", "videos2")) {
            ParseOutcome.Invalid r = invalid("k", "{\"prompt\":\"x\",\"output\":{\"bucket\":\"" + bucket + "\"}}");
            assertThat(r.error().code()).as(bucket).isEqualTo("output_bucket_not_allowed");
            assertThat(r.error().field()).as(bucket).isEqualTo("output.bucket");
            assertThat(r.error().message()).as(bucket).contains("'" + bucket + "'").contains("only in videos (")
                    .contains("worker.storage.allowed-output-buckets");
        }
    }

    @Test
    void storesInTheAllowedOutputBucketsAndTheConfiguredOne() {
        RequestParser p = parserWith(Map.of("worker.storage.allowed-output-buckets", "archive,exports"));
        for (String bucket : List.of("videos", "archive", "exports")) {
            assertThat(p.parse(("{\"prompt\":\"x\",\"output\":{\"bucket\":\"" + bucket + "\"}}")
                    .getBytes(StandardCharsets.UTF_8), "k", AT)).as(bucket).isInstanceOf(ParseOutcome.Valid.class);
        }
        ParseOutcome.Invalid r = (ParseOutcome.Invalid) p.parse("{\"prompt\":\"x\",\"output\":{\"bucket\":\"other\"}}"
                .getBytes(StandardCharsets.UTF_8), "k", AT);
        assertThat(r.error().code()).isEqualTo("output_bucket_not_allowed");
        assertThat(r.error().message()).contains("only in videos, archive, exports");
    }

    /** A request whose prompt holds {@code bad} between two letters: everything else is valid. */
    static byte[] withBytes(int... bad) {
        byte[] head = "{\"prompt\":\"a".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "b\"}".getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int i = 0; i < bad.length; i++) {
            out[head.length + i] = (byte) bad[i];
        }
        System.arraycopy(tail, 0, out, head.length + bad.length, tail.length);
        return out;
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                Arguments.of("overlong '/'", withBytes(0xC0, 0xAF), "C0"),
                Arguments.of("overlong NUL", withBytes(0xC0, 0x80), "C0"),
                Arguments.of("overlong three bytes", withBytes(0xE0, 0x80, 0xAF), "E0"),
                Arguments.of("lone continuation byte", withBytes(0x80), "80"),
                Arguments.of("surrogate in UTF-8", withBytes(0xED, 0xA0, 0x80), "ED"),
                Arguments.of("cut-off sequence", withBytes(0xE2, 0x82), "E2 82"),
                Arguments.of("beyond U+10FFFF", withBytes(0xF4, 0x90, 0x80, 0x80), "F4"),
                Arguments.of("five-byte form", withBytes(0xF8, 0x88, 0x80, 0x80, 0x80), "F8"),
                Arguments.of("0xFF", withBytes(0xFF), "FF"),
                Arguments.of("cut off at the end", Arrays.copyOf(withBytes(0xE2, 0x82, 0xAC), 14), "E2 82"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void treatsInvalidUtf8AsNotJson(String what, byte[] value, String shown) {
        ParseOutcome outcome = parser.parse(value, "k", AT);
        assertThat(outcome).isInstanceOf(ParseOutcome.NotJson.class);
        assertThat(((ParseOutcome.NotJson) outcome).reason()).contains("not UTF-8").contains(shown);
        assertThat(outcome.jobId()).isEqualTo("k");
    }

    @Test
    void readsOnlyUtf8NotUtf16OrUtf32() {
        for (var charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16,
                java.nio.charset.Charset.forName("UTF-32"))) {
            ParseOutcome outcome = parser.parse("{\"prompt\":\"x\"}".getBytes(charset), "k", AT);
            assertThat(outcome).as(charset.name()).isInstanceOf(ParseOutcome.NotJson.class);
        }
        assertThat(((ParseOutcome.NotJson) parse("k", "{\"prompt\":\"x\u0000\"}")).reason())
                .contains("NUL byte at byte 12");
    }

    @Test
    void readsValidUtf8OfEveryLengthAndSkipsAByteOrderMark() {
        ParseOutcome.Valid valid = (ParseOutcome.Valid) parser.parse(withBytes(0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x8E,
                0xAC, 0xC3, 0xA9), "k", AT);
        assertThat(valid.request().prompt()).isEqualTo("a\u20AC\uD83C\uDFAC\u00E9b");
        byte[] json = "{\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        byte[] bom = new byte[json.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, bom, 3, json.length);
        assertThat(parser.parse(bom, "k", AT)).isInstanceOf(ParseOutcome.Valid.class);
    }
}
