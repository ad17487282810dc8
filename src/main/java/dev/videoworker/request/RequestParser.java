package dev.videoworker.request;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.event.RecordPosition;
import dev.videoworker.job.JobError;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.net.HostAllowList;
import dev.videoworker.store.ObjectKeys;
import okhttp3.HttpUrl;

/**
 * Turns the bytes of a request record into a valid request or a specific rejection, before anything costs money.
 */
@ApplicationScoped
public class RequestParser {

    static final int MAX_PROMPT_CHARS = 32_000;
    static final int MAX_JOB_ID_CHARS = 200;
    static final int MAX_URL_CHARS = 4096;
    /**
     * Deepest {@code metadata} accepted. It is nested into job states and events, and JSON libraries refuse documents
     * nested deeper than about 1000 levels (Jackson's default), often 500 or less.
     */
    static final int MAX_METADATA_DEPTH = 32;
    /** Longest part of a request value quoted back in a message or kept in a rejection: events stay small. */
    static final int MAX_ECHO_CHARS = 100;
    static final Set<String> VARIANTS = Set.of("thumbnail", "spritesheet");
    static final Set<String> FITS = Set.of("exact", "cover", "contain");
    static final Pattern DATA_URI = Pattern.compile(
            "data:image/(png|jpeg|jpg|webp);base64,");
    private static final String DEFAULT_MODEL = "sora-2";
    private static final String DEFAULT_SECONDS = "4";
    /** Variables of an {@code output.key} template, as the message of a refused one lists them. */
    private static final String KEY_VARIABLES = "{jobId}, {videoId}, {model}, {size}, {seconds}";
    /** Characters of the Letter and Symbol categories that draw nothing: Hangul fillers and the blank Braille cell. */
    private static final Set<Integer> BLANK_LETTERS = Set.of(0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800);
    private static final String JOB_ID_RULE = "A job id is 1-" + MAX_JOB_ID_CHARS + " characters with at least one "
            + "visible one and no control, format or line separator characters, unpaired surrogates or U+FFFD.";
    private static final String REFERENCE_FORMS = "https://<allowed host>/<path>, s3://<allowed bucket>/<key> or "
            + "data:image/png|jpeg|webp;base64,<data>";

    private final ObjectReader reader;
    private final ModelCatalog catalog;
    private final WorkerConfig config;
    private final HostAllowList imageHosts;
    private final List<String> imageBuckets;
    private final List<String> outputBuckets;

    public RequestParser(ObjectMapper mapper, ModelCatalog catalog, WorkerConfig config) {
        // A document followed by more text is not JSON: without this, '{"prompt":"x"} garbage' would be a valid job.
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.catalog = catalog;
        this.config = config;
        this.imageHosts = HostAllowList.of(config.inputImages().allowedHosts().orElse(List.of()));
        this.imageBuckets = config.inputImages().allowedBuckets().filter(b -> !b.isEmpty())
                .orElse(List.of(config.storage().bucket()));
        List<String> outputs = new ArrayList<>(List.of(config.storage().bucket()));
        config.storage().allowedOutputBuckets().orElse(List.of()).stream().filter(b -> !outputs.contains(b))
                .forEach(outputs::add);
        this.outputBuckets = List.copyOf(outputs);
    }

    public ParseOutcome parse(byte[] value, String recordKey, RecordPosition position) {
        String keyId = recordKey != null && jobIdProblem(recordKey).isEmpty() ? recordKey : null;
        String fallbackId = keyId != null ? keyId : position.derivedJobId();
        if (value == null || value.length == 0) {
            return new ParseOutcome.NotJson(fallbackId, "empty record value");
        }
        int maxBytes = config.requests().maxBytes();
        if (value.length > maxBytes) {
            return invalid(fallbackId, JobError.field("payload_too_large", "$", "The request has " + value.length
                    + " bytes; the limit is " + maxBytes + " (worker.requests.max-bytes)."), null);
        }
        Optional<String> notUtf8 = utf8Problem(value);
        if (notUtf8.isPresent()) {
            return new ParseOutcome.NotJson(fallbackId, notUtf8.get());
        }
        JsonNode root;
        try {
            root = reader.readTree(value);
        } catch (StreamConstraintsException e) {
            // Syntactically JSON (as far as it was read) but beyond the parser's limits: a bad request, not a dead letter.
            return invalid(fallbackId, JobError.field("json_limits_exceeded", "$", "The request exceeds a JSON limit of "
                    + "the worker: " + clip(e.getOriginalMessage()) + "."), null);
        } catch (JsonProcessingException e) {
            return new ParseOutcome.NotJson(fallbackId, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new ParseOutcome.NotJson(fallbackId, "unreadable: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            return new ParseOutcome.NotJson(fallbackId, "empty record value");
        }
        if (!root.isObject()) {
            return invalid(fallbackId, JobError.field("invalid_type", "$",
                    "The request must be a JSON object, got " + kind(root) + "."), null);
        }
        return new Reading(root, recordKey, keyId, position).read();
    }

    /**
     * Why the record is not UTF-8 text, or empty when it is. Jackson alone reads some invalid bytes leniently (an
     * overlong {@code C0 AF} as '/', surrogates, cut-off sequences), and it reads UTF-16 and UTF-32 too, recognised by
     * their zero bytes: a NUL byte is refused here as well, JSON in UTF-8 never has one.
     */
    private static Optional<String> utf8Problem(byte[] value) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        CharBuffer out = CharBuffer.allocate(8192);
        CoderResult result;
        do {
            out.clear();
            result = decoder.decode(in, out, true);
        } while (result.isOverflow());
        if (result.isError()) {
            int at = in.position();
            byte[] bad = Arrays.copyOfRange(value, at, Math.min(value.length, at + result.length()));
            return Optional.of("not UTF-8: invalid byte sequence " + HexFormat.ofDelimiter(" ").withUpperCase()
                    .formatHex(bad) + " at byte " + at);
        }
        for (int i = 0; i < value.length; i++) {
            if (value[i] == 0) {
                return Optional.of("not JSON in UTF-8: a NUL byte at byte " + i);
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code id} cannot be a job id, or empty when it can. Job ids name jobs in events, logs and object keys, so
     * they follow the object keys' rules for characters ({@link ObjectKeys#unsafeCharacter}), must show at least one
     * character, and may not hold U+FFFD, what a record key that was not UTF-8 turns into (two such keys would meet).
     */
    public static Optional<String> jobIdProblem(String id) {
        if (id.length() > MAX_JOB_ID_CHARS) {
            return Optional.of("it has " + id.length() + " characters; the limit is " + MAX_JOB_ID_CHARS);
        }
        Optional<String> unsafe = ObjectKeys.unsafeCharacter(id);
        if (unsafe.isPresent()) {
            return Optional.of("it contains " + unsafe.get());
        }
        if (id.indexOf('\uFFFD') >= 0) {
            return Optional.of("it contains U+FFFD (the replacement character of bytes that are not UTF-8)");
        }
        if (id.codePoints().noneMatch(RequestParser::visible)) {
            return Optional.of(id.isEmpty() ? "it is empty" : "it has no visible character");
        }
        return Optional.empty();
    }

    /**
     * Whether a code point draws something by itself: not a space of any kind (U+00A0, U+2003, U+3000, ...), not a
     * control, format or separator character, not a combining mark without its base, not a blank filler letter.
     */
    private static boolean visible(int c) {
        if (Character.isWhitespace(c) || Character.isSpaceChar(c) || BLANK_LETTERS.contains(c)) {
            return false;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK -> false;
            default -> true;
        };
    }

    /** The distinct code points of an invisible text, as a message names them: {@code U+00A0, U+200B}. */
    private static String codePoints(String text) {
        Set<Integer> seen = new TreeSet<>();
        text.codePoints().limit(10_000).forEach(seen::add);
        List<String> named = seen.stream().limit(5).map(ObjectKeys::codePoint).toList();
        return String.join(", ", named) + (seen.size() > 5 ? ", …" : "");
    }

    /** A request value as it may appear in a message: at most {@link #MAX_ECHO_CHARS} characters. */
    static String clip(String value) {
        if (value == null || value.length() <= MAX_ECHO_CHARS) {
            return value;
        }
        int end = MAX_ECHO_CHARS;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(0, end) + "… (" + value.length() + " characters)";
    }

    /** A request value kept in a rejection's partial request only when it is short enough to be useful. */
    private static String bounded(String value) {
        return value != null && value.length() <= MAX_ECHO_CHARS ? value : null;
    }

    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            deepest = Math.max(deepest, depth(child));
        }
        return node.isContainerNode() ? deepest + 1 : 0;
    }

    private static ParseOutcome.Invalid invalid(String jobId, JobError error, VideoRequest partial) {
        return new ParseOutcome.Invalid(jobId, error, partial);
    }

    private static String kind(JsonNode node) {
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isIntegralNumber()) {
            return "an integer";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /** One pass over one request object; collects what it could read so a rejection can still name model and size. */
    private final class Reading {
        private final JsonNode root;
        private final String recordKey;
        private final String keyId;
        private final RecordPosition position;
        private String jobId;
        private String model;
        private String size;
        private String seconds;
        private JsonNode metadata;

        Reading(JsonNode root, String recordKey, String keyId, RecordPosition position) {
            this.root = root;
            this.recordKey = recordKey;
            this.keyId = keyId;
            this.position = position;
        }

        ParseOutcome read() {
            jobId = keyId != null ? keyId : position.derivedJobId();
            JsonNode given = root.get("metadata");
            if (given != null && !given.isNull()) {
                if (!given.isObject()) {
                    return invalid(jobId, JobError.field("invalid_type", "metadata", "metadata must be a JSON object, "
                            + "got " + kind(given) + "."), partial());
                }
                int bytes = given.toString().getBytes(StandardCharsets.UTF_8).length;
                if (bytes > config.requests().maxMetadataBytes()) {
                    return invalid(jobId, JobError.field("metadata_too_large", "metadata", "metadata has " + bytes
                            + " bytes as JSON; the limit is " + config.requests().maxMetadataBytes()
                            + " bytes (worker.requests.max-metadata-bytes): it is copied into every event of the job."),
                            partial());
                }
                int depth = depth(given);
                if (depth > MAX_METADATA_DEPTH) {
                    return invalid(jobId, JobError.field("metadata_too_deep", "metadata", "metadata is nested "
                            + depth + " levels deep; the limit is " + MAX_METADATA_DEPTH + " (it is nested into "
                            + "every event of the job, and JSON readers limit nesting)."), partial());
                }
                metadata = given;
            }
            try {
                return readFields();
            } catch (Reject r) {
                return invalid(jobId, r.error, partial());
            }
        }

        private ParseOutcome readFields() {
            String bodyId = text("jobId");
            if (bodyId != null) {
                Optional<String> problem = jobIdProblem(bodyId);
                if (problem.isPresent()) {
                    throw reject("invalid_job_id", "jobId", "jobId is not a usable job id: " + problem.get() + ". "
                            + JOB_ID_RULE);
                }
                if (recordKey != null && !recordKey.isEmpty() && !recordKey.equals(bodyId)) {
                    throw reject("job_id_mismatch", "jobId", "jobId '" + bodyId
                            + "' differs from the record key '" + clip(recordKey) + "'; send them equal or omit one.");
                }
                jobId = bodyId;
            } else if (recordKey != null && !recordKey.isEmpty() && keyId == null) {
                throw reject("invalid_job_id", "key", "The record key is not a usable job id: "
                        + jobIdProblem(recordKey).orElseThrow() + ". " + JOB_ID_RULE);
            }
            model = Optional.ofNullable(text("model")).orElse(DEFAULT_MODEL);
            String provider = text("provider");
            String prompt = text("prompt");
            size = text("size");
            seconds = secondsValue();
            if (catalog.model(model).isEmpty()) {
                throw new Reject(catalog.check(clip(model), "", "", false).orElseThrow());
            }
            if (size == null) {
                size = catalog.defaultSize(model);
            }
            if (seconds == null) {
                seconds = DEFAULT_SECONDS;
            }
            VideoRequest.InputReference reference = inputReference();
            catalog.check(model, size, seconds, reference != null, provider).ifPresent(e -> {
                // Checked with the values as given, reported with clipped ones: the message must stay short.
                throw new Reject(catalog.check(model, clip(size), clip(seconds), reference != null,
                        provider == null ? null : clip(provider)).orElse(e));
            });
            if (prompt == null || prompt.isEmpty()) {
                throw reject("invalid_prompt", "prompt", "prompt is required and must not be empty.");
            }
            if (prompt.codePoints().noneMatch(RequestParser::visible)) {
                throw reject("invalid_prompt", "prompt", "prompt has no visible character, only " + codePoints(prompt)
                        + " (spaces, format or other invisible characters); it must contain at least one visible "
                        + "character.");
            }
            int promptChars = prompt.codePointCount(0, prompt.length());
            if (promptChars > MAX_PROMPT_CHARS) {
                throw reject("prompt_too_long", "prompt", "prompt has " + promptChars
                        + " characters; the limit is " + MAX_PROMPT_CHARS + ".");
            }
            List<String> variants = variants();
            VideoRequest.OutputTarget output = output();
            BigDecimal maxCost = maxCost();
            ModelCatalog.Offer offer;
            try {
                offer = catalog.choose(model, size, seconds, reference != null, !variants.isEmpty(), provider)
                        .offer();
            } catch (ModelCatalog.Refused r) {
                throw new Reject(r.error());
            }
            // The catalog's own instances of what every job of the model repeats (held by each job in flight).
            model = offer.model().equals(model) ? offer.model() : model;
            size = sameAs(offer.spec().sizes(), size);
            seconds = sameAs(offer.spec().seconds(), seconds);
            BigDecimal cost = ModelCatalog.estimateCost(offer, size, seconds).orElse(null);
            if (maxCost != null && cost != null && cost.compareTo(maxCost) > 0) {
                throw reject("cost_limit_exceeded", "maxCostUsd", "Estimated cost $" + cost.toPlainString()
                        + " (" + model + ", " + size + ", " + seconds + " s) exceeds maxCostUsd $"
                        + maxCost.toPlainString() + ".");
            }
            return new ParseOutcome.Valid(new VideoRequest(jobId, model, prompt, size, seconds, reference, variants,
                    output, maxCost, metadata, provider), cost);
        }

        /** The element of {@code known} equal to {@code value}, else {@code value}. */
        private static String sameAs(List<String> known, String value) {
            for (String k : known) {
                if (k.equals(value)) {
                    return k;
                }
            }
            return value;
        }

        private VideoRequest partial() {
            return new VideoRequest(jobId, bounded(model), null, bounded(size), bounded(seconds), null, null, null, null,
                    metadata);
        }

        private String text(String field) {
            return text(root, field, field);
        }

        private String text(JsonNode parent, String field, String path) {
            JsonNode node = parent.get(field);
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isTextual()) {
                throw reject("invalid_type", path, path + " must be a string, got " + kind(node) + ".");
            }
            return node.textValue();
        }

        private String secondsValue() {
            JsonNode node = root.get("seconds");
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isTextual()) {
                return node.textValue().trim();
            }
            if (!node.isNumber()) {
                throw reject("invalid_type", "seconds", "seconds must be a string such as \"8\" or a whole number, "
                        + "got " + kind(node) + ".");
            }
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
                throw reject("unsupported_seconds", "seconds", "seconds " + clip(node.asText())
                        + " is out of range" + durations() + ".");
            }
            BigDecimal value = node.decimalValue();
            if (value.signum() != 0 && value.stripTrailingZeros().scale() > 0) {
                throw reject("invalid_type", "seconds", "seconds must be a whole number of seconds, got "
                        + clip(value.toString()) + ".");
            }
            try {
                // 8.0 and 8E0 are the whole number 8; larger than an int is left to the catalog to refuse.
                return Integer.toString(value.intValueExact());
            } catch (ArithmeticException tooLarge) {
                throw reject("unsupported_seconds", "seconds", "seconds " + clip(value.toString())
                        + " is out of range" + durations() + ".");
            }
        }

        private String durations() {
            return catalog.model(model).map(m -> "; supported durations: " + String.join(", ", m.seconds())
                    + " seconds").orElse("");
        }

        private VideoRequest.InputReference inputReference() {
            JsonNode node = root.get("inputReference");
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isObject()) {
                throw reject("invalid_type", "inputReference", "inputReference must be an object with uri and fit, got "
                        + kind(node) + ".");
            }
            String uri = text(node, "uri", "inputReference.uri");
            if (uri == null || uri.isBlank()) {
                throw reject("invalid_input_reference", "inputReference.uri", "inputReference.uri is required.");
            }
            String fit = Optional.ofNullable(text(node, "fit", "inputReference.fit")).orElse("exact");
            if (!FITS.contains(fit)) {
                throw reject("invalid_fit", "inputReference.fit", "inputReference.fit must be one of exact, cover, "
                        + "contain; got '" + clip(fit) + "'.");
            }
            if (uri.startsWith("data:")) {
                checkDataUri(uri);
                return new VideoRequest.InputReference(uri, fit);
            }
            int colon = uri.indexOf(':');
            String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
            if ("https".equals(scheme)) {
                checkHttps(uri);
                return new VideoRequest.InputReference(uri, fit);
            }
            if (!uri.startsWith("s3://")) {
                String why = "http".equals(scheme) ? "plain http:// is refused; use https://"
                        : scheme.isEmpty() || scheme.length() > 20 ? "it has no supported scheme"
                        : "the scheme '" + scheme + "' is not supported";
                throw reject("unsupported_input_reference", "inputReference.uri", "inputReference.uri must be "
                        + REFERENCE_FORMS + "; " + why + ".");
            }
            String rest = uri.substring("s3://".length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1) {
                throw reject("invalid_input_reference", "inputReference.uri",
                        "inputReference.uri must look like s3://bucket/key.");
            }
            String bucket = rest.substring(0, slash);
            ObjectKeys.bucketProblem(bucket).ifPresent(p -> {
                throw reject("invalid_input_reference", "inputReference.uri", "Bad bucket in inputReference.uri: "
                        + p + ".");
            });
            if (!imageBuckets.contains(bucket)) {
                throw reject("input_reference_bucket_not_allowed", "inputReference.uri", "inputReference.uri names "
                        + "the bucket '" + bucket + "'; s3:// references may name only " + String.join(", ",
                                imageBuckets) + " (worker.input-images.allowed-buckets).");
            }
            return new VideoRequest.InputReference(uri, fit);
        }

        /** Syntax and host of an https reference; nothing is resolved or fetched here. */
        private void checkHttps(String uri) {
            if (uri.length() > MAX_URL_CHARS) {
                throw reject("invalid_input_reference", "inputReference.uri", "inputReference.uri has "
                        + uri.length() + " characters; an https URL may have at most " + MAX_URL_CHARS + ".");
            }
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (URISyntaxException e) {
                throw reject("invalid_input_reference", "inputReference.uri", "inputReference.uri is not a valid "
                        + "https URL: " + e.getReason() + " at index " + e.getIndex() + ".");
            }
            if (parsed.getRawUserInfo() != null) {
                throw reject("invalid_input_reference", "inputReference.uri", "inputReference.uri must not contain "
                        + "user information (user:password@); put credentials in a signed query string instead.");
            }
            // The host as the HTTP client will use it (lower case, IDN in ASCII), so the allow-list judges that one.
            HttpUrl url = parsed.getHost() == null ? null : HttpUrl.parse(uri);
            if (url == null) {
                throw reject("invalid_input_reference", "inputReference.uri", "inputReference.uri must look like "
                        + "https://host/path with a valid host name.");
            }
            if (imageHosts.isEmpty()) {
                throw reject("input_reference_host_not_allowed", "inputReference.uri", "https:// references are "
                        + "disabled: the allow-list worker.input-images.allowed-hosts is empty. Send an s3:// or "
                        + "data: reference, or ask the operator to allow the host " + url.host() + ".");
            }
            if (!imageHosts.permits(url.host())) {
                throw reject("input_reference_host_not_allowed", "inputReference.uri", "inputReference.uri names "
                        + "the host " + url.host() + ", which is not allowed; allowed hosts: " + imageHosts.describe()
                        + " (worker.input-images.allowed-hosts).");
            }
        }

        private void checkDataUri(String uri) {
            Matcher m = DATA_URI.matcher(uri);
            if (!m.lookingAt()) {
                throw reject("invalid_input_reference", "inputReference.uri", "A data: reference must look like "
                        + "data:image/png;base64,... (image/png, image/jpeg or image/webp, base64).");
            }
            if (uri.length() > config.requests().maxDataUriBytes()) {
                throw reject("input_reference_too_large", "inputReference.uri", "The data: reference has "
                        + uri.length() + " characters; the limit is " + config.requests().maxDataUriBytes()
                        + " (worker.requests.max-data-uri-bytes). Put larger images in the store and send an "
                        + "s3:// reference.");
            }
            long decoded = (uri.length() - m.end()) * 3L / 4;
            long limit = config.storage().maxInputImageBytes();
            if (decoded > limit) {
                throw reject("input_reference_too_large", "inputReference.uri", "The data: image has about "
                        + decoded + " bytes; the limit is " + limit + ".");
            }
        }

        private List<String> variants() {
            JsonNode node = root.get("variants");
            if (node == null || node.isNull()) {
                return List.of();
            }
            if (!node.isArray()) {
                throw reject("invalid_type", "variants", "variants must be an array of strings, got " + kind(node)
                        + ".");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (!item.isTextual()) {
                    throw reject("invalid_type", "variants[" + i + "]", "variants[" + i + "] must be a string "
                            + "('thumbnail' or 'spritesheet'), got " + kind(item) + ".");
                }
                if (!VARIANTS.contains(item.textValue())) {
                    throw reject("invalid_variant", "variants[" + i + "]", "variants may contain only 'thumbnail' "
                            + "and 'spritesheet'; variants[" + i + "] is '" + clip(item.textValue()) + "'.");
                }
                if (!out.contains(item.textValue())) {
                    out.add(item.textValue());
                }
            }
            return out;
        }

        private VideoRequest.OutputTarget output() {
            JsonNode node = root.get("output");
            if (node == null || node.isNull()) {
                checkKey(config.storage().keyTemplate());
                return null;
            }
            if (!node.isObject()) {
                throw reject("invalid_type", "output", "output must be an object with bucket and key, got "
                        + kind(node) + ".");
            }
            String bucket = text(node, "bucket", "output.bucket");
            String key = text(node, "key", "output.key");
            if (bucket != null) {
                ObjectKeys.bucketProblem(bucket).ifPresent(p -> {
                    throw reject("invalid_bucket", "output.bucket", "output.bucket '" + clip(bucket) + "' is invalid: "
                            + p + ".");
                });
                if (!outputBuckets.contains(bucket)) {
                    throw reject("output_bucket_not_allowed", "output.bucket", "output.bucket names the bucket '"
                            + bucket + "'; requests may store only in " + String.join(", ", outputBuckets)
                            + " (worker.storage.bucket, worker.storage.allowed-output-buckets).");
                }
            }
            checkKey(key != null ? key : config.storage().keyTemplate());
            return new VideoRequest.OutputTarget(bucket, key);
        }

        private void checkKey(String template) {
            ObjectKeys.unsafeCharacter(template).ifPresent(c -> {
                throw reject("invalid_object_key", "output.key", "output.key must not contain " + c + ".");
            });
            String rendered;
            try {
                rendered = ObjectKeys.render(template, Map.of("jobId", jobId, "videoId", "video_x", "model", model,
                        "size", size, "seconds", seconds));
            } catch (IllegalArgumentException e) {
                throw reject("invalid_object_key", "output.key", "output.key: " + clip(e.getMessage())
                        + "; the only variables are " + KEY_VARIABLES + ".");
            }
            ObjectKeys.problem(rendered).ifPresent(p -> {
                throw reject("invalid_object_key", "output.key", "output.key is unsafe: " + p + ".");
            });
        }

        private BigDecimal maxCost() {
            JsonNode node = root.get("maxCostUsd");
            if (node == null || node.isNull()) {
                return null;
            }
            if (!node.isNumber()) {
                throw reject("invalid_type", "maxCostUsd", "maxCostUsd must be a number, got " + kind(node) + ".");
            }
            if (node.isFloatingPointNumber() && !node.isBigDecimal() && !Double.isFinite(node.doubleValue())) {
                throw reject("invalid_max_cost", "maxCostUsd", "maxCostUsd " + clip(node.asText())
                        + " is out of range.");
            }
            BigDecimal value = node.decimalValue();
            if (value.signum() < 0) {
                throw reject("invalid_max_cost", "maxCostUsd", "maxCostUsd must not be negative.");
            }
            // An exponent like 1e-999999999 would print as a billion digits; no price needs more than this scale.
            BigDecimal plain = value.stripTrailingZeros();
            if (plain.scale() > 12 || plain.precision() - plain.scale() > 15) {
                throw reject("invalid_max_cost", "maxCostUsd", "maxCostUsd must be between 0 and 10^15 with at "
                        + "most 12 decimals, got " + clip(value.toString()) + ".");
            }
            return value;
        }

        private Reject reject(String code, String field, String message) {
            return new Reject(JobError.field(code, field, message));
        }
    }

    /** Unwinds a reading at the first problem found. */
    private static final class Reject extends RuntimeException {
        private final transient JobError error;

        Reject(JobError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
