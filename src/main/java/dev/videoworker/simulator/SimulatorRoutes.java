package dev.videoworker.simulator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.videoworker.log.LogText;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;

/**
 * The HTTP face of the simulator: mounts the OpenAI Videos API routes under {@value #PREFIX} on a Vert.x Web router,
 * so the same code serves inside the Quarkus worker and in the standalone server; and, on the same store with the same
 * faults, the other dialects the worker speaks under their own prefixes ({@link DialectWire}): {@code /openai},
 * {@code /openrouter}, {@code /together}, {@code /url-result}, plus {@value ResultFiles#ROUTE} for result URLs.
 */
public final class SimulatorRoutes {

    private static final Logger LOG = Logger.getLogger(SimulatorRoutes.class);
    public static final String PREFIX = "/v1/videos";
    /** Large enough for a 1792x1024 PNG reference image; uploads over it are answered 413. */
    public static final long BODY_LIMIT = 25L * 1024 * 1024;
    /**
     * Largest multipart or urlencoded field the HTTP server must decode: Vert.x's default (8 KiB, 2 KiB in Quarkus)
     * is far below a 32,000-character prompt, and a text {@code input_reference} holds a whole data URL. A field
     * as large as the body limit costs no more memory than a JSON body of that size, which is buffered anyway.
     */
    public static final int FORM_ATTRIBUTE_LIMIT = (int) BODY_LIMIT;

    private static final Set<String> CREATE_FIELDS = Set.of("model", "prompt", "size", "seconds", "input_reference");
    private static final Set<String> REMIX_FIELDS = Set.of("prompt");
    private static final Set<String> REFERENCE_FIELDS = Set.of("image_url", "file_id");
    private static final String SIZE_CHOICE = "one of '720x1280', '1280x720', '1024x1792', or '1792x1024'";

    /** Where the handlers find the dialect of the route that took the request. */
    private static final String WIRE = "simulator.wire";

    private final VideoSimulator simulator;
    private final Path uploadsDir;
    private final Collection<String> dialects;
    private final ResultFiles files;

    /** Every dialect, result URLs on the origin the client called. */
    public SimulatorRoutes(VideoSimulator simulator) {
        this(simulator, DialectWire.NAMES, null);
    }

    /**
     * @param dialects the dialects to serve ({@code openai} is {@value #PREFIX} and {@code /openai}{@value #PREFIX})
     * @param resultBaseUrl origin of the result URLs of {@code together} and {@code url-result}; null: the one the
     *        client called
     */
    public SimulatorRoutes(VideoSimulator simulator, Collection<String> dialects, String resultBaseUrl) {
        this(simulator, Path.of(System.getProperty("java.io.tmpdir"), "video-simulator-uploads"), dialects,
                resultBaseUrl);
    }

    /** @param uploadsDir where multipart files wait while a request is handled; each is deleted when it ends */
    public SimulatorRoutes(VideoSimulator simulator, Path uploadsDir) {
        this(simulator, uploadsDir, DialectWire.NAMES, null);
    }

    private SimulatorRoutes(VideoSimulator simulator, Path uploadsDir, Collection<String> dialects,
            String resultBaseUrl) {
        for (String dialect : dialects) {
            if (!DialectWire.NAMES.contains(dialect)) {
                throw new IllegalArgumentException("Unknown simulator dialect '" + dialect + "'. Known: "
                        + String.join(", ", DialectWire.NAMES.stream().sorted().toList()) + ".");
            }
        }
        this.simulator = simulator;
        this.uploadsDir = uploadsDir;
        this.dialects = List.copyOf(dialects);
        this.files = new ResultFiles(resultBaseUrl);
    }

    public VideoSimulator simulator() {
        return simulator;
    }

    /** A create whose prompt contains this is created, then its connection is closed without an answer. */
    public static final String CREATE_RESET_MARKER = "[simulate:create-reset]";
    /** A create whose prompt contains this is created, then answered 504 with {@link #GATEWAY_TIMEOUT_PAGE}. */
    public static final String CREATE_LOST_504_MARKER = "[simulate:create-lost-504]";
    /**
     * {@code [simulate:create-delay=PT5S]}: the create is made at once, its answer comes this late (if the client
     * still waits).
     */
    public static final Pattern CREATE_DELAY_MARKER = Pattern.compile("\\[simulate:create-delay=([^\\]]+)]");
    /**
     * What a gateway in front of the provider answers, with status 504 and {@code text/html}, when it gives up on a
     * create the provider goes on to make: a page, not the API's JSON envelope, as load balancers send it.
     */
    public static final String GATEWAY_TIMEOUT_PAGE = """
            <html>
            <head><title>504 Gateway Time-out</title></head>
            <body>
            <center><h1>504 Gateway Time-out</h1></center>
            </body>
            </html>
            """;

    /**
     * {@code [simulate:slow-content=PT8S]}: content downloads are spread over this long, as from a slow provider
     * (tests use it to stop a worker mid-upload).
     */
    static final Pattern SLOW_CONTENT_MARKER = Pattern.compile("\\[simulate:slow-content=([^\\]]+)]");

    /** Where the fault handler leaves a fault for the handler that answers (lost create answers, content faults). */
    private static final String FAULT = "simulator.fault";

    /** The {@link #CREATE_DELAY_MARKER} for {@code delay}, to put in a prompt. */
    public static String createDelayMarker(Duration delay) {
        return "[simulate:create-delay=" + delay + "]";
    }

    /** Paths of the served dialects' APIs, for the log. */
    public List<String> paths() {
        return wires().stream().map(DialectWire::path).toList();
    }

    private List<DialectWire> wires() {
        return DialectWire.selected(dialects);
    }

    /** Adds the routes to {@code router}; the body handler is installed only on the routes that take a body. */
    public void mount(Router router) {
        BodyHandler body = BodyHandler.create(uploadsDir.toString())
                .setBodyLimit(BODY_LIMIT)
                .setDeleteUploadedFilesOnEnd(true)
                .setMergeFormAttributes(false);
        for (DialectWire wire : wires()) {
            mount(router, wire, body);
        }
        if (dialects.contains("together") || dialects.contains("url-result")) {
            // no key: a result URL works for whoever holds it, as signed URLs do
            router.get(ResultFiles.ROUTE).handler(files::check).handler(faults(Endpoint.CONTENT))
                    .handler(this::content).failureHandler(this::failure);
        }
    }

    private void mount(Router router, DialectWire wire, BodyHandler body) {
        BearerKeyCheck authenticate = new BearerKeyCheck(simulator, wire);
        String prefix = wire.path();
        Set<Endpoint> calls = wire.endpoints();
        // faults come after the key check (refused calls are not counted) and, for creates, after the body was read
        if (calls.contains(Endpoint.CREATE)) {
            router.post(prefix).handler(authenticate).handler(body).handler(faults(Endpoint.CREATE))
                    .handler(this::create).failureHandler(this::failure);
        }
        if (calls.contains(Endpoint.LIST)) {
            router.get(prefix).handler(authenticate).handler(faults(Endpoint.LIST)).handler(this::list)
                    .failureHandler(this::failure);
        }
        if (calls.contains(Endpoint.RETRIEVE)) {
            router.get(prefix + "/:video_id").handler(authenticate).handler(faults(Endpoint.RETRIEVE))
                    .handler(this::retrieve).failureHandler(this::failure);
        }
        if (calls.contains(Endpoint.DELETE)) {
            router.delete(prefix + "/:video_id").handler(authenticate).handler(faults(Endpoint.DELETE))
                    .handler(this::delete).failureHandler(this::failure);
        }
        if (calls.contains(Endpoint.CONTENT)) {
            router.get(prefix + "/:video_id/content").handler(authenticate).handler(faults(Endpoint.CONTENT))
                    .handler(this::content).failureHandler(this::failure);
        }
        if (calls.contains(Endpoint.REMIX)) {
            router.post(prefix + "/:video_id/remix").handler(authenticate).handler(body)
                    .handler(faults(Endpoint.REMIX)).handler(this::remix).failureHandler(this::failure);
        }
        // anything else under the prefix gets the API's envelope rather than the router's plain 404
        router.route(prefix + "/*").handler(authenticate)
                .handler(ctx -> fail(ctx, new VideoApiException(404, "Invalid URL (" + ctx.request().method() + " "
                        + ctx.request().path() + ")", "invalid_request_error", null, null)))
                .failureHandler(this::failure);
    }

    /** The dialect of the route that took the request; OpenAI's where none is set (result downloads). */
    private static DialectWire wire(RoutingContext ctx) {
        DialectWire wire = ctx.get(WIRE);
        return wire == null ? DialectWire.OpenAi.DEFAULT : wire;
    }

    /** The URLs an answer about {@code video} may name, as seen by this request's client. */
    private DialectWire.Links links(RoutingContext ctx, VideoSnapshot video) {
        String origin = origin(ctx);
        return new DialectWire.Links(origin + wire(ctx).path(),
                video.status() == VideoStatus.COMPLETED ? files.url(origin, video.id()) : null);
    }

    /** The scheme, host and port this request's client called. */
    private static String origin(RoutingContext ctx) {
        String host = ctx.request().getHeader(HttpHeaders.HOST);
        return ctx.request().scheme() + "://" + (host != null ? host
                : ctx.request().localAddress().host() + ":" + ctx.request().localAddress().port());
    }

    /** A video in the dialect of the request. */
    private JsonObject shaped(RoutingContext ctx, VideoSnapshot video) {
        return wire(ctx).video(video, links(ctx, video));
    }

    /**
     * Counts the call and carries out its fault, if it gets one. A 429, 500 or 503 answers at once: nothing is
     * created, as with a real provider. A reset or a stall of a create comes after the body was read, when the
     * provider may or may not have made the job: a coin flip decides, so that both cases reach the client. The
     * create-only faults (504, reset, stall) always make the job first; {@link #answerCreate} loses the answer.
     */
    private Handler<RoutingContext> faults(Endpoint endpoint) {
        return ctx -> {
            String target = switch (endpoint) {
                case CREATE -> promptOf(ctx);
                case LIST -> ctx.request().getParam("after");
                default -> ctx.pathParam("video_id");
            };
            Fault fault = simulator.nextFault(endpoint, target);
            if (fault == null) {
                ctx.next();
                return;
            }
            switch (fault) {
                case RATE_LIMIT -> fail(ctx, simulator.rateLimited());
                case SERVER_ERROR -> fail(ctx, VideoSimulator.serverError());
                case UNAVAILABLE -> fail(ctx, simulator.unavailable());
                case RESET, STALL -> {
                    if (endpoint == Endpoint.CREATE && simulator.createsDespiteLostAnswer()) {
                        ctx.put(FAULT, fault);
                        ctx.next();
                    } else {
                        loseAnswer(ctx, fault);
                    }
                }
                case LIST_CURSOR_GONE -> fail(ctx, VideoApiException.videoNotFound(target, "after"));
                case TRUNCATE, SLOW_CONTENT, CREATE_LOST_504, CREATE_RESET, CREATE_STALL -> {
                    ctx.put(FAULT, fault);
                    ctx.next();
                }
            }
        };
    }

    /** A reset closes the connection now; a stall keeps it silent first. */
    private void loseAnswer(RoutingContext ctx, Fault fault) {
        if (fault == Fault.STALL) {
            ctx.vertx().setTimer(Math.max(1, simulator.faults().stallDuration().toMillis()),
                    t -> ctx.request().connection().close());
        } else {
            ctx.request().connection().close();
        }
    }

    /** The prompt of a create, for counting and aiming faults; null when the body has none (it is refused later). */
    private static String promptOf(RoutingContext ctx) {
        if (isJson(ctx)) {
            try {
                Buffer buffer = ctx.body().buffer();
                return buffer != null && buffer.length() > 0 && buffer.toJsonValue() instanceof JsonObject json
                        && json.getValue("prompt") instanceof String prompt ? prompt : null;
            } catch (DecodeException e) {
                return null;
            }
        }
        return ctx.request().getFormAttribute("prompt");
    }

    private void create(RoutingContext ctx) {
        // blocking: reading an uploaded image's header touches the disk
        blocking(ctx, () -> simulator.create(createRequest(ctx)), video -> answerCreate(ctx, video));
    }

    /**
     * Answers a create whose video was made, or loses the answer the way networks do (a fault or a prompt marker): a
     * gateway's 504, a closed connection, or an answer so late that the client has given up. A create the simulator
     * refuses (400, 429...) never gets here, so such faults do not change its answer.
     */
    private void answerCreate(RoutingContext ctx, VideoSnapshot video) {
        String prompt = video.prompt();
        Fault fault = ctx.get(FAULT);
        if (fault == null) {
            fault = markedFault(prompt);
        }
        DialectWire wire = wire(ctx);
        if (fault == null) {
            send(ctx, wire.createStatus(), wire.created(video, links(ctx, video)));
            return;
        }
        LOG.debugf("Simulator created %s and loses the answer (%s)", video.id(), fault);
        switch (fault) {
            case CREATE_LOST_504 -> ctx.response().setStatusCode(504)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/html").end(GATEWAY_TIMEOUT_PAGE);
            case CREATE_STALL -> {
                Duration late = VideoSimulator.marked(CREATE_DELAY_MARKER, prompt,
                        simulator.faults().createStallDuration());
                ctx.vertx().setTimer(Math.max(1, late.toMillis()), t -> {
                    // the video exists either way; only a client still waiting gets to hear of it
                    if (!ctx.response().closed()) {
                        send(ctx, wire.createStatus(), wire.created(video, links(ctx, video)));
                    }
                });
            }
            case STALL -> loseAnswer(ctx, Fault.STALL);
            default -> loseAnswer(ctx, Fault.RESET);
        }
    }

    /** The lost answer a prompt marker asks for (drawn and scripted faults come first); null: none. */
    private static Fault markedFault(String prompt) {
        if (prompt.contains(CREATE_LOST_504_MARKER)) {
            return Fault.CREATE_LOST_504;
        }
        if (prompt.contains(CREATE_RESET_MARKER)) {
            return Fault.CREATE_RESET;
        }
        return VideoSimulator.marked(CREATE_DELAY_MARKER, prompt, null) != null ? Fault.CREATE_STALL : null;
    }

    private void retrieve(RoutingContext ctx) {
        send(ctx, 200, shaped(ctx, simulator.retrieve(ctx.pathParam("video_id"))));
    }

    private void list(RoutingContext ctx) {
        MultiMap query = ctx.queryParams();
        int limit = VideoSimulator.DEFAULT_LIST_LIMIT;
        String limitText = query.get("limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText.trim());
            } catch (NumberFormatException e) {
                throw VideoApiException.invalid("Invalid 'limit': expected an integer, but got '" + limitText + "'.",
                        "limit", "invalid_type");
            }
        }
        String orderText = query.get("order");
        SortOrder order = SortOrder.DESC;
        if (orderText != null) {
            order = switch (orderText) {
                case "asc" -> SortOrder.ASC;
                case "desc" -> SortOrder.DESC;
                default -> throw VideoApiException.invalidValue("order", orderText, "'asc' and 'desc'");
            };
        }
        String after = query.get("after");
        send(ctx, 200, simulator.list(limit, order, after == null || after.isEmpty() ? null : after).toJson());
    }

    private void delete(RoutingContext ctx) {
        String id = simulator.delete(ctx.pathParam("video_id"));
        send(ctx, 200, new JsonObject().put("object", "video.deleted").put("deleted", true).put("id", id));
    }

    private void content(RoutingContext ctx) {
        String variantText = ctx.queryParams().get("variant");
        VideoVariant variant = variantText == null ? VideoVariant.VIDEO
                : VideoVariant.fromWireName(variantText).orElseThrow(() -> VideoApiException.invalidValue("variant",
                        variantText, "'video', 'thumbnail', and 'spritesheet'"));
        String id = ctx.pathParam("video_id");
        OptionalLong synthetic = simulator.syntheticContentBytes(id, variant);
        if (synthetic.isPresent()) {
            // generated while sent, whatever its size; faults of the content endpoint do not apply
            SyntheticContent.send(ctx.response(), synthetic.getAsLong());
            return;
        }
        String prompt = simulator.retrieve(id).prompt();
        Matcher slow = SLOW_CONTENT_MARKER.matcher(prompt == null ? "" : prompt);
        Fault fault = ctx.get(FAULT);
        Duration over = null;
        boolean truncate = fault == Fault.TRUNCATE;
        if (slow.find()) {
            over = Duration.parse(slow.group(1));
        } else if (fault == Fault.SLOW_CONTENT) {
            over = simulator.faults().slowContentDuration();
        } else if (truncate) {
            over = Duration.ZERO;
        }
        if (over != null) {
            Duration spread = over;
            Future.fromCompletionStage(simulator.content(id, variant), ctx.vertx().getOrCreateContext())
                    .onSuccess(file -> SlowFileSender.send(ctx.vertx(), ctx.response(), file, spread,
                            truncate)
                            .onFailure(e -> {
                                if (ctx.response().headWritten()) {
                                    LOG.debugf("Sending %s slowly failed: %s", file.path(), e.getMessage());
                                } else {
                                    fail(ctx, e);
                                }
                            }))
                    .onFailure(e -> fail(ctx, e));
            return;
        }
        Future.fromCompletionStage(simulator.content(id, variant), ctx.vertx().getOrCreateContext())
                .onSuccess(file -> ctx.response()
                        .putHeader(HttpHeaders.CONTENT_TYPE, file.contentType())
                        // streamed from the cache file (zero-copy where possible); sendFile sets Content-Length
                        .sendFile(file.path().toString())
                        .onFailure(e -> LOG.debugf("Sending %s failed: %s", file.path(), e.getMessage())))
                .onFailure(e -> fail(ctx, e));
    }

    private void remix(RoutingContext ctx) {
        String prompt;
        if (isJson(ctx)) {
            JsonObject body = jsonBody(ctx.body().buffer());
            rejectUnknown(body.fieldNames(), REMIX_FIELDS);
            prompt = jsonString(body, "prompt", "a string");
        } else {
            requireForm(ctx);
            rejectUnknown(ctx.request().formAttributes().names(), REMIX_FIELDS);
            rejectUnknownFiles(ctx, Set.of());
            prompt = ctx.request().getFormAttribute("prompt");
        }
        send(ctx, 200, simulator.remix(ctx.pathParam("video_id"), prompt).toJson());
    }

    private CreateVideoRequest createRequest(RoutingContext ctx) throws IOException {
        DialectWire wire = wire(ctx);
        if (!wire.openAiCreate()) {
            if (!isJson(ctx)) {
                throw new VideoApiException(415, "Unsupported content type: this API method only accepts "
                        + "'application/json' requests.", "invalid_request_error", null, "unsupported_content_type");
            }
            return wire.create(jsonBody(ctx.body().buffer())).withCallbackApi(origin(ctx) + wire.path());
        }
        if (isJson(ctx)) {
            JsonObject body = jsonBody(ctx.body().buffer());
            rejectUnknown(body.fieldNames(), CREATE_FIELDS);
            Object reference = body.getValue("input_reference");
            return new CreateVideoRequest(
                    jsonString(body, "model", "a string"),
                    jsonString(body, "prompt", "a string"),
                    jsonString(body, "size", SIZE_CHOICE),
                    jsonString(body, "seconds", VideoModels.SECONDS_CHOICE),
                    reference == null ? null : referenceObject(reference));
        }
        requireForm(ctx);
        MultiMap form = ctx.request().formAttributes();
        rejectUnknown(form.names(), CREATE_FIELDS);
        rejectUnknownFiles(ctx, Set.of(ImageHeaders.PARAM));
        ReferenceImage reference = null;
        FileUpload upload = ctx.fileUploads().stream().findFirst().orElse(null);
        if (upload != null) {
            try (InputStream in = Files.newInputStream(Path.of(upload.uploadedFileName()))) {
                reference = ImageHeaders.probe(in);
            }
        } else if (form.get(ImageHeaders.PARAM) != null) {
            // a multipart text part may carry the JSON object form {"image_url": ...}
            try {
                reference = referenceObject(new JsonObject(form.get(ImageHeaders.PARAM)));
            } catch (DecodeException e) {
                throw VideoApiException.invalid("Invalid 'input_reference': expected a file or an object with "
                        + "'image_url' or 'file_id'.", ImageHeaders.PARAM, "invalid_type");
            }
        }
        return new CreateVideoRequest(form.get("model"), form.get("prompt"), form.get("size"), form.get("seconds"),
                reference);
    }

    /** The JSON form of {@code input_reference}: exactly one of a data URL or a file id. */
    private static ReferenceImage referenceObject(Object value) throws IOException {
        if (!(value instanceof JsonObject reference)) {
            throw typeError(ImageHeaders.PARAM, "an object", value);
        }
        for (String field : reference.fieldNames()) {
            if (!REFERENCE_FIELDS.contains(field)) {
                throw VideoApiException.invalid("Unknown parameter: 'input_reference." + field + "'.",
                        "input_reference." + field, "unknown_parameter");
            }
        }
        String imageUrl = jsonString(reference, "image_url", "a string");
        String fileId = jsonString(reference, "file_id", "a string");
        if ((imageUrl == null) == (fileId == null)) {
            throw VideoApiException.invalid("Provide exactly one of 'image_url' or 'file_id' in 'input_reference'.",
                    ImageHeaders.PARAM, "invalid_value");
        }
        if (fileId != null) {
            // the simulator has no Files API, so no file id can exist
            throw VideoApiException.invalid("No such File object: " + fileId, "input_reference.file_id",
                    "invalid_value");
        }
        return ImageHeaders.probe(new ByteArrayInputStream(dataUrlBytes(imageUrl)));
    }

    /** The image of a {@code data:} URL that a dialect's JSON create names in {@code param}. */
    static ReferenceImage dataUrlImage(String url, String param) throws IOException {
        if (url == null) {
            throw VideoApiException.invalid("Missing required parameter: '" + param + "'.", param,
                    "missing_required_parameter");
        }
        return ImageHeaders.probe(new ByteArrayInputStream(dataUrlBytes(url, param)));
    }

    private static byte[] dataUrlBytes(String url) {
        return dataUrlBytes(url, "input_reference.image_url");
    }

    private static byte[] dataUrlBytes(String url, String param) {
        if (!url.regionMatches(true, 0, "data:", 0, 5)) {
            throw VideoApiException.invalid("The simulator accepts only data URLs (data:image/png;base64,...) in "
                    + "'" + param + "'.", param, "invalid_value");
        }
        int comma = url.indexOf(',');
        if (comma < 0 || !url.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
            throw VideoApiException.invalid("Invalid data URL in '" + param + "': expected base64 data.", param,
                    "invalid_value");
        }
        try {
            return Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw VideoApiException.invalid("Invalid base64 data in '" + param + "'.", param, "invalid_value");
        }
    }

    private static boolean isJson(RoutingContext ctx) {
        return "application/json".equals(mediaType(ctx));
    }

    /** Multipart (curl -F, Python requests with files=) and urlencoded (requests with data= only) are both forms. */
    private static void requireForm(RoutingContext ctx) {
        String type = mediaType(ctx);
        if (!type.isEmpty() && !"multipart/form-data".equals(type)
                && !"application/x-www-form-urlencoded".equals(type)) {
            throw new VideoApiException(415, "Unsupported content type: '" + type + "'. This API method only "
                    + "accepts 'application/json', 'multipart/form-data' and 'application/x-www-form-urlencoded' "
                    + "requests.", "invalid_request_error", null, "unsupported_content_type");
        }
    }

    private static String mediaType(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static JsonObject jsonBody(Buffer buffer) {
        try {
            if (buffer != null && buffer.length() > 0 && buffer.toJsonValue() instanceof JsonObject object) {
                return object;
            }
        } catch (DecodeException e) {
            // answered below like any other body that is not a JSON object
        }
        throw VideoApiException.invalid("We could not parse the JSON body of your request. The API expects a JSON "
                + "object; check that the body is valid JSON and the Content-Type header is right.", null, null);
    }

    /** A string field that may be absent; a JSON null counts as absent, any other non-string is a type error. */
    static String jsonString(JsonObject body, String field, String expected) {
        Object value = body.getValue(field);
        if (value == null || value instanceof String) {
            return (String) value;
        }
        throw typeError(field, expected, value);
    }

    static VideoApiException typeError(String field, String expected, Object value) {
        return VideoApiException.invalid("Invalid type for '" + field + "': expected " + expected + ", but got "
                + typeName(value), field, "invalid_type");
    }

    private static String typeName(Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return "an integer";
        }
        if (value instanceof Number) {
            return "a decimal";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof JsonObject) {
            return "an object";
        }
        if (value instanceof JsonArray) {
            return "an array";
        }
        return "a string";
    }

    static void rejectUnknown(Iterable<String> fields, Set<String> known) {
        for (String field : fields) {
            if (!known.contains(field)) {
                throw VideoApiException.invalid("Unknown parameter: '" + field + "'.", field, "unknown_parameter");
            }
        }
    }

    private static void rejectUnknownFiles(RoutingContext ctx, Set<String> known) {
        rejectUnknown(ctx.fileUploads().stream().map(FileUpload::name).toList(), known);
    }

    private static <T> void blocking(RoutingContext ctx, Callable<T> work, Consumer<T> answer) {
        ctx.vertx().executeBlocking(work, false).onSuccess(answer::accept).onFailure(e -> fail(ctx, e));
    }

    /** Failures raised by handlers and by the body handler (413 over the limit, 400 for a broken upload). */
    private void failure(RoutingContext ctx) {
        if (ctx.response().ended()) {
            // e.g. the rest of an oversized upload failing after its 413 was sent: nothing left to answer
            LOG.debugf("Failure after the response on %s: %s", LogText.safe(ctx.request().path()), ctx.failure());
            return;
        }
        if (ctx.failure() != null) {
            fail(ctx, ctx.failure());
        } else if (ctx.statusCode() == 413) {
            send(ctx, 413, wire(ctx).envelope(new VideoApiException(413, "Request body too large: the limit is "
                    + BODY_LIMIT / (1024 * 1024) + " MiB.", "invalid_request_error", null, "request_too_large")));
        } else {
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            send(ctx, status, wire(ctx).envelope(new VideoApiException(status, "The request could not be processed.",
                    status < 500 ? "invalid_request_error" : "server_error", null, null)));
        }
    }

    private static void fail(RoutingContext ctx, Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof VideoApiException api) {
            api.retryAfter().ifPresent(delay -> ctx.response()
                    // whole seconds, rounded up: a client that reads only this header must not come back early
                    .putHeader("Retry-After", String.valueOf(Math.max(1, (delay.toMillis() + 999) / 1000)))
                    .putHeader("retry-after-ms", String.valueOf(delay.toMillis())));
            send(ctx, api.status(), wire(ctx).envelope(api));
            return;
        }
        LOG.errorf(cause, "Simulator failed on %s %s", ctx.request().method(), LogText.safe(ctx.request().path()));
        send(ctx, 500, wire(ctx).envelope(new VideoApiException(500, "The server had an error while processing "
                + "your request.", "server_error", null, null)));
    }

    private static void send(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body.encode());
    }

    /**
     * The Bearer key check. A security-policy handler because Vert.x runs those before the body handler: an
     * unauthenticated upload is refused before it reaches the disk. Being every route's first handler, it also tells
     * the others the route's dialect.
     */
    private static final class BearerKeyCheck implements SecurityPolicyHandler {

        private final VideoSimulator simulator;
        private final DialectWire wire;

        BearerKeyCheck(VideoSimulator simulator, DialectWire wire) {
            this.simulator = simulator;
            this.wire = wire;
        }

        @Override
        public void handle(RoutingContext ctx) {
            ctx.put(WIRE, wire);
            String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
            String presented = null;
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                presented = header.substring(7).trim();
            }
            if (!simulator.acceptsKey(presented)) {
                // never echo the presented key: it may be a real one sent to the wrong place
                send(ctx, 401, wire.envelope(new VideoApiException(401, "Incorrect API key provided.",
                        "invalid_request_error", null, "invalid_api_key")));
                return;
            }
            ctx.next();
        }
    }
}
