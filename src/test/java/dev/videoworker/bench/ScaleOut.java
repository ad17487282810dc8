package dev.videoworker.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;

import dev.videoworker.bench.Benchmark.JobRun;
import dev.videoworker.bench.Benchmark.Measured;
import dev.videoworker.bench.Benchmark.Topics;
import dev.videoworker.simulator.SyntheticContent;
import dev.videoworker.testing.KafkaBroker;

/**
 * Phase (s), scale-out: 1, 2 and 3 worker replicas of one fleet on the same broker, S3 and simulator, as deployed:
 * one consumer group on the same topics and the same transactional-id prefix (each journal partition's producer id is
 * the prefix, the journal topic and the partition, so its owner of the moment fences the previous one). Each replica
 * count gets fresh topics, waits until every replica is ready and the group has divided the partitions, runs a small
 * warm-up, then drains a backlog of {@code --scale-jobs} fast jobs (as in (a)); optionally (b)'s in-flight
 * measurement with 3 replicas ({@code --scale-inflight}).
 */
final class ScaleOut {

    private static final long MIB = 1024 * 1024;
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(3);
    private static final Pattern OWNING = Pattern.compile("owning partition (\\d+) of the job journal");
    private static final Pattern RELEASED = Pattern.compile("released partition (\\d+) of the job journal");
    /** SmallRye's "Executed consumer assigned re-balance listener": once per rebalance the replica took part in. */
    private static final String REBALANCED = "SRMSG18225";
    /** The client id Quarkus gives the consumer of the {@code video-requests} channel. */
    private static final String REQUEST_CONSUMER = "kafka-consumer-video-requests";

    private final Benchmark bench;
    private final KafkaBroker broker;
    private final Benchmark.Options options;
    private final BenchResults results;

    ScaleOut(Benchmark bench, KafkaBroker broker, Benchmark.Options options, BenchResults results) {
        this.bench = bench;
        this.broker = broker;
        this.options = options;
        this.results = results;
    }

    void run() throws Exception {
        results.detail("s.settings", Benchmark.FAST_JOB_SETTINGS);
        for (int replicas : options.scaleReplicas()) {
            drain(replicas);
        }
        if (options.scaleInflight() > 0) {
            inFlight(3, options.scaleInflight());
        }
    }

    // ---- a backlog drained by N replicas ----

    private void drain(int n) throws Exception {
        String name = "s" + n;
        Topics topics = Topics.create(broker, "bench-" + name);
        List<ChildProcess> workers = new ArrayList<>();
        try (KafkaConsumer<String, String> completions = bench.consumer(); Admin admin = broker.admin()) {
            settle(n, name, topics, Benchmark.FAST_JOB_SETTINGS, workers, admin);
            Benchmark.assignFromBeginning(completions, List.of(topics.completed()));
            String expectedSha = SyntheticContent.sha256(Benchmark.VIDEO_BYTES);
            if (options.scaleWarmup() > 0) {
                Measured warm = bench.sendAndReadCompletions(topics, completions, topics.prefix() + "-warm",
                        options.scaleWarmup(), Benchmark.FAST_JOB_MARKER, expectedSha);
                if (warm.seen() < options.scaleWarmup()) {
                    throw new IllegalStateException("only " + warm.seen() + " of " + options.scaleWarmup()
                            + " warm-up jobs completed with " + n + " replicas; see " + logs(workers));
                }
                Benchmark.log("(%s) warm-up: %d jobs in %.1f s", name, warm.seen(), warm.seconds());
            }
            Thread.sleep(3000);
            List<ReplicaLog> logsBefore = readLogs(workers);
            List<Map<String, Double>> groupBefore = groupMetrics(workers);
            Map<String, Integer> callsBefore = bench.simulatorCalls();
            List<Map<String, Long>> threadsBefore = new ArrayList<>();
            long cpuBefore = 0;
            for (ChildProcess w : workers) {
                cpuBefore += ProcStats.cpuMillis(w.pid());
                threadsBefore.add(ProcStats.cpuMillisByThreadGroup(w.pid()));
            }
            Measured measured = bench.sendAndReadCompletions(topics, completions, topics.prefix(),
                    options.scaleJobs(), Benchmark.FAST_JOB_MARKER, expectedSha);
            long cpuAfter = 0;
            List<Map<String, Long>> threadsAfter = new ArrayList<>();
            for (ChildProcess w : workers) {
                cpuAfter += ProcStats.cpuMillis(w.pid());
                threadsAfter.add(ProcStats.cpuMillisByThreadGroup(w.pid()));
            }
            Map<String, Integer> callsAfter = bench.simulatorCalls();
            Map<String, Integer> calls = new LinkedHashMap<>();
            callsAfter.forEach((k, v) -> calls.put(k, v - callsBefore.getOrDefault(k, 0)));
            JobRun run = measured.run(cpuAfter - cpuBefore, calls, -1, -1);
            List<ReplicaLog> logsAfter = readLogs(workers);
            List<Map<String, Integer>> duringDrain = rebalancesBetween(logsBefore, logsAfter);
            int rebalancesDuringDrain = duringDrain.stream().mapToInt(m -> m.get("rebalances")).sum();

            Map<String, Object> details = new LinkedHashMap<>(run.details());
            // not counted here (see (a))
            details.remove("committed_records");
            details.remove("log_offsets");
            details.put("replicas", n);
            details.put("warmup_jobs", options.scaleWarmup());
            details.put("cpu_ms_per_job", run.cpuMsPerJob());
            details.put("cpu_ms_per_job_by_thread", Benchmark.cpuPerJobByGroup(sumByGroup(threadsBefore),
                    sumByGroup(threadsAfter), measured.seen()));
            details.put("cpu_ms_by_replica", perReplicaCpu(threadsBefore, threadsAfter));
            details.put("replicas_at_start", describe(logsBefore));
            details.put("rebalances_during_drain", duringDrain);
            details.put("partitions_owned_at_end", logsAfter.stream().map(ReplicaLog::owned).toList());
            details.put("consumer_metrics_before_drain", groupBefore);
            details.put("consumer_metrics_after_drain", groupMetrics(workers));
            details.put("logs", logs(workers));
            results.detail(name + ".run", details);
            Benchmark.log("(%s) %s", name, details);

            String replicas = n + (n == 1 ? " replica" : " replicas");
            results.add("s.jobs_per_s_" + n, "s", options.scaleJobs() + "-job backlog drained by " + replicas
                    + " (first request sent → last completion read)", run.jobsPerSecond(), "jobs/s", null, null,
                    Benchmark.PARTITIONS + " partitions; after a " + options.scaleWarmup() + "-job warm-up only, "
                            + "not (a)'s thousands: JIT colder");
            results.add("s.cpu_ms_per_job_" + n, "s", "worker CPU (user+system) per job, summed over " + replicas,
                    run.cpuMsPerJob(), "ms", null, null, null);
            results.add("s.drain_seconds_" + n, "s", "drain time of the backlog, " + replicas, measured.seconds(),
                    "s", null, null, measured.wrongHash() + " sha256 mismatches, " + rebalancesDuringDrain
                            + " rebalances during the drain");
            if (measured.seen() < options.scaleJobs()) {
                throw new IllegalStateException("only " + measured.seen() + " of " + options.scaleJobs()
                        + " jobs completed with " + n + " replicas; see " + logs(workers));
            }
            if (measured.wrongHash() > 0) {
                throw new IllegalStateException(measured.wrongHash() + " completions with a wrong sha256");
            }
        } finally {
            stopAll(workers);
        }
    }

    /**
     * Starts {@code n} replicas of one fleet on {@code topics} (startWorker gives each its own HTTP port and the
     * topics' group and transactional-id prefix), waits until each is ready and the group has settled.
     */
    private void settle(int n, String name, Topics topics, Map<String, String> settings, List<ChildProcess> workers,
            Admin admin) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 1; i <= n; i++) {
            workers.add(bench.startWorker("worker-" + name + "-r" + i, topics, settings));
        }
        for (ChildProcess w : workers) {
            w.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(3));
        }
        double readySeconds = (System.nanoTime() - t0) / 1e9;
        String group = topics.prefix() + "-workers";
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        List<Set<Integer>> members = List.of();
        List<Set<Integer>> owned = List.of();
        while (System.nanoTime() < deadline) {
            members = memberAssignments(admin, group, topics.requests());
            owned = readLogs(workers).stream().map(ReplicaLog::owned).toList();
            if (settled(members, owned, Benchmark.PARTITIONS)) {
                Benchmark.log("(%s) %d replicas ready after %.1f s, group settled after %.1f s: %s", name, n,
                        readySeconds, (System.nanoTime() - t0) / 1e9, owned);
                results.detail(name + ".settle", Map.of("ready_seconds", readySeconds, "settled_seconds",
                        (System.nanoTime() - t0) / 1e9, "partitions_by_replica", owned));
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the group of " + n + " replicas did not settle within " + SETTLE_TIMEOUT
                + ": members " + members + ", journal partitions owned " + owned + "; see " + logs(workers));
    }

    /** The request partitions each member of the group holds, or nothing while the group is not stable. */
    private static List<Set<Integer>> memberAssignments(Admin admin, String group, String topic) throws Exception {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                .get(30, TimeUnit.SECONDS).get(group);
        if (description == null || description.state() != ConsumerGroupState.STABLE) {
            return List.of();
        }
        List<Set<Integer>> members = new ArrayList<>();
        for (MemberDescription member : description.members()) {
            Set<Integer> partitions = new TreeSet<>();
            for (TopicPartition tp : member.assignment().topicPartitions()) {
                if (tp.topic().equals(topic)) {
                    partitions.add(tp.partition());
                }
            }
            members.add(partitions);
        }
        return members;
    }

    /**
     * Settled: as many group members as replicas, each holding at least one partition when there are enough
     * (a replica beyond the partition count holds none), the partitions divided with none twice and none left out,
     * and every replica serving exactly its member's partitions (its journal partitions opened and rebuilt).
     */
    static boolean settled(List<Set<Integer>> members, List<Set<Integer>> owned, int partitions) {
        if (members.size() != owned.size() || members.isEmpty()) {
            return false;
        }
        Set<Integer> all = new HashSet<>();
        int total = 0;
        for (Set<Integer> member : members) {
            if (member.isEmpty() && members.size() <= partitions) {
                return false;
            }
            all.addAll(member);
            total += member.size();
        }
        if (total != partitions || all.size() != partitions) {
            return false;
        }
        List<Set<Integer>> unmatched = new ArrayList<>(members);
        for (Set<Integer> replica : owned) {
            if (!unmatched.remove(replica)) {
                return false;
            }
        }
        return true;
    }

    // ---- (b) with several replicas ----

    /**
     * (b) reduced, with {@code n} replicas: {@code count} long jobs (20 minutes at the simulator) spread over the
     * group, held for {@code --hold}; heap after GC per in-flight job summed over the replicas, poll lateness p99 as
     * the worst replica's.
     */
    private void inFlight(int n, int count) throws Exception {
        String name = "s-b" + n;
        Map<String, String> settings = Benchmark.inFlightSettings(count);
        Topics topics = Topics.create(broker, "bench-" + name);
        List<ChildProcess> workers = new ArrayList<>();
        try (Admin admin = broker.admin()) {
            settle(n, name, topics, settings, workers, admin);
            Thread.sleep(5000);
            double idleHeap = 0;
            double idleLive = 0;
            for (int i = 0; i < workers.size(); i++) {
                idleHeap += bench.heapAfterGc(workers.get(i));
                idleLive += bench.liveHeap(workers.get(i), name + "-r" + (i + 1) + "-idle");
            }
            int createsBefore = bench.simulatorCalls().getOrDefault("creates", 0);
            try (KafkaProducer<String, String> producer = bench.producer()) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(topics.requests(), topics.prefix() + "-" + i,
                            Benchmark.inFlightRequest(i)));
                }
                producer.flush();
            }
            int created = bench.awaitCreated(createsBefore, count);
            Thread.sleep(options.hold().toMillis());
            double loadedHeap = 0;
            double loadedLive = 0;
            double worstP99 = 0;
            List<Map<String, Object>> perReplica = new ArrayList<>();
            for (int i = 0; i < workers.size(); i++) {
                ChildProcess w = workers.get(i);
                double heap = bench.heapAfterGc(w);
                double live = bench.liveHeap(w, name + "-r" + (i + 1) + "-loaded");
                loadedLive += live;
                PrometheusText metrics = new PrometheusText(w.get("/q/metrics", null));
                double p99 = metrics.sum("worker_poll_lateness_seconds", Map.of("quantile", "0.99"))
                        .orElse(Double.NaN);
                loadedHeap += heap;
                worstP99 = Double.isNaN(p99) ? worstP99 : Math.max(worstP99, p99);
                perReplica.add(Map.of("loaded_heap_after_gc_mib", heap / MIB, "loaded_live_heap_mib", live / MIB,
                        "lateness_p99_s", p99, "polls",
                        metrics.sum("worker_poll_lateness_seconds_count", Map.of()).orElse(Double.NaN)));
            }
            long ended = bench.countCommitted(List.of(topics.completed()));
            long held = count - ended;
            if (held <= 0) {
                throw new IllegalStateException("no job is in flight");
            }
            double perJobKib = (loadedHeap - idleHeap) / held / 1024;
            double livePerJobKib = (loadedLive - idleLive) / held / 1024;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("replicas", n);
            details.put("jobs_sent", count);
            details.put("jobs_created_at_provider", created);
            details.put("jobs_in_flight_after_hold", held);
            details.put("hold", options.hold().toString());
            details.put("idle_heap_after_gc_mib_summed", idleHeap / MIB);
            details.put("loaded_heap_after_gc_mib_summed", loadedHeap / MIB);
            details.put("idle_live_heap_mib_summed", idleLive / MIB);
            details.put("loaded_live_heap_mib_summed", loadedLive / MIB);
            details.put("by_replica", perReplica);
            details.put("settings", settings);
            results.detail(name + ".run", details);
            Benchmark.log("(%s) %s", name, details);
            results.add("s.b_heap_per_job_" + n, "s", "heap per in-flight job, live objects, summed over " + n
                    + " replicas ((loaded − idle class histogram total) / " + held + " in flight)", livePerJobKib,
                    "KiB", null, null, "(b) reduced: " + count + " jobs, hold " + options.hold());
            results.add("s.b_heap_used_per_job_" + n, "s", "heap used after GC per in-flight job, summed over " + n
                    + " replicas ((loaded − idle heap used after two full GCs, from /q/metrics) / " + held + ")",
                    perJobKib, "KiB", null, null, "counts what is allocated before the reading");
            results.add("s.b_lateness_p99_" + n, "s", "poll lateness p99, worst of " + n + " replicas", worstP99, "s",
                    null, null, "Micrometer, last ~2 min");
        } finally {
            stopAll(workers);
        }
    }

    // ---- replicas' CPU and logs ----

    /** CPU ms by thread group of several processes, summed group by group. */
    static Map<String, Long> sumByGroup(Collection<Map<String, Long>> perProcess) {
        Map<String, Long> sum = new TreeMap<>();
        perProcess.forEach(groups -> groups.forEach((group, ms) -> sum.merge(group, ms, Long::sum)));
        return sum;
    }

    private static List<Long> perReplicaCpu(List<Map<String, Long>> before, List<Map<String, Long>> after) {
        List<Long> each = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            long b = before.get(i).values().stream().mapToLong(Long::longValue).sum();
            each.add(after.get(i).values().stream().mapToLong(Long::longValue).sum() - b);
        }
        return each;
    }

    /**
     * What a replica's log says about its share of the group: rebalances it took part in, journal partitions it took
     * and gave up, and those it owns now.
     */
    record ReplicaLog(int rebalances, int taken, int released, Set<Integer> owned) {

        static ReplicaLog parse(List<String> lines) {
            int rebalances = 0;
            int taken = 0;
            int released = 0;
            Set<Integer> owned = new TreeSet<>();
            for (String line : lines) {
                if (line.contains(REBALANCED)) {
                    rebalances++;
                }
                Matcher own = OWNING.matcher(line);
                if (own.find()) {
                    taken++;
                    owned.add(Integer.valueOf(own.group(1)));
                }
                Matcher gone = RELEASED.matcher(line);
                if (gone.find()) {
                    released++;
                    owned.remove(Integer.valueOf(gone.group(1)));
                }
            }
            return new ReplicaLog(rebalances, taken, released, owned);
        }
    }

    /** Rebalances, partitions taken and given up by each replica between two readings of the logs. */
    static List<Map<String, Integer>> rebalancesBetween(List<ReplicaLog> before, List<ReplicaLog> after) {
        List<Map<String, Integer>> each = new ArrayList<>();
        for (int i = 0; i < after.size(); i++) {
            each.add(Map.of("rebalances", after.get(i).rebalances() - before.get(i).rebalances(),
                    "partitions_taken", after.get(i).taken() - before.get(i).taken(),
                    "partitions_released", after.get(i).released() - before.get(i).released()));
        }
        return each;
    }

    private static List<Map<String, Object>> describe(List<ReplicaLog> logs) {
        return logs.stream().map(l -> Map.<String, Object>of("rebalances", l.rebalances(), "partitions_taken",
                l.taken(), "partitions_released", l.released(), "owned", l.owned())).toList();
    }

    private static List<ReplicaLog> readLogs(List<ChildProcess> workers) throws IOException {
        List<ReplicaLog> logs = new ArrayList<>();
        for (ChildProcess w : workers) {
            // ISO-8859-1: any byte reads, the lines looked for are ASCII
            logs.add(ReplicaLog.parse(Files.readAllLines(w.log(), StandardCharsets.ISO_8859_1)));
        }
        return logs;
    }

    /**
     * The request consumer's own coordinator metrics per replica (Kafka client metrics the worker exports at
     * {@code /q/metrics}): rebalances so far, failed ones, partitions assigned now. NaN where a scrape failed.
     */
    private static List<Map<String, Double>> groupMetrics(List<ChildProcess> workers) throws InterruptedException {
        Map<String, String> consumer = Map.of("client_id", REQUEST_CONSUMER);
        List<Map<String, Double>> each = new ArrayList<>();
        for (ChildProcess w : workers) {
            Map<String, Double> figures = new LinkedHashMap<>();
            try {
                PrometheusText metrics = new PrometheusText(w.get("/q/metrics", null));
                for (String name : List.of("rebalance_total", "failed_rebalance_total", "assigned_partitions")) {
                    figures.put(name, metrics.sum("kafka_consumer_coordinator_" + name, consumer).orElse(Double.NaN));
                }
            } catch (IOException e) {
                figures.put("rebalance_total", Double.NaN);
            }
            each.add(figures);
        }
        return each;
    }

    private static List<String> logs(List<ChildProcess> workers) {
        return workers.stream().map(w -> w.log().toString()).toList();
    }

    /** All at once (SIGTERM each, then wait): stopping one by one would make the others take its partitions. */
    private static void stopAll(List<ChildProcess> workers) {
        workers.parallelStream().forEach(ChildProcess::close);
    }
}
