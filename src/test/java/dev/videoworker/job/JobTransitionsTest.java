package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.videoworker.job.Decision.Kind;
import dev.videoworker.job.Decision.Step;

/**
 * The driver's transition table: every (state, event) pair has a defined outcome, written out below, and the table's
 * promises hold for every pair (a job ends once, an ended job never runs again, only a submitting job is submitted).
 */
class JobTransitionsTest {

    private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
    private static final Instant NOW = T0.plusSeconds(60);
    private static final VideoRequest REQUEST = new VideoRequest("job-1", "sora-2", "a cat", "720x1280", "4", null,
            null, null, null, null);
    private static final StoredObject OBJECT = new StoredObject("videos", "job-1.mp4", "s3://videos/job-1.mp4", 10,
            "00", "video/mp4");

    /** One state of each status the journal can hold, and the two ended states a take-over treats apart. */
    private static Map<String, JobState> states() {
        JobState submitting = JobState.submitting(REQUEST, 0, new BigDecimal("0.40"), T0, T0, null);
        JobState submitted = submitting.submitted("video_1", T0.plusSeconds(1), T0.plusSeconds(3600));
        JobState inProgress = submitted.progressed(JobStatus.IN_PROGRESS, 40, T0.plusSeconds(5));
        JobState generated = inProgress.generated(T0.plusSeconds(7200), T0.plusSeconds(30));
        JobState storing = generated.withStatus(JobStatus.STORING, T0.plusSeconds(31));
        Map<String, JobState> states = new LinkedHashMap<>();
        states.put("none", null);
        states.put("submitting", submitting);
        states.put("submitted", submitted);
        states.put("queued", submitted.progressed(JobStatus.QUEUED, 0, T0.plusSeconds(2)));
        states.put("in_progress", inProgress);
        states.put("generated", generated);
        states.put("storing", storing);
        states.put("stored", storing.stored(OBJECT, Map.of(), T0.plusSeconds(40)));
        states.put("failed", submitting.ended(JobStatus.FAILED, JobError.of("submission_unknown", "x"), T0));
        states.put("rejected", JobState.rejected("job-1", 0, REQUEST, JobError.of("unknown_model", "x"), T0, T0,
                null));
        states.put("cancelled", inProgress.ended(JobStatus.CANCELLED, JobError.of("cancelled", "x"), T0));
        states.put("cancelled_submitting", submitting.ended(JobStatus.CANCELLED, JobError.of("cancelled", "x"), T0));
        states.put("failed_timeout", inProgress.ended(JobStatus.FAILED, JobError.of("timeout", "x"), T0));
        return states;
    }

    private static Map<String, JobEvent> events() {
        Map<String, JobEvent> events = new LinkedHashMap<>();
        events.put("Requested", new JobEvent.Requested(REQUEST, 0, new BigDecimal("0.40"), T0, null));
        events.put("Refused", new JobEvent.Refused("job-1", 0, null, JobError.of("invalid_json", "x"), T0, null));
        events.put("CancelRequested", new JobEvent.CancelRequested("job-1", 0));
        events.put("IntentRenewed", new JobEvent.IntentRenewed());
        events.put("VideoMade", new JobEvent.VideoMade("video_2", Duration.ofHours(1)));
        events.put("SubmissionEnded", new JobEvent.SubmissionEnded(JobStatus.FAILED, JobError.of("rate_limited",
                "x")));
        events.put("Resubmitting", new JobEvent.Resubmitting());
        events.put("FailedOver", new JobEvent.FailedOver(new Route("backup", "sora-2", "default"), "x"));
        events.put("Progressed", new JobEvent.Progressed(JobStatus.IN_PROGRESS, 40));
        events.put("Generated", new JobEvent.Generated(NOW.plusSeconds(3600)));
        events.put("GenerationEnded", new JobEvent.GenerationEnded(JobStatus.FAILED, JobError.of("moderation", "x")));
        events.put("DeadlinePassed", new JobEvent.DeadlinePassed(JobError.of("timeout", "x")));
        events.put("StoringStarted", new JobEvent.StoringStarted());
        events.put("Stored", new JobEvent.Stored(OBJECT, Map.of()));
        events.put("StoringFailed", new JobEvent.StoringFailed(JobError.of("storage_failed", "x")));
        events.put("TakenOver", new JobEvent.TakenOver());
        return events;
    }

    /**
     * The whole table, one line per state, one cell per event in the order of {@link #events()}. A cell is
     * {@code ->status} (a transition, announced), {@code ~>status} (a quiet transition), {@code =} (no change),
     * {@code -} (ignored: the event no longer applies) or {@code !code} (refused), then {@code +STEP}s to run.
     */
    private static final String TABLE = """
            state                | Requested      | Refused     | CancelRequested            | IntentRenewed | VideoMade                 | SubmissionEnded | Resubmitting        | FailedOver          | Progressed    | Generated         | GenerationEnded | DeadlinePassed        | StoringStarted | Stored  | StoringFailed | TakenOver
            none                 | ->submitting+SUBMIT | ->rejected | ->cancelled           | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | -
            submitting           | =              | =           | ->cancelled                | ~>submitting  | ->submitted+FOLLOW        | ->failed        | ~>submitting+SUBMIT | ->submitting+SUBMIT | -             | -                 | -               | -                     | -              | -       | -             | =+RECONCILE
            submitted            | =              | =           | ->cancelled+DELETE_VIDEO   | -             | -                         | -               | -                   | -                   | ->in_progress | ->generated->storing+STORE | ->failed        | ->failed+DELETE_VIDEO | -              | -       | -             | =+FOLLOW
            queued               | =              | =           | ->cancelled+DELETE_VIDEO   | -             | -                         | -               | -                   | -                   | ->in_progress | ->generated->storing+STORE | ->failed        | ->failed+DELETE_VIDEO | -              | -       | -             | =+FOLLOW
            in_progress          | =              | =           | ->cancelled+DELETE_VIDEO   | -             | -                         | -               | -                   | -                   | =             | ->generated->storing+STORE | ->failed        | ->failed+DELETE_VIDEO | -              | -       | -             | =+FOLLOW
            generated            | =              | =           | !job_already_generated     | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | ->storing      | -       | ->failed      | =+STORE
            storing              | =              | =           | !job_already_generated     | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | =              | ->stored+DELETE_VIDEO | ->failed | =+STORE
            stored               | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =
            failed               | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | ~>failed+DELETE_VIDEO     | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =
            rejected             | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | ~>rejected+DELETE_VIDEO   | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =
            cancelled            | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =+DELETE_VIDEO
            cancelled_submitting | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | ~>cancelled+DELETE_VIDEO  | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =+SEARCH_AND_DELETE
            failed_timeout       | =+REANNOUNCE   | =+REANNOUNCE | !job_ended                | -             | -                         | -               | -                   | -                   | -             | -                 | -               | -                     | -              | -       | -             | =+DELETE_VIDEO
            """;

    @Test
    void everyStateAndEventPairHasTheOutcomeTheTableGives() {
        List<String> lines = TABLE.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String> header = cells(lines.get(0));
        Map<String, JobState> states = states();
        Map<String, JobEvent> events = events();
        assertThat(header.subList(1, header.size())).as("one column per event").containsExactlyElementsOf(
                events.keySet());
        assertThat(lines.subList(1, lines.size()).stream().map(l -> cells(l).get(0)))
                .as("one row per state").containsExactlyElementsOf(states.keySet());
        List<String> wrong = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> row = cells(line);
            JobState state = states.get(row.get(0));
            for (int e = 1; e < header.size(); e++) {
                String actual = describe(Transitions.decide(state, events.get(header.get(e)), NOW));
                if (!actual.equals(row.get(e))) {
                    wrong.add(row.get(0) + " × " + header.get(e) + ": table says " + row.get(e) + ", decide gives "
                            + actual);
                }
            }
        }
        assertThat(wrong).as("cells where the state machine and its table disagree").isEmpty();
    }

    @Test
    void aJobEndsOnceAndAnEndedJobNeverRunsAgain() {
        for (Map.Entry<String, JobState> s : states().entrySet()) {
            for (Map.Entry<String, JobEvent> e : events().entrySet()) {
                JobState before = s.getValue();
                Decision d = Transitions.decide(before, e.getValue(), NOW);
                String pair = s.getKey() + " × " + e.getKey();
                if (before != null && before.status().terminal()) {
                    assertThat(d.announce()).as("%s announces nothing: the completion is out", pair).isFalse();
                    assertThat(d.next().status()).as("%s stays ended as it was", pair).isEqualTo(before.status());
                    assertThat(d.steps()).as("%s starts no work", pair).doesNotContain(Step.SUBMIT, Step.RECONCILE,
                            Step.FOLLOW, Step.STORE);
                }
                if (d.steps().contains(Step.SUBMIT)) {
                    assertThat(d.next().status()).as("%s submits only an intent", pair)
                            .isEqualTo(JobStatus.SUBMITTING);
                }
                if (d.steps().contains(Step.DELETE_VIDEO)) {
                    assertThat(d.videoId()).as("%s names the video it deletes", pair).isNotNull();
                    assertThat(d.next().status().terminal()).as("%s deletes only for an ended job", pair).isTrue();
                }
                if (d.applies()) {
                    assertThat(d.next().jobId()).as("%s keeps the job id", pair).isEqualTo("job-1");
                    assertThat(d.next().status()).as("%s never stores accepted", pair).isNotEqualTo(
                            JobStatus.ACCEPTED);
                }
                if (d.kind() != Kind.APPLY) {
                    assertThat(d.next()).as("%s leaves the state as it was", pair).isSameAs(before);
                }
            }
        }
    }

    @Test
    void theDecisionsCarryWhatTheStagesNeed() {
        Map<String, JobState> states = states();
        Decision made = Transitions.decide(states.get("submitting"), new JobEvent.VideoMade("video_9",
                Duration.ofMinutes(10)), NOW);
        assertThat(made.next().videoId()).isEqualTo("video_9");
        assertThat(made.next().deadline()).isEqualTo(NOW.plusSeconds(600));

        Decision cancel = Transitions.decide(states.get("in_progress"), new JobEvent.CancelRequested("job-1", 0), NOW);
        assertThat(cancel.videoId()).isEqualTo("video_1");
        assertThat(cancel.next().error().code()).isEqualTo("cancelled");

        Decision early = Transitions.decide(null, new JobEvent.CancelRequested("job-9", 2), NOW);
        assertThat(early.next().jobId()).isEqualTo("job-9");
        assertThat(early.next().partition()).isEqualTo(2);
        assertThat(early.next().request()).isNull();

        Decision late = Transitions.decide(states.get("cancelled_submitting"), new JobEvent.VideoMade("video_7",
                Duration.ofMinutes(10)), NOW);
        assertThat(late.videoId()).isEqualTo("video_7");
        assertThat(late.next().videoId()).as("recorded, so a new owner deletes it too").isEqualTo("video_7");

        Decision generated = Transitions.decide(states.get("in_progress"), new JobEvent.Generated(NOW.plusSeconds(
                3600), new java.math.BigDecimal("0.42")), NOW);
        assertThat(generated.passing().status()).as("announced on the way").isEqualTo(JobStatus.GENERATED);
        assertThat(generated.next().status()).as("stored once, as storing").isEqualTo(JobStatus.STORING);
        assertThat(generated.next().expiresAt()).isEqualTo(NOW.plusSeconds(3600));
        assertThat(generated.next().actualCostUsd()).isEqualByComparingTo("0.42");
        assertThat(generated.passing().progress()).isEqualTo(100);

        Decision again = Transitions.decide(states.get("submitting"), new JobEvent.Resubmitting(), NOW);
        assertThat(again.next().attempts()).isEqualTo(2);
    }

    private static List<String> cells(String line) {
        return List.of(line.split("\\|")).stream().map(String::strip).toList();
    }

    private static String describe(Decision d) {
        StringBuilder s = new StringBuilder(switch (d.kind()) {
            case APPLY -> (d.passing() == null ? "" : "->" + d.passing().status().wireName())
                    + (d.announce() ? "->" : "~>") + d.next().status().wireName();
            case UNCHANGED -> "=";
            case IGNORED -> "-";
            case REFUSED -> "!" + d.refusal().code();
        });
        new TreeSet<>(d.steps()).forEach(step -> s.append('+').append(step.name()));
        return s.toString();
    }
}
