package dev.videoworker.scale;

import static dev.videoworker.scale.Deployment.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.simulator.Endpoint;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.FaultSettings;
import dev.videoworker.simulator.VideoSimulator;
import dev.videoworker.testing.WorkerProcess;

/**
 * Fenced paid calls (issue 12, case 3): a replica frozen (SIGSTOP) while its create calls wait out 429s loses its
 * partitions to a second replica, which reconciles the jobs and creates them; when the first one is resumed, its
 * waiting creates fire, and every one of them must be dropped unsent. One create per job, one completion per job.
 * <p>
 * The freeze comes while every create waits (Retry-After 10 s, all of them refused once), never while one is on its
 * way out: a replica frozen in the middle of writing a create's bytes sends them when it resumes, and no check of
 * its own can stop that (docs/decisions.md, "A fence is only good while it is fresh"). With a one-second Retry-After
 * the creates kept firing and the freeze, which follows a refusal, caught one in its write about one run in three.
 */
class FrozenReplicaIT {

    private static final int PARTITIONS = 3;
    private static final int JOBS = 9;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    private static ScaleStack stack;
    private WorkerProcess first;
    private WorkerProcess second;
    private Deployment deployment;

    @BeforeAll
    static void startInfrastructure() throws InterruptedException {
        stack = ScaleStack.start(Duration.ofSeconds(3));
    }

    @AfterEach
    void stopWorkers() throws Exception {
        if (first != null) {
            signal(first, "CONT");
            first.close();
        }
        if (second != null) {
            second.close();
        }
        if (deployment != null) {
            deployment.close();
        }
        stack.provider().simulator().faults(FaultSettings.none());
    }

    @AfterAll
    static void stopInfrastructure() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aFrozenReplicaResumedAfterATakeOverSendsNoneOfItsWaitingCreates() throws Exception {
        VideoSimulator simulator = stack.provider().simulator();
        // Every create is refused with 429 and Retry-After 10 s: the first replica's creates wait to be sent again.
        simulator.faults(FaultSettings.none().withRate(Fault.RATE_LIMIT, 1.0)
                .withRetryAfter(RETRY_AFTER));
        deployment = new Deployment(stack, "frozen", PARTITIONS);
        first = WorkerProcess.start("frozen-a", deployment.workerConfig("frozen-a")).awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(JOBS);
        List<Job> all = List.copyOf(jobs.values());
        // Once every job's create has been refused, each one waits out its 10 s: none is being sent at the freeze.
        await("every job's create refused with 429").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> all.stream().allMatch(j -> refusals(simulator, j) >= 1));
        signal(first, "STOP");
        Instant frozenAt = Instant.now();
        for (Job job : all) {
            assertThat(refusals(simulator, job)).as("refused creates of %s before the freeze (all sent within 10 s)",
                    job.id()).isEqualTo(1);
        }
        progress("froze %s with its creates waiting on 429s; jobs: %s", first.name(), deployment.census(all));

        // The provider takes calls again before the new owner starts (the frozen replica cannot send anything): its
        // reconciliation must be able to list (nothing was made), then it creates each job once. Were the faults
        // lifted later, a slow take-over would spend the whole reconcile window on refused lists and end the jobs
        // submission_unknown (seen on a loaded CI machine). The frozen replica's creates would now succeed if sent.
        simulator.faults(FaultSettings.none());
        second = WorkerProcess.start("frozen-b", deployment.workerConfig("frozen-b")).awaitReady();
        deployment.awaitSoleOwner("frozen-b");
        await("the new owner created every job").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> all.stream().allMatch(j -> simulator.createCount(j.prompt()) >= 1));

        // The scenario, not a synchronisation: resumed only once every back-off is over (10 s plus at most a quarter),
        // so all its waiting creates fire at once, before it has heard that its partitions moved.
        await("the frozen replica's back-offs are over").atMost(Duration.ofSeconds(30))
                .until(() -> Instant.now().isAfter(frozenAt.plus(RETRY_AFTER.multipliedBy(5).dividedBy(4))));
        signal(first, "CONT");
        progress("resumed %s", first.name());
        deployment.assertEveryJobCompletedOnce(all, Duration.ofSeconds(90));
        // The resumed replica's timers fired at once; give its creates time to reach the provider, were they sent.
        await("no job created twice").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15))
                .until(() -> all.stream().allMatch(j -> simulator.createCount(j.prompt()) == 1));
        for (Job job : all) {
            assertThat(simulator.createCount(job.prompt())).as("creates of %s", job.id()).isEqualTo(1);
        }
    }

    /** Create calls for the job the simulator refused with 429. */
    private static long refusals(VideoSimulator simulator, Job job) {
        return simulator.calls(job.prompt()).stream()
                .filter(call -> call.endpoint() == Endpoint.CREATE && call.fault() == Fault.RATE_LIMIT).count();
    }

    private static void signal(WorkerProcess worker, String signal) throws IOException, InterruptedException {
        if (worker.isAlive()) {
            int exit = new ProcessBuilder("kill", "-" + signal, String.valueOf(worker.pid())).start().waitFor();
            assertThat(exit).as("kill -%s %d", signal, worker.pid()).isZero();
        }
    }
}
