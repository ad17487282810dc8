package dev.videoworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.videoworker.testing.MutableClock;

class VideoSimulatorTest {

    private static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private VideoSimulator simulator;

    @BeforeEach
    void createSimulator() {
        simulator = new VideoSimulator(SimulatorSettings.defaults().withApiKey("sk-test")
                .withDuration(Duration.ofSeconds(100)).withQueuedFraction(0.1)
                .withExpiresAfter(Duration.ofHours(1)).withFps(2), clock);
    }

    @AfterEach
    void closeSimulator() {
        simulator.close();
    }

    @Test
    void createAppliesTheApiDefaults() {
        VideoSnapshot video = simulator.create(CreateVideoRequest.of(null, "a calico cat", null, null));

        assertTrue(video.id().matches("video_[0-9a-f]{32}"), video.id());
        assertEquals("sora-2", video.model());
        assertEquals("720x1280", video.size());
        assertEquals("4", video.seconds());
        assertEquals(VideoStatus.QUEUED, video.status());
        assertEquals(0, video.progress());
        assertEquals(START.getEpochSecond(), video.createdAt());
        assertNull(video.completedAt());
        assertNull(video.expiresAt());
        assertNull(video.error());
        assertNull(video.remixedFromVideoId());
    }

    @Test
    void statusFollowsTheClockFromQueuedThroughProgressToCompleted() {
        String id = simulator.create(CreateVideoRequest.of("sora-2", "a cat", "1280x720", "8")).id();

        clock.advance(Duration.ofSeconds(9));
        assertEquals(VideoStatus.QUEUED, simulator.retrieve(id).status());

        clock.advance(Duration.ofSeconds(1));
        VideoSnapshot started = simulator.retrieve(id);
        assertEquals(VideoStatus.IN_PROGRESS, started.status());
        assertEquals(1, started.progress());

        clock.advance(Duration.ofSeconds(45));
        VideoSnapshot halfway = simulator.retrieve(id);
        assertEquals(VideoStatus.IN_PROGRESS, halfway.status());
        assertEquals(50, halfway.progress());

        clock.advance(Duration.ofMillis(44_999));
        assertEquals(99, simulator.retrieve(id).progress());

        clock.advance(Duration.ofMillis(1));
        VideoSnapshot done = simulator.retrieve(id);
        assertEquals(VideoStatus.COMPLETED, done.status());
        assertEquals(100, done.progress());
        assertEquals(START.getEpochSecond() + 100, done.completedAt());
        assertEquals(START.getEpochSecond() + 100 + 3600, done.expiresAt());
    }

    @Test
    void moderationMarkerFailsTheJobWhenItLeavesTheQueue() {
        String id = simulator.create(CreateVideoRequest.of(null, "a cat [simulate:moderation]", null, null)).id();
        assertEquals(VideoStatus.QUEUED, simulator.retrieve(id).status());

        clock.advance(Duration.ofSeconds(10));
        VideoSnapshot failed = simulator.retrieve(id);

        assertEquals(VideoStatus.FAILED, failed.status());
        assertEquals("moderation_blocked", failed.error().code());
        assertEquals("Your request was blocked by our moderation system.", failed.error().message());
        clock.advance(Duration.ofHours(1));
        assertEquals(VideoStatus.FAILED, simulator.retrieve(id).status());
    }

    @Test
    void stallMarkerKeepsTheJobInProgressForever() {
        String id = simulator.create(CreateVideoRequest.of(null, "a cat " + VideoSimulator.STALL_MARKER, null, null))
                .id();

        clock.advance(Duration.ofDays(1));

        VideoSnapshot stalled = simulator.retrieve(id);
        assertEquals(VideoStatus.IN_PROGRESS, stalled.status());
        assertEquals(VideoSimulator.STALLED_PROGRESS, stalled.progress());
    }

    @Test
    void serverErrorMarkersDifferInWhetherAJobExists() {
        assertEquals(500, rejected(CreateVideoRequest.of(null, "x " + VideoSimulator.SERVER_ERROR_MARKER, null, null))
                .status());
        assertEquals(0, simulator.createCount());

        assertEquals(500, rejected(CreateVideoRequest.of(null, "x " + VideoSimulator.LOST_RESPONSE_MARKER, null, null))
                .status());
        assertEquals(1, simulator.createCount());
        assertEquals(1, simulator.videos().size());
    }

    @Test
    void rejectsSecondsOutsideTheOfficialDurations() {
        VideoApiException error = rejected(CreateVideoRequest.of(null, "a cat", null, "10"));

        assertEquals(400, error.status());
        assertEquals("Invalid value: '10'. Supported values are: '4', '8', and '12'.", error.getMessage());
        assertEquals("seconds", error.param());
        assertEquals("invalid_request_error", error.type());
    }

    @Test
    void rejectsSizesTheModelDoesNotOffer() {
        VideoApiException error = rejected(CreateVideoRequest.of("sora-2", "a cat", "1792x1024", null));

        assertEquals("size", error.param());
        assertEquals("Invalid value: '1792x1024'. Supported values are: '720x1280' and '1280x720'.",
                error.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sora-2-pro", "sora-2-pro-2025-10-06"})
    void proModelsOfferTheHdSizes(String model) {
        assertEquals("1792x1024", simulator.create(CreateVideoRequest.of(model, "a cat", "1792x1024", "12")).size());
    }

    @Test
    void snapshotNamesMapToTheirFamily() {
        assertEquals("sora-2-2025-12-08",
                simulator.create(CreateVideoRequest.of("sora-2-2025-12-08", "a cat", "1280x720", null)).model());
        assertEquals("size",
                rejected(CreateVideoRequest.of("sora-2-2025-10-06", "a cat", "1024x1792", null)).param());
    }

    @Test
    void rejectsUnknownModels() {
        VideoApiException error = rejected(CreateVideoRequest.of("veo-3", "a cat", null, null));

        assertEquals("model", error.param());
        assertTrue(error.getMessage().startsWith("Invalid value: 'veo-3'."), error.getMessage());
    }

    @Test
    void rejectsMissingEmptyAndOversizedPrompts() {
        assertEquals("missing_required_parameter", rejected(CreateVideoRequest.of(null, null, null, null)).code());
        assertEquals("string_below_min_length", rejected(CreateVideoRequest.of(null, "", null, null)).code());
        VideoApiException tooLong = rejected(CreateVideoRequest.of(null, "x".repeat(32_001), null, null));
        assertEquals("string_above_max_length", tooLong.code());
        assertEquals("prompt", tooLong.param());
        assertEquals("x".repeat(32_000),
                simulator.create(CreateVideoRequest.of(null, "x".repeat(32_000), null, null)).prompt());
    }

    @Test
    void rejectsAReferenceImageOfAnotherSize() {
        VideoApiException error = rejected(new CreateVideoRequest(null, "a cat", "1280x720", null,
                new ReferenceImage("image/png", 1024, 1024)));

        assertEquals("Inpaint image must match the requested width and height", error.getMessage());
        assertEquals("input_reference", error.param());
        simulator.create(new CreateVideoRequest(null, "a cat", "1280x720", null,
                new ReferenceImage("image/png", 1280, 720)));
    }

    @Test
    void countsAcceptedCreatesPerPromptUntilReset() {
        simulator.create(CreateVideoRequest.of(null, "one", null, null));
        simulator.create(CreateVideoRequest.of(null, "one", null, null));
        simulator.create(CreateVideoRequest.of(null, "two", null, null));
        rejected(CreateVideoRequest.of(null, "one", null, "5"));

        assertEquals(3, simulator.createCount());
        assertEquals(2, simulator.createCount("one"));
        assertEquals(0, simulator.createCount("three"));

        simulator.reset();
        assertEquals(0, simulator.createCount());
        assertTrue(simulator.videos().isEmpty());
    }

    @Test
    void listsNewestFirstAndPagesWithACursor() {
        List<String> ids = List.of(create("a"), create("b"), create("c"));

        VideoPage first = simulator.list(2, SortOrder.DESC, null);
        assertEquals(List.of(ids.get(2), ids.get(1)), first.data().stream().map(VideoSnapshot::id).toList());
        assertTrue(first.hasMore());

        VideoPage second = simulator.list(2, SortOrder.DESC, ids.get(1));
        assertEquals(List.of(ids.get(0)), second.data().stream().map(VideoSnapshot::id).toList());
        assertFalse(second.hasMore());

        assertEquals(ids, simulator.list(20, SortOrder.ASC, null).data().stream().map(VideoSnapshot::id).toList());
        assertEquals("integer_above_max_value",
                assertThrows(VideoApiException.class, () -> simulator.list(101, SortOrder.DESC, null)).code());
        assertEquals(404,
                assertThrows(VideoApiException.class, () -> simulator.list(2, SortOrder.DESC, "video_x")).status());
    }

    @Test
    void aLaggingListPagesOverTheVideosItShowsAndRetrieveFindsTheOthers() {
        String old = simulator.create(CreateVideoRequest.of(null, "old", null, null)).id();
        simulator.faults(FaultSettings.none().withListLag(Duration.ofSeconds(15)));
        String lagging = simulator.create(CreateVideoRequest.of(null, "lagging", null, null)).id();
        simulator.faults(FaultSettings.none());
        clock.advance(Duration.ofSeconds(5));
        String marked = simulator.create(CreateVideoRequest.of(null, "marked "
                + VideoSimulator.listLagMarker(Duration.ofSeconds(5)), null, null)).id();
        String fresh = simulator.create(CreateVideoRequest.of(null, "fresh", null, null)).id();

        assertEquals(List.of(fresh, old), ids(simulator.list(20, SortOrder.DESC, null)));
        VideoPage first = simulator.list(1, SortOrder.DESC, null);
        assertEquals(List.of(fresh), ids(first));
        assertTrue(first.hasMore());
        VideoPage second = simulator.list(1, SortOrder.DESC, fresh);
        assertEquals(List.of(old), ids(second));
        assertFalse(second.hasMore());
        // a cursor the list does not show yet keeps its place
        assertEquals(List.of(old), ids(simulator.list(20, SortOrder.DESC, lagging)));
        assertEquals("lagging", simulator.retrieve(lagging).prompt());

        clock.advance(Duration.ofSeconds(5));
        assertEquals(List.of(old, marked, fresh), ids(simulator.list(20, SortOrder.ASC, null)));
        clock.advance(Duration.ofSeconds(5));
        assertEquals(List.of(fresh, marked, lagging, old), ids(simulator.list(20, SortOrder.DESC, null)));
    }

    @Test
    void listEntriesWithoutPromptStillCarryEverythingElse() {
        simulator.create(CreateVideoRequest.of(null, "a quiet pond", null, null));
        simulator.faults(FaultSettings.none().withListOmitsPrompt(true));

        VideoSnapshot entry = simulator.list(20, SortOrder.DESC, null).data().get(0);

        assertNull(entry.prompt());
        assertFalse(entry.toJson().containsKey("prompt"));
        assertEquals("720x1280", entry.toJson().getString("size"));
        assertEquals("a quiet pond", simulator.retrieve(entry.id()).prompt());
        assertTrue(simulator.retrieve(entry.id()).toJson().containsKey("prompt"));
    }

    private static List<String> ids(VideoPage page) {
        return page.data().stream().map(VideoSnapshot::id).toList();
    }

    @Test
    void deletesOnlyFinishedVideos() {
        String id = create("a cat");
        assertEquals("video_not_finished", assertThrows(VideoApiException.class, () -> simulator.delete(id)).code());

        clock.advance(Duration.ofSeconds(100));
        assertEquals(id, simulator.delete(id));
        assertEquals(404, assertThrows(VideoApiException.class, () -> simulator.retrieve(id)).status());
    }

    @Test
    void remixesOnlyCompletedVideosKeepingModelSizeAndSeconds() {
        String source = simulator.create(CreateVideoRequest.of("sora-2-pro", "a cat", "1024x1792", "8")).id();
        assertEquals(400, assertThrows(VideoApiException.class, () -> simulator.remix(source, "now a dog")).status());

        clock.advance(Duration.ofSeconds(100));
        VideoSnapshot remix = simulator.remix(source, "now a dog");

        assertEquals(source, remix.remixedFromVideoId());
        assertEquals("sora-2-pro", remix.model());
        assertEquals("1024x1792", remix.size());
        assertEquals("8", remix.seconds());
        assertEquals(VideoStatus.QUEUED, remix.status());
        assertEquals(404, assertThrows(VideoApiException.class, () -> simulator.remix("video_none", "x")).status());
    }

    @Test
    void contentIsRefusedBeforeCompletionAndGoneAfterExpiry() throws Exception {
        String id = create("a cat");
        assertEquals("video_not_ready", contentError(id).code());

        clock.advance(Duration.ofSeconds(100));
        MediaFile thumbnail = simulator.content(id, VideoVariant.THUMBNAIL).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertEquals("image/webp", thumbnail.contentType());

        clock.advance(Duration.ofHours(1));
        VideoApiException expired = contentError(id);
        assertEquals(404, expired.status());
        assertEquals(VideoStatus.COMPLETED, simulator.retrieve(id).status());
    }

    @Test
    void settingsNeverShowTheKey() {
        assertFalse(simulator.settings().toString().contains("sk-test"));
        assertTrue(simulator.acceptsKey("sk-test"));
        assertFalse(simulator.acceptsKey("sk-other"));
        assertFalse(simulator.acceptsKey(null));
    }

    @Test
    void noKeyConfiguredMeansNoKeyIsAccepted() {
        try (VideoSimulator closed = new VideoSimulator(SimulatorSettings.defaults().withApiKey(""), clock)) {
            assertFalse(closed.acceptsKey(""));
            assertFalse(closed.acceptsKey("anything"));
        }
    }

    @Test
    void readsSettingsFromPlainKeys() {
        SimulatorSettings settings = SimulatorSettings.fromLookup(key -> switch (key) {
            case "duration" -> "10s";
            case "expires-after" -> "PT5M";
            case "fps" -> "4";
            case "queued-fraction" -> "0.25";
            default -> null;
        });

        assertEquals(Duration.ofSeconds(10), settings.duration());
        assertEquals(Duration.ofMinutes(5), settings.expiresAfter());
        assertEquals(4, settings.fps());
        assertEquals(0.25, settings.queuedFraction());
        assertTrue(settings.apiKey().isEmpty());
        assertEquals("[simulate:moderation]", settings.moderationMarker());
    }

    private String create(String prompt) {
        String id = simulator.create(CreateVideoRequest.of(null, prompt, null, null)).id();
        // distinct creation instants, as real requests have
        clock.advance(Duration.ofMillis(1));
        return id;
    }

    private VideoApiException rejected(CreateVideoRequest request) {
        return assertThrows(VideoApiException.class, () -> simulator.create(request));
    }

    private VideoApiException contentError(String id) {
        CompletionException failure = assertThrows(CompletionException.class,
                () -> simulator.content(id, VideoVariant.VIDEO).toCompletableFuture().join());
        return (VideoApiException) failure.getCause();
    }
}
