package dev.videoworker.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.videoworker.log.LogText;

/**
 * The simulated Videos API, without HTTP: a thread-safe in-memory store of video jobs whose status is computed from
 * the clock, the validation rules of the Sora 2 models, and the media of completed jobs.
 *
 * <p>A job is {@code queued} (progress 0) for {@code queuedFraction} of the duration, then {@code in_progress} with
 * progress 1..99, then {@code completed}; its content expires {@code expiresAfter} later. A prompt containing the
 * moderation marker ends {@code failed} when it would have left the queue; other markers inject failures
 * ({@link #RATE_LIMIT_MARKER}, {@link #SERVER_ERROR_MARKER}, {@link #LOST_RESPONSE_MARKER}, {@link #STALL_MARKER}),
 * and the list can lag behind creates or leave prompts out ({@link #LIST_LAG_MARKER},
 * {@link #LIST_OMITS_PROMPT_MARKER}, {@link FaultSettings#listLag()}, {@link FaultSettings#listOmitsPrompt()}).
 *
 * <p>It also decides which API calls get a {@link Fault} ({@link #nextFault}): at random with the rates of
 * {@link FaultSettings}, or scripted by a test ({@link #failNext}); the HTTP layer carries the fault out. Calls and
 * faults are counted per endpoint, and the latest calls are kept in order ({@link #calls()}).
 */
public final class VideoSimulator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(VideoSimulator.class);
    static final int MAX_PROMPT_LENGTH = 32_000;
    static final int DEFAULT_LIST_LIMIT = 20;
    static final int MAX_LIST_LIMIT = 100;
    /** Prompt marker: {@code POST /v1/videos} answers 429 with {@code Retry-After}; no job is created. */
    public static final String RATE_LIMIT_MARKER = "[simulate:rate-limit]";
    /** Prompt marker: {@code POST /v1/videos} answers 500; no job is created. */
    public static final String SERVER_ERROR_MARKER = "[simulate:server-error]";
    /** Prompt marker: the job is created (and counted) but the answer is a 500, as when a response is lost. */
    public static final String LOST_RESPONSE_MARKER = "[simulate:lost-response]";
    /** Prompt marker: the job never leaves {@code in_progress}, for testing polling deadlines. */
    public static final String STALL_MARKER = "[simulate:stall]";
    /** {@code [simulate:expires-after=PT5S]}: this job's content expires that long after completion. */
    public static final Pattern EXPIRES_AFTER_MARKER = Pattern.compile("\\[simulate:expires-after=([^\\]]+)]");
    /**
     * {@code [simulate:list-lag=PT15S]}: this video appears in {@code GET /v1/videos} only that long after its
     * creation, whatever {@link FaultSettings#listLag()} says; retrieve finds it at once.
     */
    public static final Pattern LIST_LAG_MARKER = Pattern.compile("\\[simulate:list-lag=([^\\]]+)]");
    /** Prompt marker: this video's list entries leave out {@code prompt}; retrieve still has it. */
    public static final String LIST_OMITS_PROMPT_MARKER = "[simulate:list-omits-prompt]";
    /** {@code [simulate:duration=PT70S]}: this job takes the given time instead of the configured duration. */
    static final Pattern DURATION_MARKER = Pattern.compile(
            "\\[simulate:duration=([^\\]]+)]");
    static final Duration RATE_LIMIT_RETRY_AFTER = Duration.ofSeconds(1);
    static final int STALLED_PROGRESS = 50;
    static final VideoError MODERATION_ERROR = new VideoError("moderation_blocked",
            "Your request was blocked by our moderation system.");

    private final SimulatorSettings settings;
    private final Clock clock;
    private final SimulatorMedia media;
    private final SecureRandom random = new SecureRandom();
    private volatile boolean listUnavailable;
    private int maxRunning = Integer.MAX_VALUE;
    private boolean trackPeak;
    private int peakRunning;
    private int rejectedTooMany;
    /** Insertion order is creation order, which listing relies on. Guarded by {@code this}. */
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    /** The last deleted jobs as they were when deleted, for tests (at most {@link #CALL_LOG_SIZE}). Guarded by this. */
    private final Map<String, VideoSnapshot> deleted = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, VideoSnapshot> eldest) {
            return size() > CALL_LOG_SIZE;
        }
    };
    /** Guarded by {@code this}. */
    private final Map<String, Integer> createsByPrompt = new HashMap<>();
    /** Guarded by {@code this}. */
    private int creates;
    /** The callback of each video whose create named one, by video id. Guarded by {@code this}. */
    private final Map<String, CreateVideoRequest.Callback> callbacks = new HashMap<>();
    private volatile Lifecycle lifecycle = Lifecycle.NONE;

    /** Hears of every job that will end and of every reset; the webhook sender plans a timer per job with it. */
    public interface Lifecycle {
        Lifecycle NONE = new Lifecycle() {
            @Override
            public void ends(String videoId, Instant endsAt) {
            }

            @Override
            public void reset() {
            }
        };

        /** A new job will end ({@code completed} or {@code failed}) at {@code endsAt}; called outside the lock. */
        void ends(String videoId, Instant endsAt);

        /** Every job was forgotten. */
        void reset();
    }

    /** Most calls kept in {@link #calls()}; older ones are dropped. */
    static final int CALL_LOG_SIZE = 10_000;
    private final Object faultLock = new Object();
    private volatile FaultSettings faults;
    /** Guarded by {@code faultLock}, like everything below. */
    private Random faultRandom;
    private final Map<Endpoint, Integer> callCounts = new EnumMap<>(Endpoint.class);
    private final Map<Endpoint, Map<Fault, Integer>> faultCounts = new EnumMap<>(Endpoint.class);
    private final List<Scripted> scripted = new ArrayList<>();
    private final Deque<Call> callLog = new ArrayDeque<>();

    /** One API call as the simulator saw it: the endpoint, its video id (the prompt for a create), the fault. */
    public record Call(Endpoint endpoint, String target, Fault fault) {
    }

    /** Faults a test asked for: the next {@code remaining} calls of an endpoint (about {@code target}, if set). */
    private static final class Scripted {
        final Endpoint endpoint;
        final String target;
        final Fault fault;
        int remaining;

        Scripted(Endpoint endpoint, String target, Fault fault, int remaining) {
            this.endpoint = endpoint;
            this.target = target;
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    /** The {@link #LIST_LAG_MARKER} for {@code lag}, to put in a prompt. */
    public static String listLagMarker(Duration lag) {
        return "[simulate:list-lag=" + lag + "]";
    }

    public VideoSimulator(SimulatorSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public VideoSimulator(SimulatorSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.media = new SimulatorMedia(settings.fps(), settings.cacheDir());
        faults(settings.faults());
    }

    /** The faults injected from now on; a seed in them restarts the sequence of draws. */
    public void faults(FaultSettings value) {
        synchronized (faultLock) {
            faults = value;
            long seed = value.seed().orElseGet(() -> new SecureRandom().nextLong());
            faultRandom = new Random(seed);
            if (value.anyFaults()) {
                LOG.infof("Simulator injects %s (seed %d)", value, seed);
            }
        }
    }

    public FaultSettings faults() {
        return faults;
    }

    /**
     * Counts a call to {@code endpoint} and decides its fault: a scripted one first, else a random draw; null for a
     * normal answer.
     *
     * @param target the video id the call is about (the prompt for a create), or null
     */
    public Fault nextFault(Endpoint endpoint, String target) {
        synchronized (faultLock) {
            callCounts.merge(endpoint, 1, Integer::sum);
            Fault fault = scriptedFault(endpoint, target);
            if (fault == null && faults.anyCallFaults()) {
                double draw = faultRandom.nextDouble();
                double upTo = 0;
                for (Fault candidate : Fault.values()) {
                    // a gone cursor needs a cursor: the target of a list call is its "after", null on the first page
                    if (candidate.appliesTo(endpoint) && (candidate != Fault.LIST_CURSOR_GONE || target != null)) {
                        upTo += faults.rate(candidate);
                        if (draw < upTo) {
                            fault = candidate;
                            break;
                        }
                    }
                }
            }
            if (fault != null) {
                faultCounts.computeIfAbsent(endpoint, e -> new EnumMap<>(Fault.class)).merge(fault, 1, Integer::sum);
                LOG.debugf("Simulator injects %s into %s %s", fault, endpoint,
                        target == null ? "" : LogText.safe(target));
            }
            callLog.addLast(new Call(endpoint, target, fault));
            if (callLog.size() > CALL_LOG_SIZE) {
                callLog.removeFirst();
            }
            return fault;
        }
    }

    /** Caller holds {@code faultLock}. */
    private Fault scriptedFault(Endpoint endpoint, String target) {
        for (int i = 0; i < scripted.size(); i++) {
            Scripted next = scripted.get(i);
            if (next.endpoint == endpoint && (next.target == null || next.target.equals(target))
                    && next.fault.appliesTo(endpoint)) {
                if (--next.remaining == 0) {
                    scripted.remove(i);
                }
                return next.fault;
            }
        }
        return null;
    }

    /**
     * Makes the next {@code times} calls of {@code endpoint} about {@code target} (any, if null) fail with
     * {@code fault}, whatever the rates; for tests that need an exact sequence.
     */
    public void failNext(Endpoint endpoint, String target, Fault fault, int times) {
        if (!fault.appliesTo(endpoint)) {
            throw new IllegalArgumentException(fault + " cannot hit " + endpoint);
        }
        synchronized (faultLock) {
            scripted.add(new Scripted(endpoint, target, fault, times));
        }
    }

    /**
     * Whether a create hit by a reset or a stall (after its body was read) still makes the job: a coin flip, because
     * a client cannot know either way and has to find out (by listing).
     */
    public boolean createsDespiteLostAnswer() {
        synchronized (faultLock) {
            return faultRandom.nextBoolean();
        }
    }

    /** Calls to {@code endpoint} that passed the key check, since start or the last reset. */
    public int callCount(Endpoint endpoint) {
        synchronized (faultLock) {
            return callCounts.getOrDefault(endpoint, 0);
        }
    }

    /** Calls of any endpoint that got {@code fault}. */
    public int faultCount(Fault fault) {
        synchronized (faultLock) {
            return faultCounts.values().stream().mapToInt(counts -> counts.getOrDefault(fault, 0)).sum();
        }
    }

    /** Calls to {@code endpoint} that got {@code fault}. */
    public int faultCount(Endpoint endpoint, Fault fault) {
        synchronized (faultLock) {
            return faultCounts.getOrDefault(endpoint, Map.of()).getOrDefault(fault, 0);
        }
    }

    /** The latest calls (at most {@value #CALL_LOG_SIZE}), oldest first. */
    public List<Call> calls() {
        synchronized (faultLock) {
            return List.copyOf(callLog);
        }
    }

    /** The latest calls about one video id (or create prompt), oldest first. */
    public List<Call> calls(String target) {
        return calls().stream().filter(call -> target.equals(call.target())).toList();
    }

    /** The 429 an injected rate limit answers. */
    VideoApiException rateLimited() {
        return new VideoApiException(429, "Rate limit reached for requests per min (RPM). Please try again later.",
                "requests", null, "rate_limit_exceeded", faults.retryAfter());
    }

    /** The 503 an injected outage answers. */
    VideoApiException unavailable() {
        return new VideoApiException(503, "The engine is currently overloaded, please try again later.",
                "server_error", null, "service_unavailable", faults.retryAfter());
    }


    public SimulatorSettings settings() {
        return settings;
    }

    Clock clock() {
        return clock;
    }

    /** Installs the one listener of job lifecycles (replacing any before). */
    public void lifecycle(Lifecycle listener) {
        this.lifecycle = listener == null ? Lifecycle.NONE : listener;
    }

    private void announce(Job job) {
        Instant endsAt = job.endsAt(settings);
        if (endsAt != null) {
            lifecycle.ends(job.id(), endsAt);
        }
    }

    /** Whether {@code presented} is the configured key; compared in constant time. With no key set, nothing is. */
    public boolean acceptsKey(String presented) {
        return presented != null && settings.apiKey()
                .map(key -> MessageDigest.isEqual(key.getBytes(StandardCharsets.UTF_8),
                        presented.getBytes(StandardCharsets.UTF_8)))
                .orElse(false);
    }

    /** {@code POST /v1/videos}: validates like the API and stores a new {@code queued} job. */
    public VideoSnapshot create(CreateVideoRequest request) {
        String prompt = validPrompt(request.prompt());
        String model = request.model() == null ? VideoModels.DEFAULT_MODEL : request.model();
        List<String> sizes = VideoModels.sizesOf(model)
                .orElseThrow(() -> VideoApiException.invalidValue("model", model, VideoModels.MODEL_LIST));
        String seconds = request.seconds() == null ? VideoModels.DEFAULT_SECONDS : request.seconds();
        if (!VideoModels.SECONDS.contains(seconds)) {
            throw VideoApiException.invalidValue("seconds", seconds, VideoModels.SECONDS_LIST);
        }
        String size = request.size() == null ? VideoModels.DEFAULT_SIZE : request.size();
        if (!sizes.contains(size)) {
            throw VideoApiException.invalidValue("size", size, VideoModels.quotedList(sizes));
        }
        ReferenceImage reference = request.inputReference();
        if (reference != null && !reference.size().equals(VideoSize.parse(size))) {
            throw VideoApiException.invalid("Inpaint image must match the requested width and height",
                    ImageHeaders.PARAM, "invalid_value");
        }
        if (prompt.contains(RATE_LIMIT_MARKER)) {
            throw new VideoApiException(429, "Rate limit reached for " + model + " on requests per min (RPM). "
                    + "Please try again later.", "requests", null, "rate_limit_exceeded", RATE_LIMIT_RETRY_AFTER);
        }
        if (prompt.contains(SERVER_ERROR_MARKER)) {
            throw serverError();
        }
        VideoSnapshot created;
        Job job;
        synchronized (this) {
            int running = maxRunning == Integer.MAX_VALUE && !trackPeak ? 0 : running();
            if (running >= maxRunning) {
                rejectedTooMany++;
                throw new VideoApiException(429, "Too many running tasks. Wait for a video to finish before creating "
                        + "another.", "requests", null, "too_many_running_tasks", RATE_LIMIT_RETRY_AFTER);
            }
            peakRunning = Math.max(peakRunning, running + 1);
            creates++;
            createsByPrompt.merge(prompt, 1, Integer::sum);
            job = store(model, prompt, size, seconds, null);
            if (request.callback() != null) {
                callbacks.put(job.id(), request.callback());
            }
            LOG.debugf("Simulator created %s (%s, %s, %ss)", job.id(), LogText.safe(model), LogText.safe(size),
                    LogText.safe(String.valueOf(seconds)));
            created = job.at(clock.instant(), settings);
        }
        announce(job);
        if (prompt.contains(LOST_RESPONSE_MARKER)) {
            throw serverError();
        }
        return created;
    }

    static VideoApiException serverError() {
        return new VideoApiException(500, "The server had an error while processing your request. Sorry about that!",
                "server_error", null, null);
    }

    /** The callback the create of {@code videoId} named, if any. */
    synchronized Optional<CreateVideoRequest.Callback> callback(String videoId) {
        return Optional.ofNullable(callbacks.get(videoId));
    }

    /** {@code GET /v1/videos/{id}}. */
    public synchronized VideoSnapshot retrieve(String id) {
        return find(id, null).at(clock.instant(), settings);
    }

    /** {@code GET /v1/videos}: a page of jobs after the cursor {@code after} (exclusive) in the given order. */
    public synchronized VideoPage list(int limit, SortOrder order, String after) {
        if (listUnavailable) {
            throw new VideoApiException(503, "The engine is currently overloaded, please try again later.",
                    "server_error", null, null);
        }
        if (limit < 0) {
            throw VideoApiException.invalid("Invalid 'limit': integer below minimum value. Expected a value >= 0, "
                    + "but got " + limit + " instead.", "limit", "integer_below_min_value");
        }
        if (limit > MAX_LIST_LIMIT) {
            throw VideoApiException.invalid("Invalid 'limit': integer above maximum value. Expected a value <= "
                    + MAX_LIST_LIMIT + ", but got " + limit + " instead.", "limit", "integer_above_max_value");
        }
        List<Job> ordered = new ArrayList<>(jobs.values());
        if (order == SortOrder.DESC) {
            Collections.reverse(ordered);
        }
        int start = 0;
        if (after != null) {
            // a cursor still hidden by the lag keeps its place: the client may know its id from the create answer
            Job cursor = find(after, "after");
            start = ordered.indexOf(cursor) + 1;
        }
        Instant now = clock.instant();
        boolean omitPrompts = faults.listOmitsPrompt();
        List<VideoSnapshot> page = new ArrayList<>();
        for (Job job : ordered.subList(start, ordered.size())) {
            if (now.isBefore(job.listedFrom())) {
                continue;
            }
            if (page.size() == limit) {
                return new VideoPage(page, true);
            }
            VideoSnapshot video = job.at(now, settings);
            page.add(omitPrompts || job.prompt().contains(LIST_OMITS_PROMPT_MARKER) ? video.withoutPrompt() : video);
        }
        return new VideoPage(page, false);
    }

    /** {@code DELETE /v1/videos/{id}}: only finished jobs can be deleted, as the API documents. */
    public synchronized String delete(String id) {
        Job job = find(id, null);
        VideoStatus status = job.at(clock.instant(), settings).status();
        if (status == VideoStatus.QUEUED || status == VideoStatus.IN_PROGRESS) {
            throw VideoApiException.invalid("Video '" + id + "' is still being generated; only completed or failed "
                    + "videos can be deleted.", null, "video_not_finished");
        }
        deleted.put(id, job.at(clock.instant(), settings));
        jobs.remove(id);
        callbacks.remove(id);
        return id;
    }

    /** {@code POST /v1/videos/{id}/remix}: a new job with the source's model, size and duration. */
    public VideoSnapshot remix(String sourceId, String prompt) {
        String validPrompt = validPrompt(prompt);
        Job job;
        VideoSnapshot remixed;
        synchronized (this) {
            Job source = find(sourceId, null);
            if (source.at(clock.instant(), settings).status() != VideoStatus.COMPLETED) {
                throw VideoApiException.invalid("Video '" + sourceId + "' is not completed; only completed videos "
                        + "can be remixed.", null, "video_not_ready");
            }
            job = store(source.model(), validPrompt, source.size(), source.seconds(), sourceId);
            remixed = job.at(clock.instant(), settings);
        }
        announce(job);
        return remixed;
    }

    /**
     * {@code GET /v1/videos/{id}/content}: the asset of a completed, unexpired job; rendering (the first time) happens
     * off the caller's thread, so the answer is a stage.
     */
    public CompletionStage<MediaFile> content(String id, VideoVariant variant) {
        Job job;
        try {
            job = downloadable(id);
        } catch (VideoApiException e) {
            return CompletableFuture.failedFuture(e);
        }
        return media.render(variant, VideoSize.parse(job.size()), Integer.parseInt(job.seconds()))
                .thenApply(path -> new MediaFile(path, variant.contentType()));
    }

    /**
     * The size of the synthetic video of a job created with {@link SyntheticContent#MARKER} in its prompt, checked
     * like {@link #content} (completed, not expired); empty for any other job or variant, which get rendered media.
     */
    public OptionalLong syntheticContentBytes(String id, VideoVariant variant) {
        Job job;
        synchronized (this) {
            job = find(id, null);
        }
        if (variant != VideoVariant.VIDEO || job.contentBytes() == null) {
            return OptionalLong.empty();
        }
        downloadable(id);
        return OptionalLong.of(job.contentBytes());
    }

    /** The job whose content can be downloaded now, else the API's error. */
    private Job downloadable(String id) {
        Job job;
        synchronized (this) {
            job = find(id, null);
        }
        Instant now = clock.instant();
        VideoSnapshot video = job.at(now, settings);
        if (video.status() == VideoStatus.FAILED) {
            throw VideoApiException.invalid("Video '" + id + "' failed; it has no content.", null, "video_failed");
        }
        if (video.status() != VideoStatus.COMPLETED) {
            throw VideoApiException.invalid("Video '" + id + "' is not ready yet (status '"
                    + video.status().wireName() + "'). Retrieve it until its status is 'completed'.", null,
                    "video_not_ready");
        }
        if (!now.isBefore(job.expiresAt(settings))) {
            throw new VideoApiException(404, "The content of video '" + id + "' has expired.",
                    "invalid_request_error", null, "video_expired");
        }
        return job;
    }

    /** Number of jobs created through {@code POST /v1/videos} (not remixes) since start or the last reset. */
    public synchronized int createCount() {
        return creates;
    }

    /** Number of jobs created through {@code POST /v1/videos} with exactly this prompt. */
    public synchronized int createCount(String prompt) {
        return createsByPrompt.getOrDefault(prompt, 0);
    }

    /** Snapshots of all stored jobs, oldest first. */
    public synchronized List<VideoSnapshot> videos() {
        Instant now = clock.instant();
        return jobs.values().stream().map(job -> job.at(now, settings)).toList();
    }

    /** Snapshots of the jobs made so far: the deleted ones (as when deleted) first, then {@link #videos()}. */
    public synchronized List<VideoSnapshot> videosMade() {
        List<VideoSnapshot> made = new ArrayList<>(deleted.values());
        made.addAll(videos());
        return made;
    }

    /** Forgets every job and counter (rendered media stay cached), and webhooks not sent yet; for tests. */
    public void reset() {
        synchronized (this) {
            forgetAll();
        }
        lifecycle.reset();
    }

    /** Caller holds the lock. */
    private void forgetAll() {
        jobs.clear();
        deleted.clear();
        callbacks.clear();
        createsByPrompt.clear();
        creates = 0;
        listUnavailable = false;
        maxRunning = Integer.MAX_VALUE;
        trackPeak = false;
        peakRunning = 0;
        rejectedTooMany = 0;
        synchronized (faultLock) {
            callCounts.clear();
            faultCounts.clear();
            scripted.clear();
            callLog.clear();
        }
        faults(settings.faults());
    }

    /** Starts counting the most jobs running at once (costs a scan per create, so off by default). */
    public synchronized void trackPeakRunning() {
        trackPeak = true;
        peakRunning = 0;
    }

    /** The most jobs queued or in progress at once, counting each new one, since {@link #trackPeakRunning()}. */
    public synchronized int peakRunning() {
        return peakRunning;
    }

    /** Create calls refused with {@code 429 Too many running tasks}. */
    public synchronized int rejectedTooMany() {
        return rejectedTooMany;
    }

    /**
     * Caps concurrent jobs like deployments that answer {@code 429 Too many running tasks} above a few running jobs;
     * {@code Integer.MAX_VALUE} removes the cap.
     */
    public synchronized void maxRunning(int max) {
        this.maxRunning = max;
    }

    /** Jobs queued or in progress now. Caller holds the lock. */
    private int running() {
        Instant now = clock.instant();
        int count = 0;
        for (Job job : jobs.values()) {
            VideoStatus status = job.at(now, settings).status();
            if (status == VideoStatus.QUEUED || status == VideoStatus.IN_PROGRESS) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void close() {
        media.close();
    }

    private String validPrompt(String prompt) {
        if (prompt == null) {
            throw VideoApiException.invalid("Missing required parameter: 'prompt'.", "prompt",
                    "missing_required_parameter");
        }
        if (prompt.isEmpty()) {
            throw VideoApiException.invalid("Invalid 'prompt': string too short. Expected a string with minimum "
                    + "length 1, but got an empty string instead.", "prompt", "string_below_min_length");
        }
        int length = prompt.codePointCount(0, prompt.length());
        if (length > MAX_PROMPT_LENGTH) {
            throw VideoApiException.invalid("Invalid 'prompt': string too long. Expected a string with maximum "
                    + "length " + MAX_PROMPT_LENGTH + ", but got a string with length " + length + " instead.",
                    "prompt", "string_above_max_length");
        }
        return prompt;
    }

    /** Caller holds the lock. */
    private Job store(String model, String prompt, String size, String seconds, String remixedFrom) {
        String id;
        do {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            id = "video_" + HexFormat.of().formatHex(bytes);
        } while (jobs.containsKey(id));
        Duration expiresAfter = settings.expiresAfter();
        synchronized (faultLock) {
            if (faults.expireRate() > 0 && faultRandom.nextDouble() < faults.expireRate()) {
                expiresAfter = faults.expireAfterCompletion();
                LOG.debugf("Simulator: the content of %s expires %s after completion", id, expiresAfter);
            }
        }
        OptionalLong synthetic = SyntheticContent.requestedBytes(prompt);
        Instant now = clock.instant();
        Job job = new Job(id, model, prompt, size, seconds, remixedFrom, now,
                now.plus(marked(LIST_LAG_MARKER, prompt, faults.listLag())),
                prompt.contains(settings.moderationMarker()), prompt.contains(STALL_MARKER), durationOf(prompt),
                marked(EXPIRES_AFTER_MARKER, prompt, expiresAfter),
                synthetic.isPresent() ? synthetic.getAsLong() : null);
        jobs.put(id, job);
        if (!job.moderated() && job.contentBytes() == null) {
            // "generate" while the job runs, so the first download does not wait for a cold render
            media.render(VideoVariant.VIDEO, VideoSize.parse(size), Integer.parseInt(seconds))
                    .whenComplete((path, failure) -> {
                        // debug only: a download retries the render and reports a real failure then
                        if (failure != null) {
                            LOG.debugf("Pre-rendering the video of %s failed: %s", job.id(), failure.getMessage());
                        }
                    });
        }
        return job;
    }

    /** The generation time of a job: {@code [simulate:duration=PT70S]} in its prompt, else the configured one. */
    private Duration durationOf(String prompt) {
        return marked(DURATION_MARKER, prompt, settings.duration());
    }

    /**
     * The duration in a prompt marker such as {@code [simulate:duration=PT5S]}; {@code otherwise} when it is absent
     * or unparsable (a typo in a test prompt must not break the simulator).
     */
    static Duration marked(Pattern marker, String prompt, Duration otherwise) {
        Matcher m = marker.matcher(prompt);
        if (m.find()) {
            try {
                return Duration.parse(m.group(1));
            } catch (DateTimeParseException e) {
                LOG.debugf("ignoring unparsable marker %s", LogText.safe(m.group()));
            }
        }
        return otherwise;
    }

    /**
     * Makes {@code GET /v1/videos} answer 503 (or work again), for tests of what the worker does when it cannot
     * reconcile a submission.
     */
    public void listUnavailable(boolean unavailable) {
        this.listUnavailable = unavailable;
    }

    /** Caller holds the lock. */
    private Job find(String id, String param) {
        Job job = jobs.get(id);
        if (job == null) {
            throw VideoApiException.videoNotFound(id, param);
        }
        return job;
    }

    /**
     * What is stored of a job; everything that changes over time is derived from {@code createdAt}. It is listed
     * from {@code listedFrom} on.
     */
    private record Job(String id, String model, String prompt, String size, String seconds, String remixedFrom,
            Instant createdAt, Instant listedFrom, boolean moderated, boolean stalled, Duration duration,
            Duration expiresAfter, Long contentBytes) {

        Instant leavesQueueAt(SimulatorSettings settings) {
            return createdAt.plusNanos((long) (duration.toNanos() * settings.queuedFraction()));
        }

        Instant completesAt(SimulatorSettings settings) {
            return createdAt.plus(duration);
        }

        /** When the job becomes {@code completed} or {@code failed}; null when it never ends (stalled). */
        Instant endsAt(SimulatorSettings settings) {
            if (moderated) {
                return leavesQueueAt(settings);
            }
            return stalled ? null : completesAt(settings);
        }

        Instant expiresAt(SimulatorSettings settings) {
            return completesAt(settings).plus(expiresAfter);
        }

        VideoSnapshot at(Instant now, SimulatorSettings settings) {
            Instant leavesQueue = leavesQueueAt(settings);
            Instant completes = completesAt(settings);
            if (now.isBefore(leavesQueue)) {
                return snapshot(VideoStatus.QUEUED, 0, null, null, null);
            }
            if (moderated) {
                return snapshot(VideoStatus.FAILED, 0, null, null, MODERATION_ERROR);
            }
            if (stalled) {
                return snapshot(VideoStatus.IN_PROGRESS, STALLED_PROGRESS, null, null, null);
            }
            if (now.isBefore(completes)) {
                long span = Duration.between(leavesQueue, completes).toNanos();
                long done = Duration.between(leavesQueue, now).toNanos();
                int progress = (int) Math.min(99, 1 + (99 * done) / Math.max(1, span));
                return snapshot(VideoStatus.IN_PROGRESS, progress, null, null, null);
            }
            return snapshot(VideoStatus.COMPLETED, 100, completes.getEpochSecond(),
                    expiresAt(settings).getEpochSecond(), null);
        }

        private VideoSnapshot snapshot(VideoStatus status, int progress, Long completedAt, Long expiresAt,
                VideoError error) {
            return new VideoSnapshot(id, model, status, progress, createdAt.getEpochSecond(), completedAt, expiresAt,
                    prompt, size, seconds, remixedFrom, error);
        }
    }
}
