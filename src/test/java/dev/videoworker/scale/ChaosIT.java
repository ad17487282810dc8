package dev.videoworker.scale;

import static dev.videoworker.scale.Deployment.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.FaultSettings;
import dev.videoworker.testing.WorkerProcess;

/**
 * Chaos: three replicas of the packaged worker in one consumer group work through 300 jobs while, every 15 s, one of
 * them picked at random is killed with SIGKILL and started again, and the provider loses one create answer in five
 * (a 504 after the video was made) while its list lags 2 s behind, and every tenth job is cancelled at a random
 * moment through the HTTP API. Every job must still end with exactly one completion: {@code cancelled} exactly when
 * its cancel was accepted (its video, if one was made, deleted at the provider), else {@code succeeded}, paid for
 * once, and stored byte for byte as the provider served it.
 *
 * <p>The kills are seeded; the seed is printed and a run is repeated with {@code -Dchaos.seed=<seed>} (the instants of
 * the kills relative to the jobs still differ: they depend on timing). Each replica's log, restarts appended, is in
 * {@code target/it-logs/chaos-*.log}.
 */
class ChaosIT {

    private static final int REPLICAS = 3;
    /** Four partitions per replica, so a kill scatters a replica's jobs over both survivors. */
    private static final int PARTITIONS = 12;
    /** The figures; {@code -Dchaos.jobs} and {@code -Dchaos.kills} shrink a run to try something out. */
    private static final int JOBS = Integer.getInteger("chaos.jobs", 300);
    /** 300 jobs in 5-job batches every second: the last one about 60 s in, so kills hit jobs in every state. */
    private static final int BATCH = 5;
    private static final Duration BATCH_EVERY = Duration.ofSeconds(1);
    private static final Duration GENERATION_TIME = Duration.ofSeconds(4);
    private static final Duration KILL_EVERY = Duration.ofSeconds(15);
    private static final int MIN_KILLS = Integer.getInteger("chaos.kills", 5);
    /** The chaos ends well before this; past it the run is a failure, not a slow success. */
    private static final Duration CHAOS_LIMIT = Duration.ofMinutes(5);
    private static final Duration FINAL_WAIT = Duration.ofMinutes(2);
    /** Every tenth job is cancelled at some moment of its life (30 of 300). */
    private static final int CANCEL_EVERY = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ScaleStack stack;

    /** Every process started, killed ones included, so that all are surely gone when the test ends. */
    private final List<WorkerProcess> started = new ArrayList<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    private final ScheduledExecutorService canceller = Executors.newSingleThreadScheduledExecutor();
    private Deployment deployment;

    @BeforeAll
    static void startInfrastructure() throws InterruptedException {
        stack = ScaleStack.start(GENERATION_TIME);
    }

    @AfterEach
    void stopWorkers() throws Exception {
        sender.shutdownNow();
        canceller.shutdownNow();
        // Children first: a replica whose broker vanished spins on reconnects instead of exiting.
        started.forEach(WorkerProcess::close);
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
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyJobCompletesOnceWhileReplicasAreKilledAndRestarted() throws Exception {
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        progress("chaos seed %d (repeat with -Dchaos.seed=%d)", seed, seed);
        Random random = new Random(seed);
        long began = System.nanoTime();

        // The worst provider too: one create answer in five lost as a 504 after the video was made, and a list that
        // shows new videos only 2 s later (the reconcile window of the replicas is 6 s).
        stack.provider().simulator().faults(FaultSettings.none().withRate(Fault.CREATE_LOST_504, 0.2)
                .withListLag(Duration.ofSeconds(2)));
        deployment = new Deployment(stack, "chaos", PARTITIONS);
        List<WorkerProcess> live = new ArrayList<>();
        for (int i = 1; i <= REPLICAS; i++) {
            WorkerProcess worker = WorkerProcess.start("chaos-w" + i, deployment.workerConfig("chaos-w" + i));
            started.add(worker);
            live.add(worker);
        }
        live.forEach(WorkerProcess::awaitReady);
        deployment.awaitAssignment(REPLICAS);

        Map<String, Job> jobs = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        sender.scheduleAtFixedRate(() -> sendBatch(jobs, sent, sendFailure), 0, BATCH_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        // Cancels during the run, to whichever replica owns the job (the others answer 404), at random moments of
        // the jobs' lives: every CANCEL_EVERY-th job, once, about a second after it was sent or later.
        Map<String, Integer> cancels = new ConcurrentHashMap<>();
        Random cancelPicks = new Random(seed + 1);
        canceller.scheduleWithFixedDelay(() -> cancelOne(jobs, live, cancels, cancelPicks), 1_000, 400,
                TimeUnit.MILLISECONDS);
        long chaosBegan = System.nanoTime();

        List<String> kills = new ArrayList<>();
        long lastKill = System.nanoTime();
        while (true) {
            long sinceLastKill = lastKill;
            int killsSoFar = kills.size();
            // The chaos schedule: the next kill is due KILL_EVERY after the last one; the run ends early only once
            // enough kills have happened and every job has completed.
            await("the next kill or the end of the chaos").atMost(KILL_EVERY.plusSeconds(5))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> elapsed(sinceLastKill).compareTo(KILL_EVERY) >= 0
                            || killsSoFar >= MIN_KILLS && backlogDone(jobs, sent));
            assertThat(sendFailure.get()).as("failure sending requests").isNull();
            if (killsSoFar >= MIN_KILLS && backlogDone(jobs, sent)) {
                break;
            }
            assertThat(elapsed(chaosBegan)).as("time of chaos; completed so far: %d of %d", completedCount(jobs),
                    JOBS).isLessThan(CHAOS_LIMIT);

            String kill = killAndRestart(live, random, kills.size() + 1, elapsed(chaosBegan), jobs, sent.get());
            lastKill = System.nanoTime();
            kills.add(kill);
        }
        Duration chaos = elapsed(chaosBegan);

        canceller.shutdownNow();
        // Every replacement must have come back, not merely been started.
        live.forEach(WorkerProcess::awaitReady);
        List<Job> all = List.copyOf(jobs.values());
        assertThat(all).as("jobs sent").hasSize(JOBS);
        await("every job completed").atMost(FINAL_WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> deployment.allCompleted(all));
        List<Job> cancelled = new ArrayList<>();
        List<Job> others = new ArrayList<>();
        for (Job job : all) {
            String outcome = JSON.readTree(deployment.completions(job).get(0).value()).path("outcome").asText();
            (outcome.equals("cancelled") ? cancelled : others).add(job);
            if (cancels.getOrDefault(job.id(), 0) == 200) {
                assertThat(outcome).as("outcome of %s, whose cancel was answered 200", job.id()).isEqualTo("cancelled");
            }
        }
        assertThat(cancelled).as("jobs cancelled, each by a cancel answered 200 (or not answered: its replica died)")
                .allMatch(j -> cancels.containsKey(j.id()) && rank(cancels.get(j.id())) >= 2);
        deployment.assertEveryJobCompletedOnce(others, FINAL_WAIT);
        int cancelledAfterCreate = 0;
        for (Job job : cancelled) {
            assertThat(deployment.completions(job)).as("completions of the cancelled %s", job.id()).hasSize(1);
            int creates = stack.provider().simulator().createCount(job.prompt());
            assertThat(creates).as("creates of the cancelled %s", job.id()).isLessThanOrEqualTo(1);
            cancelledAfterCreate += creates;
            List<String> history = deployment.statuses(job);
            assertThat(history.subList(history.indexOf("cancelled"), history.size()))
                    .as("statuses of the cancelled %s: %s", job.id(), history).containsOnly("cancelled");
        }
        // A video made for a job cancelled meanwhile is deleted at the provider, never kept or stored: also when the
        // replica that cancelled it was killed first (the new owner deletes the video the completion names, or
        // searches the provider's list for one made by a create call sent before the cancel).
        await("videos of cancelled jobs deleted").atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(leftAtProvider(cancelled))
                        .as("cancelled jobs whose video is still at the provider").isEmpty());

        List<TopicRecorder.Seen> completions = deployment.allCompletions();
        Set<String> completedIds = new HashSet<>();
        completions.forEach(c -> completedIds.add(c.key()));
        assertThat(completions).as("completion events seen read_committed").hasSize(JOBS);
        assertThat(completedIds).as("job ids on the completion topic").hasSize(JOBS);
        assertThat(stack.provider().simulator().createCount()).as("create calls at the provider")
                .isEqualTo(others.size() + cancelledAfterCreate);
        progress("chaos cancels: %d sent (by answer: %s), %d jobs cancelled, %d of them after their video was made",
                cancels.size(), answers(cancels), cancelled.size(), cancelledAfterCreate);
        // Nothing may be announced after `stored` (a redelivered request used to re-announce a stale `storing`).
        List<String> changedAfterStored = deployment.reportStatusHistories(others);

        progress("chaos summary: seed %d, %d kills in %.1f s of chaos, %d jobs, %d completions (%d cancelled, the "
                + "others succeeded, sha256 checked), %d creates, %d jobs with a status after stored, %.1f s in all",
                seed, kills.size(), seconds(chaos), JOBS, completions.size(), cancelled.size(),
                stack.provider().simulator().createCount(),
                changedAfterStored.size(), seconds(elapsed(began)));
        kills.forEach(k -> progress("  %s", k));
        assertThat(kills).as("kills").hasSizeGreaterThanOrEqualTo(MIN_KILLS);
        assertThat(changedAfterStored).as("jobs with a status event after stored").isEmpty();
    }

    /**
     * SIGKILLs a replica picked by {@code random} and starts its replacement at once, without waiting for it to be
     * ready (a kill may hit a replica still starting or rebuilding). Returns what the kill hit, for the summary.
     */
    private String killAndRestart(List<WorkerProcess> live, Random random, int number, Duration at,
            Map<String, Job> jobs, int sent) {
        int index = random.nextInt(live.size());
        WorkerProcess victim = live.get(index);
        Map<String, Integer> census = deployment.census(jobs.values());
        long pid = victim.pid();
        victim.kill();
        WorkerProcess replacement = victim.restart();
        started.add(replacement);
        live.set(index, replacement);
        String kill = String.format("kill %d at %.1f s: %s (pid %d), %d of %d jobs sent, by last status %s", number,
                seconds(at), victim.name(), pid, sent, JOBS, census);
        progress("%s; restarted as pid %d", kill, replacement.pid());
        return kill;
    }

    /**
     * Cancels one job not cancelled before, picked at random among every {@link #CANCEL_EVERY}-th job sent: asks every
     * live replica (only the owner can answer 200 or 409) and keeps the best answer.
     */
    private void cancelOne(Map<String, Job> jobs, List<WorkerProcess> live, Map<String, Integer> cancels,
            Random picks) {
        List<String> candidates = jobs.keySet().stream()
                .filter(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % CANCEL_EVERY == 0)
                .filter(id -> !cancels.containsKey(id)).sorted().toList();
        if (candidates.isEmpty()) {
            return;
        }
        String jobId = candidates.get(picks.nextInt(candidates.size()));
        int best = 404;
        for (WorkerProcess replica : List.copyOf(live)) {
            int status = replica.cancel(jobId);
            if (rank(status) > rank(best)) {
                best = status;
            }
        }
        cancels.put(jobId, best);
    }

    /** The jobs among {@code jobs} that have a video at the provider. */
    private static List<String> leftAtProvider(List<Job> jobs) {
        return jobs.stream().filter(j -> stack.provider().simulator().videos().stream()
                .anyMatch(v -> j.prompt().equals(v.prompt()))).map(Job::id).toList();
    }

    /**
     * Which answer says most: 200 (cancelled), then no answer or a 5xx (the owner may have cancelled it and died
     * before answering), then 409 (too late), then 404 (not owned by that replica).
     */

    private static int rank(int status) {
        return status == 200 ? 3 : status == -1 || status >= 500 ? 2 : status == 409 ? 1 : 0;
    }

    private static Map<Integer, Long> answers(Map<String, Integer> cancels) {
        Map<Integer, Long> counts = new java.util.TreeMap<>();
        cancels.values().forEach(status -> counts.merge(status, 1L, Long::sum));
        return counts;
    }

    /** Sends the next batch of requests, until all are sent; keeps the first failure for the test thread. */
    private void sendBatch(Map<String, Job> jobs, AtomicInteger sent, AtomicReference<Throwable> failure) {
        int first = sent.get();
        if (first >= JOBS || failure.get() != null) {
            return;
        }
        try {
            int count = Math.min(BATCH, JOBS - first);
            jobs.putAll(deployment.send(first, count, ""));
            sent.addAndGet(count);
        } catch (Exception e) {
            failure.compareAndSet(null, e);
        }
    }

    private boolean backlogDone(Map<String, Job> jobs, AtomicInteger sent) {
        return sent.get() >= JOBS && deployment.allCompleted(jobs.values());
    }

    private long completedCount(Map<String, Job> jobs) {
        return jobs.values().stream().filter(j -> !deployment.completions(j).isEmpty()).count();
    }

    private static Duration elapsed(long sinceNanos) {
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
