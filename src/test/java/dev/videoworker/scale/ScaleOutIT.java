package dev.videoworker.scale;

import static dev.videoworker.scale.Deployment.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.simulator.SyntheticContent;
import dev.videoworker.testing.WorkerProcess;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListPartsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.messages.ListMultipartUploadsResult;

/**
 * Proves the scale-out promise with real worker processes: kill a replica at any instant and another one finishes its
 * jobs, nothing is paid twice, and every request ends with exactly one completion.
 *
 * <p>Runs the packaged jar ({@code ./mvnw verify}); each replica's log is in {@code target/it-logs}. One broker, S3
 * server and provider simulator serve the class; every test gets its own topics, consumer group and transactional
 * ids, so nothing one test leaves behind is seen by another.
 */
class ScaleOutIT {

    private static final int PARTITIONS = 6;
    /** Long enough for jobs to overlap a kill, short enough for the whole class to stay within a few minutes. */
    private static final Duration GENERATION_TIME = Duration.ofSeconds(4);
    private static final Duration ALL_DONE = Duration.ofSeconds(120);
    /** Far longer than the instant between seeing `storing` and the SIGTERM, short enough to finish soon after. */
    private static final Duration SLOW_UPLOAD = Duration.ofSeconds(5);
    private static final Set<String> GENERATING = Set.of("submitted", "queued", "in_progress");

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ScaleStack stack;

    private final List<WorkerProcess> workers = new ArrayList<>();
    private Deployment deployment;

    @BeforeAll
    static void startInfrastructure() throws InterruptedException {
        stack = ScaleStack.start(GENERATION_TIME);
    }

    @AfterEach
    void stopWorkers() throws Exception {
        // Children first: a replica whose broker vanished spins on reconnects instead of exiting.
        workers.forEach(WorkerProcess::close);
        workers.clear();
        if (deployment != null) {
            deployment.close();
        }
    }

    @AfterAll
    static void stopInfrastructure() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void survivesAReplicaKilledMidRun() throws Exception {
        // The interesting instant: some of the victim's jobs are being generated, some not even started and,
        // preferably, one between its durable intent and the provider's answer (the create call may or may not have
        // happened: the new owner must find out instead of paying again). That last window is short, so the kill
        // does without it once few jobs are left unstarted.
        killOneOfTwoReplicas("kill", 40, victimJobs -> {
            long notStarted = count(victimJobs, null);
            return count(victimJobs, GENERATING) >= 2 && notStarted >= 1
                    && (count(victimJobs, Set.of("accepted")) >= 1 || notStarted <= 3);
        });
    }

    @Test
    void survivesAReplicaKilledWhileStoring() throws Exception {
        // Later in the jobs' lives: a video generated and possibly half uploaded. The window is short, so the kill
        // does without it once nearly all of the victim's jobs are stored.
        killOneOfTwoReplicas("store", 24, victimJobs -> count(victimJobs, Set.of("generated", "storing")) >= 1
                || count(victimJobs, Set.of("stored")) >= victimJobs.size() - 2);
    }

    /**
     * Runs {@code jobs} requests on two replicas and SIGKILLs the one whose jobs first meet {@code killWhen}; the
     * other must take its partitions over and finish everything.
     */
    private void killOneOfTwoReplicas(String name, int jobCount, Predicate<List<Job>> killWhen) throws Exception {
        deploy(name);
        WorkerProcess victim = start(name + "-a");
        WorkerProcess survivor = start(name + "-b");
        victim.awaitReady();
        survivor.awaitReady();
        Set<Integer> victimPartitions = deployment.awaitAssignment(2).get(victim.name());

        Map<String, Job> jobs = deployment.send(jobCount);
        List<Job> victimJobs = jobs.values().stream().filter(j -> victimPartitions.contains(j.partition())).toList();
        assertThat(victimJobs).as("jobs on the partitions of the replica to be killed").isNotEmpty();

        await("the instant to kill " + victim.name()).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> killWhen.test(victimJobs));
        Map<String, Integer> atKill = deployment.census(victimJobs);
        victim.kill();
        progress("killed %s owning partitions %s; its jobs by last committed status: %s", victim.name(),
                victimPartitions, atKill);

        Map<String, Set<Integer>> after = deployment.awaitAssignment(1);
        assertThat(after.get(survivor.name())).as("partitions of the survivor").hasSize(PARTITIONS);

        assertEveryJobCompletedOnce(jobs);
    }

    @Test
    void restartsWhereItLeftOffAfterSigterm() throws Exception {
        deploy("term");
        WorkerProcess first = start("term-a").awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(20);
        List<Job> all = List.copyOf(jobs.values());
        await("some jobs generating").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(all, GENERATING) >= 3);
        Map<String, Integer> atTerm = deployment.census(all);
        long before = System.nanoTime();
        int exit = first.terminate(Duration.ofSeconds(30));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        progress("SIGTERM to %s: exit code %d after %d ms; jobs by last committed status at SIGTERM: %s, "
                + "at exit: %s", first.name(), exit, tookMs, atTerm, deployment.census(all));
        // SIGTERM runs the JVM's shutdown hooks (Quarkus stops there) and the JVM then exits 128 + 15.
        assertThat(exit).as("exit code of a replica stopped with SIGTERM (see %s)", first.logFile()).isEqualTo(143);

        start("term-b").awaitReady();
        assertEveryJobCompletedOnce(jobs);
    }

    @Test
    void restartsAnUploadCutShortBySigterm() throws Exception {
        deploy("upload");
        WorkerProcess first = start("upload-a").awaitReady();
        deployment.awaitAssignment(1);

        // The simulator serves this job's video over SLOW_UPLOAD, so the worker is surely mid-upload when it is
        // stopped; the other jobs are sent once it generates, so they are being generated at that instant.
        Job slow = deployment.send(0, 1, " [simulate:slow-content=" + SLOW_UPLOAD + "]").values().iterator().next();
        await("the slow job generating").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(List.of(slow), GENERATING) == 1);
        Map<String, Job> jobs = new LinkedHashMap<>(deployment.send(1, 4, ""));
        List<Job> others = List.copyOf(jobs.values());
        jobs.put(slow.id(), slow);
        await("the slow job uploading while others generate").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "storing".equals(deployment.lastStatus(slow)) && count(others, GENERATING) >= 1);
        Map<String, Integer> atTerm = deployment.census(jobs.values());
        int exit = first.terminate(Duration.ofSeconds(30));
        progress("SIGTERM to %s mid-upload: exit code %d; jobs by last committed status at SIGTERM: %s, at exit: %s",
                first.name(), exit, atTerm, deployment.census(jobs.values()));
        assertThat(exit).as("exit code of a replica stopped with SIGTERM (see %s)", first.logFile()).isEqualTo(143);
        assertThat(deployment.completions(slow)).as("completions of the job whose upload was cut short").isEmpty();
        // The default bucket and key template; checked against the completion below, so this looks in the right place.
        String bucket = "videos";
        String key = slow.id() + ".mp4";
        assertThat(stack.objectExists(bucket, key)).as("an object for the upload cut short at %s/%s", bucket, key)
                .isFalse();

        start("upload-b").awaitReady();
        assertEveryJobCompletedOnce(jobs);
        JsonNode video = JSON.readTree(deployment.completions(slow).get(0).value()).path("video");
        assertThat(video.path("bucket").asText() + "/" + video.path("key").asText()).as("where the video was stored")
                .isEqualTo(bucket + "/" + key);
    }

    @Test
    void ridesThroughABrokerRestart() throws Exception {
        deploy("broker");
        WorkerProcess worker = start("broker-a").awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(20);
        List<Job> all = List.copyOf(jobs.values());
        await("some jobs generating").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(all, GENERATING) >= 3);
        Map<String, Integer> atRestart = deployment.census(all);
        long before = System.nanoTime();
        stack.broker().restart();
        progress("restarted the broker in %d ms; jobs by last committed status before: %s",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before), atRestart);
        // Requests sent while the worker is still reconnecting are not lost either.
        jobs.putAll(deployment.send(20, 5, ""));

        assertEveryJobCompletedOnce(jobs);
        assertThat(worker.isAlive()).as("the replica rode through the restart (see %s)", worker.logFile()).isTrue();
    }

    @Test
    void scalesOutWhenAReplicaJoins() throws Exception {
        deploy("join");
        WorkerProcess first = start("join-a").awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(30);
        List<Job> all = List.copyOf(jobs.values());
        await("some jobs generating").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(all, GENERATING) >= 3);
        Map<String, Integer> atJoin = deployment.census(all);
        WorkerProcess second = start("join-b").awaitReady();
        Map<String, Set<Integer>> owners = deployment.awaitAssignment(2);
        progress("%s joined and took partitions %s from %s; jobs by last committed status at the join: %s",
                second.name(), owners.get(second.name()), first.name(), atJoin);

        assertEveryJobCompletedOnce(jobs);
    }

    /**
     * Issue 6, item 4: a video passes through with constant memory. A replica with a 96 MiB heap stores one of
     * {@value #LARGE_VIDEO} bytes (over five times its heap) with the provider's bytes: anything that held the video,
     * or a share of it growing with its size, would run out of memory (the JVM exits on that, as in the container
     * image). 64 MiB was too tight for two 8 MiB parts next to the worker's own ~25 MiB: it ran out now and then.
     */
    private static final long LARGE_VIDEO = 512L * 1024 * 1024;

    @Test
    void storesAVideoFiveTimesLargerThanItsHeap() throws Exception {
        deploy("large");
        WorkerProcess worker = WorkerProcess.start("large-a", deployment.workerConfig("large-a"), "96m");
        workers.add(worker);
        worker.awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(0, 1, " [simulate:content-bytes=" + LARGE_VIDEO + "]");

        assertEveryJobCompletedOnce(jobs);
        JsonNode video = JSON.readTree(deployment.completions(jobs.values().iterator().next()).get(0).value())
                .path("video");
        assertThat(video.path("bytes").asLong()).as("stored size").isEqualTo(LARGE_VIDEO);
        assertThat(video.path("sha256").asText()).as("stored content").isEqualTo(SyntheticContent.sha256(LARGE_VIDEO));
        assertThat(worker.isAlive()).as("the replica is still running (see %s)", worker.logFile()).isTrue();
    }

    /** Large enough for a few seconds of upload in 5 MiB parts (~27 MiB/s here), small enough to store it fast. */
    private static final long ABANDONED_VIDEO = 128L * 1024 * 1024;

    /**
     * Issue 12: a multipart upload cut short is aborted whatever cut it. A replica stopped with SIGTERM in the middle
     * of one aborts it before it exits; its restart uploads again and is SIGKILLed in the middle of that upload, which
     * stays open; the next restart stores the video (one completion) and its start-up sweep, with its age limit cut
     * to a second, aborts the dead upload, so the bucket lists no open upload afterwards.
     */
    @Test
    void leavesNoMultipartUploadOpenAfterASigtermOrAKillMidUpload() throws Exception {
        deploy("abandon");
        String name = "abandon-a";
        // a bucket of its own, made as an operator would, so every upload listed in it is this test's
        String bucket = "abandon-" + UUID.randomUUID().toString().substring(0, 8);
        stack.minio().makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        Map<String, String> config = deployment.workerConfig(name);
        config.put("worker.storage.bucket", bucket);
        config.put("worker.storage.part-size", String.valueOf(5 * 1024 * 1024));
        config.put("worker.storage.abort-uploads-older-than", "PT1S");
        WorkerProcess worker = WorkerProcess.start(name, config);
        workers.add(worker);
        worker.awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(0, 1, " [simulate:content-bytes=" + ABANDONED_VIDEO + "]");
        Job job = jobs.values().iterator().next();
        try (MinioAsyncClient s3 = MinioAsyncClient.builder().endpoint(stack.s3().endpoint())
                .credentials(stack.s3().accessKey(), stack.s3().secretKey()).build()) {
            awaitAnUploadWithAPart(s3, bucket);
            int exit = worker.terminate(Duration.ofSeconds(30));
            assertThat(exit).as("exit code after SIGTERM (see %s)", worker.logFile()).isEqualTo(143);
            assertThat(openUploads(s3, bucket)).as("multipart uploads open after a SIGTERM mid-upload").isEmpty();
            assertThat(deployment.completions(job)).as("completions of the job whose upload was cut short").isEmpty();

            worker = worker.restart();
            workers.add(worker);
            worker.awaitReady();
            ListMultipartUploadsResult.Upload killed = awaitAnUploadWithAPart(s3, bucket);
            worker.kill();
            assertThat(openUploads(s3, bucket)).as("multipart uploads the killed replica left open")
                    .extracting(ListMultipartUploadsResult.Upload::uploadId).containsExactly(killed.uploadId());
            progress("SIGTERM to %s mid-upload left no upload open; SIGKILL in the middle of %s/%s left it open",
                    name, bucket, killed.objectName());

            workers.add(worker.restart().awaitReady());
            assertEveryJobCompletedOnce(jobs);
            await("no multipart upload left open in " + bucket).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).until(() -> openUploads(s3, bucket).isEmpty());
        }
        JsonNode video = JSON.readTree(deployment.completions(job).get(0).value()).path("video");
        assertThat(video.path("bucket").asText()).as("bucket of the stored video").isEqualTo(bucket);
        assertThat(video.path("bytes").asLong()).as("stored size").isEqualTo(ABANDONED_VIDEO);
    }

    /** Waits for a multipart upload in {@code bucket} with at least one part stored: a replica mid-upload. */
    private static ListMultipartUploadsResult.Upload awaitAnUploadWithAPart(MinioAsyncClient s3, String bucket) {
        AtomicReference<ListMultipartUploadsResult.Upload> found = new AtomicReference<>();
        await("a multipart upload in " + bucket + " with a part stored").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).until(() -> {
                    for (ListMultipartUploadsResult.Upload upload : openUploads(s3, bucket)) {
                        if (!s3.listParts(ListPartsArgs.builder().bucket(bucket).object(upload.objectName())
                                .uploadId(upload.uploadId()).build()).get().result().parts().isEmpty()) {
                            found.set(upload);
                            return true;
                        }
                    }
                    return false;
                });
        return found.get();
    }

    private static List<ListMultipartUploadsResult.Upload> openUploads(MinioAsyncClient s3, String bucket)
            throws Exception {
        return s3.listMultipartUploads(ListMultipartUploadsArgs.builder().bucket(bucket).build()).get().result()
                .uploads();
    }

    private WorkerProcess start(String name) {
        WorkerProcess worker = WorkerProcess.start(name, deployment.workerConfig(name));
        workers.add(worker);
        return worker;
    }

    private Deployment deploy(String name) {
        deployment = new Deployment(stack, name, PARTITIONS);
        return deployment;
    }

    /** How many of {@code jobs} were last seen in one of {@code statuses}; {@code null}: not seen at all yet. */
    private long count(List<Job> jobs, Set<String> statuses) {
        return deployment.count(jobs, statuses);
    }

    private void assertEveryJobCompletedOnce(Map<String, Job> jobs) throws Exception {
        deployment.assertEveryJobCompletedOnce(jobs.values(), ALL_DONE);
        assertThat(deployment.reportStatusHistories(jobs.values()))
                .as("jobs with a status event after stored (nothing may happen to a job after it is stored)").isEmpty();
    }
}
