package dev.videoworker.scale;

import static dev.videoworker.scale.Deployment.progress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
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
 */
class FrozenReplicaIT {

    private static final int PARTITIONS = 3;
    private static final int JOBS = 9;

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
        // Every create is refused with 429 and Retry-After 1 s: the first replica's creates keep waiting to be sent.
        simulator.faults(FaultSettings.none().withRate(Fault.RATE_LIMIT, 1.0).withRetryAfter(Duration.ofSeconds(1)));
        deployment = new Deployment(stack, "frozen", PARTITIONS);
        first = WorkerProcess.start("frozen-a", deployment.workerConfig("frozen-a")).awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(JOBS);
        List<Job> all = List.copyOf(jobs.values());
        int refusedBefore = simulator.faultCount(Endpoint.CREATE, Fault.RATE_LIMIT);
        await("every job's create refused with 429 at least twice").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> simulator.faultCount(Endpoint.CREATE, Fault.RATE_LIMIT) - refusedBefore >= 2 * JOBS);
        signal(first, "STOP");
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

    private static void signal(WorkerProcess worker, String signal) throws IOException, InterruptedException {
        if (worker.isAlive()) {
            int exit = new ProcessBuilder("kill", "-" + signal, String.valueOf(worker.pid())).start().waitFor();
            assertThat(exit).as("kill -%s %d", signal, worker.pid()).isZero();
        }
    }
}
