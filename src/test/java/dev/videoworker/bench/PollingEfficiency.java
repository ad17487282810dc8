package dev.videoworker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.poll.PollSchedule;

/**
 * Compares the adaptive {@link PollSchedule} with polling every 15 seconds, in virtual time: simulated jobs of two
 * to five minutes with a queued phase at 0%, non-linear progress reported in steps, and stalls. Per schedule: polls
 * per job, and the detection delay (from the end of generation to the poll that sees it) at p50 and p95.
 * <p>
 * Run as the README says (arguments: jobs, default 10,000, and seed); writes {@code target/bench/polling.json} for
 * other harnesses to merge and prints a markdown table.
 */
public final class PollingEfficiency {

    /** The fixed schedule compared against: the middle of the provider's 10–20 s guidance. */
    static final Duration FIXED_INTERVAL = Duration.ofSeconds(15);

    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");
    private static final long SHORTEST_JOB_MS = 120_000;
    private static final long LONGEST_JOB_MS = 300_000;
    private static final long LONGEST_QUEUE_MS = 40_000;
    private static final long LONGEST_STALL_MS = 30_000;

    private PollingEfficiency() {
    }

    /** Polls per job and detection delays of one schedule over all simulated jobs. */
    public record Figures(String schedule, int jobs, double pollsPerJob, double delayP50Seconds,
            double delayP95Seconds, double delayMaxSeconds) {

        static Figures of(String schedule, int[] polls, long[] delaysMs) {
            long[] sorted = delaysMs.clone();
            Arrays.sort(sorted);
            return new Figures(schedule, polls.length, Arrays.stream(polls).average().orElse(0),
                    percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.95) / 1000.0,
                    sorted[sorted.length - 1] / 1000.0);
        }

        private static long percentile(long[] sorted, double share) {
            int index = (int) Math.ceil(share * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }
    }

    /** Both schedules run over the same jobs. */
    public record Comparison(long seed, int jobs, String expectedDuration, String minInterval, String maxInterval,
            double jitter, Figures adaptive, Figures fixed) {

        public double pollRatio() {
            return adaptive.pollsPerJob() / fixed.pollsPerJob();
        }

        public double medianDelayRatio() {
            return adaptive.delayP50Seconds() / fixed.delayP50Seconds();
        }
    }

    /**
     * One simulated provider job: queued until {@code startMs}, then generating until {@code endMs}, with the
     * progress the provider reports changing only at {@code updateMs} (to the value at the same index).
     */
    record VirtualJob(long startMs, long endMs, long[] updateMs, int[] progress) {

        /** What a poll at {@code atMs} (since submission) reads: percent done, or -1 once the video is done. */
        int progressAt(long atMs) {
            if (atMs >= endMs) {
                return -1;
            }
            int i = Arrays.binarySearch(updateMs, atMs);
            int last = i >= 0 ? i : -i - 2;
            return last < 0 ? 0 : progress[last];
        }

        /**
         * Draws a job: total time uniform in [2 min, 5 min]; a queue of up to 40 s; up to two stalls of up to 30 s;
         * progress {@code 100·x^shape} of the work done x, with a shape between 0.6 (fast start) and 1.6 (slow start),
         * reported as whole percent, never 100 before the end, and refreshed by the provider every 2 to 12 s.
         */
        static VirtualJob draw(Random random) {
            long end = SHORTEST_JOB_MS + (long) (random.nextDouble() * (LONGEST_JOB_MS - SHORTEST_JOB_MS));
            long start = (long) (random.nextDouble() * LONGEST_QUEUE_MS);
            int stallCount = random.nextInt(3);
            double[] stallAt = new double[stallCount];
            long[] stallMs = new long[stallCount];
            long stalled = 0;
            for (int i = 0; i < stallCount; i++) {
                stallAt[i] = 0.1 + 0.85 * random.nextDouble();
                stallMs[i] = 5_000 + (long) (random.nextDouble() * (LONGEST_STALL_MS - 5_000));
                stalled += stallMs[i];
            }
            Arrays.sort(stallAt);
            double shape = 0.6 + random.nextDouble();
            long working = end - start - stalled;
            List<long[]> updates = new ArrayList<>();
            for (long t = start + 2_000 + (long) (random.nextDouble() * 10_000); t < end;
                    t += 2_000 + (long) (random.nextDouble() * 10_000)) {
                double done = workDone(t - start, working, stallAt, stallMs);
                updates.add(new long[] {t, Math.min(99, (long) Math.floor(100 * Math.pow(done, shape)))});
            }
            return new VirtualJob(start, end, updates.stream().mapToLong(u -> u[0]).toArray(),
                    updates.stream().mapToInt(u -> (int) u[1]).toArray());
        }

        /** Share of the work done {@code sinceStart} ms after generation began, stalls (at work shares) included. */
        private static double workDone(long sinceStart, long working, double[] stallAt, long[] stallMs) {
            long t = sinceStart;
            for (int i = 0; i < stallAt.length; i++) {
                long stallBegins = (long) (stallAt[i] * working);
                if (t <= stallBegins) {
                    break;
                }
                t = Math.max(stallBegins, t - stallMs[i]);
            }
            return Math.min(1.0, (double) t / working);
        }
    }

    /** Runs both schedules over {@code jobs} jobs drawn from {@code seed}, with the worker's default settings. */
    public static Comparison compare(int jobs, long seed) {
        WorkerConfig config = TestConfig.worker(Map.of());
        WorkerConfig.Poll poll = config.poll();
        Duration expected = config.models().get("sora-2").expectedDuration().orElse(poll.expectedDuration());
        Random random = new Random(seed);
        List<VirtualJob> drawn = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            drawn.add(VirtualJob.draw(random));
        }
        PollSchedule schedule = new PollSchedule(poll.minInterval(), poll.maxInterval(), poll.jitter(),
                jitterSource(seed));
        int[] adaptivePolls = new int[jobs];
        long[] adaptiveDelays = new long[jobs];
        int[] fixedPolls = new int[jobs];
        long[] fixedDelays = new long[jobs];
        for (int i = 0; i < jobs; i++) {
            VirtualJob job = drawn.get(i);
            long[] adaptive = followAdaptive(job, schedule, expected);
            adaptivePolls[i] = (int) adaptive[0];
            adaptiveDelays[i] = adaptive[1];
            long interval = FIXED_INTERVAL.toMillis();
            long seenAt = (job.endMs() + interval - 1) / interval * interval;
            fixedPolls[i] = (int) (seenAt / interval);
            fixedDelays[i] = seenAt - job.endMs();
        }
        return new Comparison(seed, jobs, expected.toString(), poll.minInterval().toString(),
                poll.maxInterval().toString(), poll.jitter(), Figures.of("adaptive", adaptivePolls, adaptiveDelays),
                Figures.of("fixed " + FIXED_INTERVAL.toSeconds() + " s", fixedPolls, fixedDelays));
    }

    /** Polls one job as the worker does, in virtual time: returns {polls, detection delay in ms}. */
    static long[] followAdaptive(VirtualJob job, PollSchedule schedule, Duration expected) {
        PollSchedule.Plan plan = schedule.next(EPOCH, EPOCH, 0, null, expected, null);
        long now = 0;
        int polls = 0;
        while (true) {
            now += plan.delay().toMillis();
            polls++;
            int progress = job.progressAt(now);
            if (progress < 0) {
                return new long[] {polls, now - job.endMs()};
            }
            plan = schedule.next(EPOCH.plusMillis(now), EPOCH, progress, plan.seen(), expected, null);
        }
    }

    private static DoubleSupplier jitterSource(long seed) {
        Random random = new Random(seed ^ 0x5DEECE66DL);
        return random::nextDouble;
    }

    /** A markdown table of both schedules. */
    static String table(Comparison c) {
        StringBuilder out = new StringBuilder();
        out.append("| schedule | jobs | polls/job | detection delay p50 | p95 | max |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Figures f : List.of(c.adaptive(), c.fixed())) {
            out.append(String.format("| %s | %d | %.2f | %.1f s | %.1f s | %.1f s |%n", f.schedule(), f.jobs(),
                    f.pollsPerJob(), f.delayP50Seconds(), f.delayP95Seconds(), f.delayMaxSeconds()));
        }
        out.append(String.format("%nadaptive/fixed: polls %.2f, median delay %.2f (seed %d; expected %s, "
                + "min-interval %s, max-interval %s, jitter %.2f)%n", c.pollRatio(), c.medianDelayRatio(), c.seed(),
                c.expectedDuration(), c.minInterval(), c.maxInterval(), c.jitter()));
        return out.toString();
    }

    public static void main(String[] args) throws IOException {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 20_250_101L;
        Comparison c = compare(jobs, seed);
        Path out = Path.of("target", "bench", "polling.json");
        Files.createDirectories(out.getParent());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "polling");
        json.put("comparison", c);
        json.put("pollRatio", c.pollRatio());
        json.put("medianDelayRatio", c.medianDelayRatio());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), json);
        System.out.println("Polling efficiency in virtual time, seed " + seed + "\n");
        System.out.print(table(c));
        System.out.println("written to " + out);
    }
}
