package dev.videoworker.api;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.event.RecordPosition;
import dev.videoworker.fleet.FleetView;
import dev.videoworker.job.Decision;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobSummary;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.Transitions;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.journal.StaleStateException;
import dev.videoworker.journal.TopicSetup;
import dev.videoworker.log.LogText;
import dev.videoworker.request.ParseOutcome;
import dev.videoworker.request.RequestConsumer;
import dev.videoworker.request.RequestParser;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.MinioClient;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * The HTTP API: enqueue a request (validated like a record of the request topic, then written to it), look at jobs,
 * cancel one. Jobs are held by the replica that owns their partition; this replica answers for its own partitions.
 */
@Path("/jobs")
@Tag(name = "jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {

    public static final String REQUESTS_OUT = "video-requests-out";
    static final int MAX_LIMIT = 500;
    /** How long a forwarded cancel's answer waits for its outcome to show in the fleet view before it says 202. */
    static final Duration FORWARDED_CANCEL_WAIT = Duration.ofSeconds(5);
    private static final byte[] CANCEL_VALUE = "{\"cancel\":true}".getBytes(StandardCharsets.UTF_8);

    private final RequestParser parser;
    private final JobStore store;
    private final JobDriver driver;
    private final JobJournal journal;
    private final TopicSetup topics;
    private final MutinyEmitter<byte[]> requests;
    private final MinioClient minio;
    private final ObjectMapper mapper;
    private final String requestsTopic;
    private final FleetView fleet;
    private final KnownJobs known;

    public JobsResource(RequestParser parser, JobStore store, JobDriver driver, JobJournal journal, TopicSetup topics,
            @Channel(REQUESTS_OUT) MutinyEmitter<byte[]> requests, ObjectMapper mapper,
            WorkerConfig config, MinioClient minio, FleetView fleet, KnownJobs known) {
        this.fleet = fleet;
        this.known = known;
        this.minio = minio;
        this.parser = parser;
        this.store = store;
        this.driver = driver;
        this.journal = journal;
        this.topics = topics;
        this.requests = requests;
        this.mapper = mapper;
        this.requestsTopic = config.topics().requests();
    }

    /** What the API answers besides a job: an error a user can act on. */
    public record Problem(String jobId, String status, JobError error) {
    }

    /** The answer to an accepted request. */
    public record Accepted(String jobId, String status, String href) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Enqueue a video request", description = "Validates the request like a record of the request "
            + "topic (same rules and error codes, no paid call for an invalid one) and writes it to the topic, keyed by "
            + "its job id (the body's jobId, or a new one). 202 with the job id; 400 with the rejection; 409 when this "
            + "replica already knows the job id.")
    public Uni<Response> enqueue(byte[] body) {
        String jobId = jobIdOf(body).orElseGet(() -> "job-" + UUID.randomUUID());
        ParseOutcome outcome = parser.parse(body, jobId, new RecordPosition(requestsTopic, -1, -1));
        if (outcome instanceof ParseOutcome.Invalid invalid) {
            return Uni.createFrom().item(Response.status(400)
                    .entity(new Problem(invalid.jobId(), "rejected", invalid.error())).build());
        }
        if (outcome instanceof ParseOutcome.NotJson notJson) {
            return Uni.createFrom().item(Response.status(400).entity(new Problem(jobId, "rejected",
                    JobError.field("invalid_json", "$", "The body is not JSON (" + notJson.reason() + ")."))).build());
        }
        Optional<JobState> known = store.find(jobId);
        if (known.isPresent()) {
            return Uni.createFrom().item(Response.status(409).entity(JobView.of(known.get())).build());
        }
        Message<byte[]> record = Message.of(body).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(jobId).build());
        return requests.sendMessage(record).replaceWith(() -> {
            Log.infof("job %s enqueued through the HTTP API", LogText.safe(jobId));
            return Response.status(202).entity(new Accepted(jobId, "accepted", "/jobs/" + jobId)).build();
        });
    }

    @GET
    @Path("/{jobId}")
    @Operation(summary = "A job's current state", description = "From the job's owner, or from this replica's view "
            + "of the other replicas' partitions (servedFrom: fleet-view, viewLagMs: how far behind). 404 when neither "
            + "knows the job.")
    public Response get(@PathParam("jobId") String jobId) {
        Optional<JobState> local = store.find(jobId);
        if (local.isPresent()) {
            return Response.ok(JobView.of(local.get())).build();
        }
        return fleet.find(jobId).map(seen -> Response.ok(JobView.of(seen)).build()).orElseGet(() -> notHere(jobId));
    }

    @GET
    @Operation(summary = "Jobs of every partition, newest first, a page at a time", description = "Filters: status "
            + "(e.g. in_progress, stored, failed), model, provider, q (text found, ignoring case, in the job id, the "
            + "prompt or the error); limit 1-500 (default 50); cursor: the X-Next-Cursor of the previous page. Every "
            + "partition's jobs: this replica's own, and the others' from its fleet view (servedFrom, viewLagMs). "
            + "Headers: X-Total-Count (jobs that match), X-Next-Cursor and Link rel=next when there are more. A job "
            + "that changes while pages are read moves to the front: it may be missed, never shown twice.")
    @APIResponse(responseCode = "200", description = "A page of jobs", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation =
                    JobView.class)))
    public Response list(@QueryParam("status") String status, @QueryParam("model") String model,
            @QueryParam("provider") String provider, @QueryParam("q") String text,
            @QueryParam("limit") @DefaultValue("50") int limit, @QueryParam("cursor") String cursor,
            @Context UriInfo uri) {
        int n = Math.max(1, Math.min(MAX_LIMIT, limit));
        Optional<PageCursor> after;
        try {
            after = PageCursor.parse(cursor);
        } catch (IllegalArgumentException e) {
            return Response.status(400).entity(new Problem(null, null, JobError.field("invalid_cursor", "$.cursor",
                    "The cursor is not one this API gave (pass X-Next-Cursor of the previous page as it is)."))).build();
        }
        String q = text == null || text.isBlank() ? null : text.toLowerCase(Locale.ROOT);
        Predicate<JobSummary> wanted = s -> (status == null || status.isBlank()
                || s.status().wireName().equals(status))
                && (model == null || model.isBlank() || model.equals(s.model()))
                && (provider == null || provider.isBlank() || provider.equals(s.provider()));
        // Cheap filters first; the text is looked for only in the jobs they let through.
        List<KnownJobs.Known> matching = known.all().stream().filter(k -> wanted.test(k.summary()))
                .filter(k -> q == null || k.mentions(q))
                .sorted(Comparator.comparing(KnownJobs.Known::summary, PageCursor.ORDER)).toList();
        List<KnownJobs.Known> rest = after.isEmpty() ? matching : matching.stream()
                .filter(k -> PageCursor.ORDER.compare(k.summary(), after.get().asSummary()) > 0).toList();
        List<JobView> page = (rest.size() <= n ? rest : rest.subList(0, n)).stream().map(KnownJobs.Known::view)
                .toList();
        Response.ResponseBuilder answer = Response.ok(page).header("X-Total-Count", matching.size());
        if (rest.size() > n) {
            String next = PageCursor.of(rest.get(n - 1).summary()).encode();
            answer.header("X-Next-Cursor", next).header("Link", "<" + uri.getRequestUriBuilder()
                    .replaceQueryParam("cursor", next).build() + ">; rel=\"next\"");
        }
        return answer.build();
    }

    @GET
    @Path("/{jobId}/video")
    @Operation(summary = "The stored video", description = "302 to a presigned URL of the stored object, valid for "
            + "an hour (the operator page's player uses it); 404 when the job has no stored video here.")
    public Response video(@PathParam("jobId") String jobId) {
        JobState job = store.find(jobId).or(() -> fleet.find(jobId).map(FleetView.Seen::state)).orElse(null);
        if (job == null || job.video() == null) {
            return notHere(jobId);
        }
        try {
            String url = minio.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Http.Method.GET)
                    .bucket(job.video().bucket()).object(job.video().key()).expiry(1, TimeUnit.HOURS).build());
            return Response.status(302).location(URI.create(url)).build();
        } catch (Exception e) {
            Log.warnf("could not presign the video of job %s: %s", LogText.safe(jobId), e.getClass().getSimpleName());
            return Response.status(503).entity(new Problem(jobId, job.status().wireName(), JobError.of(
                    "presign_failed", "Could not make a download link for the stored video."))).build();
        }
    }

    @DELETE
    @Path("/{jobId}")
    @Operation(summary = "Cancel a job", description = "Not handled yet: recorded as cancelled, so its request is "
            + "never submitted. Being submitted: cancelled; the create call is not sent, or, if it was, the video it "
            + "made is deleted at the provider. Generating: no longer followed, a cancelled completion is sent and "
            + "the provider's copy is deleted (as soon as the provider allows). 409 when it is already generated or "
            + "ended. Exactly one completion either way. On a replica that does not own the job's partition, the "
            + "cancel is forwarded to its owner: 200 when the outcome shows within 5 s, 409 when refused, 202 when not "
            + "shown yet.")
    public Uni<Response> cancel(@PathParam("jobId") String jobId) {
        JobState current = store.find(jobId).orElse(null);
        // The job's own partition when it is known here or in the fleet view (a request without a key lands where its
        // producer put it); else where a record keyed by the job id goes, as its request will.
        Optional<FleetView.Seen> viewed = current == null ? fleet.find(jobId) : Optional.empty();
        int partition = current != null ? current.partition()
                : viewed.map(seen -> seen.summary().partition()).orElseGet(() -> partitionOf(jobId));
        if (partition >= 0 && !journal.owns(partition) && fleet.enabled()
                && RequestParser.jobIdProblem(jobId).isEmpty()) {
            return forwardCancel(jobId, partition, viewed);
        }
        if (partition < 0 || !journal.owns(partition)) {
            return Uni.createFrom().item(notHere(jobId));
        }
        // The job's driver decides the cancel against the job's committed state at its turn (after whatever change
        // of the job came first), and deletes the provider's copy when the table says so.
        return driver.apply(null, jobId, partition, new JobEvent.CancelRequested(jobId, partition))
                .map(decision -> decision.kind() == Decision.Kind.REFUSED
                        ? Response.status(409).entity(new Problem(jobId, decision.next().status().wireName(),
                                decision.refusal())).build()
                        : Response.ok(JobView.of(decision.next())).build())
                .onFailure(StaleStateException.class).recoverWithItem(e -> {
                    JobState now = ((StaleStateException) e).current();
                    return Response.status(409).entity(new Problem(jobId, now == null ? null
                            : now.status().wireName(), JobError.of("job_busy", "The job changed "
                                    + JobDriver.MAX_REDECISIONS + " times while it was being cancelled; cancel it "
                                    + "again."))).build();
                })
                .onFailure(NotOwnerException.class).recoverWithItem(e -> notHere(jobId));
    }

    /**
     * A cancel of a job of another replica's partition: written to the request topic keyed by the job id (so it lands
     * in the job's partition, in order with its request) with {@link RequestConsumer#CANCEL_HEADER}; the partition's
     * owner decides it as its own cancel, whoever owns it by then. The answer waits a little for the outcome to show in
     * the fleet view: {@code 200} with the cancelled job, {@code 409} when the job is already generated or ended,
     * {@code 202} when the outcome has not shown yet (follow {@code href}).
     */
    private Uni<Response> forwardCancel(String jobId, int partition, Optional<FleetView.Seen> viewed) {
        Optional<Response> refused = viewed.flatMap(seen -> refusal(seen.state()));
        if (refused.isPresent()) {
            return Uni.createFrom().item(refused.get());
        }
        // Into the job's partition explicitly: its owner is the one writer of the job's state.
        Message<byte[]> record = Message.of(CANCEL_VALUE).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(jobId).withPartition(partition)
                .withHeaders(new RecordHeaders().add(RequestConsumer.CANCEL_HEADER, CANCEL_VALUE)).build());
        Instant asked = Instant.now();
        return requests.sendMessage(record)
                .invoke(() -> Log.infof("job %s: cancel forwarded to the owner of partition %d", LogText.safe(jobId),
                        partition))
                .chain(() -> cancelOutcome(jobId, partition, asked))
                .onFailure().recoverWithItem(e -> {
                    Log.warnf("job %s: cancel could not be forwarded to the owner of partition %d: %s",
                            LogText.safe(jobId), partition, e.getClass().getSimpleName());
                    return Response.status(503).header("Retry-After", "5").entity(new Problem(jobId, null,
                            JobError.of("cancel_not_forwarded", "The cancel could not be written to the request "
                                    + "topic for the job's owner (Kafka did not take it); nothing changed, send it "
                                    + "again."))).build();
                });
    }

    private Uni<Response> cancelOutcome(String jobId, int partition, Instant asked) {
        Optional<FleetView.Seen> seen = fleet.find(jobId).filter(s -> s.summary().partition() == partition);
        if (seen.isPresent()) {
            JobState job = seen.get().state();
            if (job.status() == JobStatus.CANCELLED) {
                return Uni.createFrom().item(Response.ok(JobView.of(seen.get())).build());
            }
            Optional<Response> refused = refusal(job);
            if (refused.isPresent()) {
                return Uni.createFrom().item(refused.get());
            }
        }
        if (Duration.between(asked, Instant.now()).compareTo(FORWARDED_CANCEL_WAIT) >= 0) {
            return Uni.createFrom().item(Response.status(202).entity(new Accepted(jobId, "cancel_requested",
                    "/jobs/" + jobId)).build());
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(100))
                .chain(() -> cancelOutcome(jobId, partition, asked));
    }

    /** 409 when a cancel would be refused in the job's state (decided as the owner would decide it), else empty. */
    private static Optional<Response> refusal(JobState job) {
        Decision decision = Transitions.decide(job, new JobEvent.CancelRequested(job.jobId(), job.partition()),
                Instant.now());
        return decision.kind() != Decision.Kind.REFUSED ? Optional.empty() : Optional.of(Response.status(409)
                .entity(new Problem(job.jobId(), job.status().wireName(), decision.refusal())).build());
    }

    private Uni<Response> conflict(JobState job, String code, String message) {
        return Uni.createFrom().item(Response.status(409).entity(new Problem(job.jobId(), job.status().wireName(),
                JobError.of(code, message))).build());
    }

    private Response notHere(String jobId) {
        int partition = partitionOf(jobId);
        String where = "";
        if (partition >= 0 && !journal.owns(partition)) {
            Duration lag = fleet.enabled() ? fleet.lag(partition) : null;
            where = !fleet.enabled() ? " Its partition (" + partition + ") is served by another replica; ask that one."
                    : lag == null ? " Its partition (" + partition + ") is served by another replica, and this "
                            + "replica's view of it is still being read; ask again shortly."
                    : " Not in this replica's view of partition " + partition + " either (it lags the owner by at "
                            + "most " + lag.toMillis() + " ms).";
        }
        return Response.status(404).entity(new Problem(jobId, null, JobError.of("job_not_found", "No job '" + jobId
                + "' on this replica." + where))).build();
    }

    /** The request topic's partition of a job id, as Kafka's default partitioner places keyed records. */
    private int partitionOf(String jobId) {
        int partitions = topics.requestPartitions();
        if (partitions <= 0) {
            return -1;
        }
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private Optional<String> jobIdOf(byte[] body) {
        try {
            JsonNode node = mapper.readTree(body);
            JsonNode id = node == null ? null : node.get("jobId");
            return id != null && id.isTextual() && !id.textValue().isBlank() ? Optional.of(id.textValue())
                    : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
