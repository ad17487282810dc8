package dev.videoworker.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;

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
}
