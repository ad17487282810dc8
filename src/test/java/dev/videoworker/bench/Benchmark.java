package dev.videoworker.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.bench.BenchResults.Goal;
import dev.videoworker.log.UnconfiguredLogging;
import dev.videoworker.simulator.SimulatorServer;
import dev.videoworker.simulator.SyntheticContent;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.Ports;
import dev.videoworker.testing.S3Server;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.UploadObjectArgs;

/**
 * The benchmark behind {@code bench/run.sh}: a Kafka broker and S3Proxy in this JVM, the simulator and the packaged
 * worker as separate processes, and the figures of issue 6 measured in one run: (e) start-up and idle RSS, (a)
 * throughput, CPU, provider calls and Kafka records per job against a raw S3 PUT baseline, (b) heap per in-flight job
 * and poll lateness with 10,000 jobs in flight, (c) one 2 GiB transfer against raw download and upload baselines,
 * and, only when asked, (i) the live heap after many jobs with the job index bounded ({@code --phases=i}) and (s)
 * 1, 2 and 3 worker replicas in one group ({@code --phases=s}, {@link ScaleOut}). It measures and writes
 * {@code target/bench/results.{json,md,png}}; it asserts nothing about speed.
 *
 * <p>Options: {@code --phases=e,a,b,c}, {@code --jobs=2000}, {@code --steady} (also 20,000 jobs),
 * {@code --in-flight=10000}, {@code --hold=PT2M}, {@code --transfer-bytes=2147483648}, {@code --profile} (JFR on the
 * worker in (a) and (b)), {@code --worker-jvm="-Xmx1152m -Xms32m -XX:+UseParallelGC ..."} (the image's options and
 * the deployment's heap), {@code --startups=3}, {@code --warmup=3000} (jobs run through the worker of (a) before it is
 * measured), {@code --index-jobs=100000}, {@code --index-bound=10000} (phase i),
 * {@code --scale-replicas=1,2,3}, {@code --scale-jobs=20000}, {@code --scale-warmup=500}, {@code --scale-inflight}
 * (phase s), {@code --cds=train} (the workers' class-data archive: {@code train} makes it as the image does,
 * {@code keep} uses the one in {@code target/quarkus-app}, {@code none} starts without).
 */
public final class Benchmark {

    private static final String API_KEY = "sk-FAKE-bench-0000";
    static final int PARTITIONS = 3;
    /**
     * The worker's JVM unless {@code --worker-jvm} says otherwise (which replaces all of it, collector included): the
     * image's collector, the deployment's heap (the image's {@code MaxRAMPercentage=75} of the 1536 MiB memory limit
     * in {@code deploy/deployment.yaml}: 1152 MiB; {@code BenchHarnessTest} keeps them together; 512 MiB until
     * 2026-12-05 19:30), and a small initial heap as in the image (the JVM's default, 1/64 of the container's memory:
     * 24 MiB under that limit; 32 MiB is that of a 2 GiB container), and the image's other options (native heap
     * trimming, no extra young generation growth at start; {@code BenchHarnessTest} checks they are all here).
     */
    static final String DEFAULT_WORKER_JVM = "-Xmx1152m -Xms32m -XX:+UseParallelGC -XX:TrimNativeHeapInterval=1000 "
            + "-XX:YoungGenerationSizeSupplement=0";
    /** The heap pools of G1 ("G1 Eden Space", "G1 Old Gen") and of the parallel collector ("PS ..."). */
    static final int VIDEO_BYTES = 64 * 1024;
    private static final long MIB = 1024 * 1024;
    private static final Path OUT = Path.of("target", "bench").toAbsolutePath();
    private static final Path APP = Path.of("target", "quarkus-app").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final BenchResults results = new BenchResults();
    private final HttpClient http = HttpClient.newHttpClient();
    private KafkaBroker broker;
    private S3Server s3;
    private ChildProcess s3Process;
    private MinioClient minio;
    private ChildProcess simulator;

    private Benchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        // The broker runs in this JVM and logs through SLF4J: unconfigured, it built every DEBUG/TRACE line (each
        // request's description included) on the cores the measured processes share
        UnconfiguredLogging.infoAndAbove();
        Options options = Options.parse(args);
        if (!Files.isRegularFile(APP.resolve("quarkus-run.jar"))) {
            System.err.println("Missing " + APP.resolve("quarkus-run.jar") + ": run bench/run.sh (it packages first)");
            System.exit(2);
        }
        Benchmark bench = new Benchmark(options);
        int exit = 0;
        try {
            bench.run(String.join(" ", args));
        } catch (Exception e) {
            log("benchmark failed: %s", describe(e));
            exit = 1;
        } finally {
            bench.stopServers();
            bench.writeResults();
        }
        // OkHttp (MinIO) and Kafka client threads would keep the JVM up for a while
        System.exit(exit);
    }

    private void run(String args) throws Exception {
        recordContext(args);
        Files.createDirectories(OUT);
        deleteTree(OUT.resolve("s3"));
        long t0 = System.nanoTime();
        broker = KafkaBroker.start(OUT.resolve("kafka"), true);
        startS3Proxy();
        minio = MinioClient.builder().endpoint(s3.endpoint()).region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey()).build();
        startSimulator();
        prepareClassData();
        log("broker %s (in this JVM), S3Proxy pid %d on %s, simulator pid %d on %d: %d ms", broker.bootstrapServers(),
                s3Process.pid(), s3.endpoint(), simulator.pid(), simulator.port(), ms(System.nanoTime() - t0));

        // A phase that fails leaves its figures unmeasured; the others still run.
        for (String phase : options.phases) {
            try {
                switch (phase) {
                    case "e" -> startup();
                    case "a" -> throughput();
                    case "b" -> scale();
                    case "c" -> transfer();
                    case "i" -> indexMemory();
                    case "s" -> new ScaleOut(this, broker, options, results).run();
                    default -> throw new IllegalArgumentException("unknown phase " + phase);
                }
            } catch (Exception e) {
                log("phase %s failed: %s", phase, describe(e));
                results.detail(phase + ".error", String.valueOf(e));
            }
        }
    }

    /**
     * The class-data (AppCDS) archive every worker of this run starts with ({@code --cds}): by default made the way the
     * image makes its own ({@code src/main/docker/entrypoint.sh cds-archive}: one start of the worker without a broker,
     * with this run's worker JVM options), so the figures are those of the image.
     */
    private void prepareClassData() throws Exception {
        Path archive = APP.resolve("app-cds.jsa");
        switch (options.cds()) {
            case "none" -> Files.deleteIfExists(archive);
            case "keep" -> log("class-data archive kept as it is: %s", Files.isRegularFile(archive)
                    ? Files.size(archive) / MIB + " MiB" : "none");
            default -> {
                long t0 = System.nanoTime();
                Path logFile = OUT.resolve("logs").resolve("cds-archive.log");
                Files.createDirectories(logFile.getParent());
                ProcessBuilder builder = new ProcessBuilder("bash", "src/main/docker/entrypoint.sh", "cds-archive")
                        .redirectErrorStream(true).redirectOutput(logFile.toFile());
                Map<String, String> env = builder.environment();
                env.put("APP_DIR", APP.toString());
                env.put("JAVA_OPTS", String.join(" ", options.workerJvm()));
                env.put("PORT", String.valueOf(Ports.free()));
                env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", ""));
                Process process = builder.start();
                if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new IllegalStateException("entrypoint.sh cds-archive failed; see " + logFile);
                }
                log("class-data archive made by entrypoint.sh cds-archive: %d MiB in %d ms", Files.size(archive) / MIB,
                        ms(System.nanoTime() - t0));
            }
        }
        results.context("class_data_archive", Files.isRegularFile(archive)
                ? "target/quarkus-app/app-cds.jsa, " + Files.size(archive) / MIB + " MiB (--cds=" + options.cds() + ")"
                : "none (--cds=" + options.cds() + ")");
    }

    // ---- (e) start-up and idle RSS ----

    private void startup() throws Exception {
        List<Double> readySeconds = new ArrayList<>();
        List<Double> liveSeconds = new ArrayList<>();
        List<Double> cpuSeconds = new ArrayList<>();
        List<Double> rssMib = new ArrayList<>();
        for (int i = 1; i <= options.startups; i++) {
            Topics topics = Topics.create(broker, "bench-e" + i);
            try (ChildProcess worker = startWorker("worker-e" + i, topics, Map.of())) {
                // HTTP up first (where the JVM and Quarkus start ends), then ready (Kafka partitions, S3, provider)
                Duration live = worker.awaitHttp200("/q/health/live", null, Duration.ofMinutes(2));
                Duration ready = worker.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(2));
                long cpuAtReady = ProcStats.cpuMillis(worker.pid());
                if (i == 1) {
                    results.detail("e.cpu_ms_at_ready_by_thread", cpuPerJobByGroup(Map.of(),
                            ProcStats.cpuMillisByThreadGroup(worker.pid()), 1));
                }
                liveSeconds.add(live.toMillis() / 1000.0);
                cpuSeconds.add(cpuAtReady / 1000.0);
                // idle: ready, nothing to do, let start-up garbage and JIT settle as a replica waiting for work does
                Thread.sleep(10_000);
                long rss = ProcStats.rssBytes(worker.pid());
                readySeconds.add(ready.toMillis() / 1000.0);
                rssMib.add(rss / (double) MIB);
                log("(e) start %d: live after %d ms, ready after %d ms, idle RSS %.1f MiB", i, live.toMillis(),
                        ready.toMillis(), rss / (double) MIB);
            }
        }
        results.detail("e.ready_seconds_each", readySeconds);
        results.detail("e.live_seconds_each", liveSeconds);
        // CPU used by the time it was ready: close to 2 x the time to ready means both cores were busy all along
        results.detail("e.cpu_seconds_at_ready_each", cpuSeconds);
        results.detail("e.idle_rss_mib_each", rssMib);
        results.add("e.ready", "e", "start-up: process start → /q/health/ready UP (median of " + options.startups
                + ")", median(readySeconds), "s", 2.5, Goal.AT_MOST, "issue 15");
        results.add("e.idle_rss", "e", "idle RSS 10 s after ready (median)", median(rssMib), "MiB", 200.0,
                Goal.AT_MOST, options.workerJvm.isEmpty() ? "default heap settings" : String.join(" ",
                        options.workerJvm));
    }

    // ---- (a) throughput ----

    /** Jobs that take no time: the adaptive schedule is told so (expected duration 1 s, polls 0.2-1 s apart). */
    static final Map<String, String> FAST_JOB_SETTINGS = Map.of("worker.jobs.max-in-flight", "2000",
            "worker.poll.interval", "1s", "worker.poll.min-interval", "200ms", "worker.poll.max-interval", "1s",
            "worker.models.sora-2.expected-duration", "1s");
    /** Completed at once, 64 KiB of synthetic content. */
    static final String FAST_JOB_MARKER = transferMarker(VIDEO_BYTES);

    private void throughput() throws Exception {
        double putRate = rawPutRate();
        results.add("a.raw_put", "a", "raw 64 KiB PUT rate, the best of five ways (details: a.raw_put_each)", putRate,
                "PUT/s", null, null, "baseline, same S3Proxy process, same run");
        Map<String, String> settings = FAST_JOB_SETTINGS;
        JobRun run = runJobs("a", options.jobs, options.warmup, FAST_JOB_MARKER, VIDEO_BYTES, settings,
                options.profile);
        results.add("a.throughput", "a", options.jobs + " jobs end to end (first request sent → last completion read)",
                run.jobsPerSecond(), "jobs/s", null, null, "issue 15 judges the share of the raw PUT rate below");
        results.add("a.cpu", "a", "worker CPU (user+system) per job", run.cpuMsPerJob(), "ms", 2.0, Goal.AT_MOST,
                null);
        results.add("a.vs_put", "a", "end-to-end rate as a share of the raw PUT rate",
                100 * run.jobsPerSecond() / putRate, "%", 50.0, Goal.AT_LEAST, null);
        results.add("a.provider_calls", "a", "provider requests per job", run.providerCallsPerJob(), "requests",
                null, null, "by endpoint in details");
        results.add("a.kafka_records", "a", "Kafka records per job (committed, all output topics incl. video.jobs)",
                run.recordsPerJob(), "records", null, null, null);
        results.add("a.kafka_offsets", "a", "Kafka log offsets per job (records + transaction markers)",
                run.offsetsPerJob(), "offsets", null, null, null);
        results.add("a.latency_p50", "a", "job latency p50 (request sent → completion read)", run.latencyP50(), "s",
                null, null, null);
        results.add("a.latency_p99", "a", "job latency p99", run.latencyP99(), "s", null, null, null);
        results.detail("a.settings", settings);
        results.detail("a.run", run.details());
        if (options.steady) {
            JobRun steady = runJobs("a20k", 20_000, options.warmup, FAST_JOB_MARKER, VIDEO_BYTES, settings, false);
            results.add("a.steady_throughput", "a", "20,000 jobs end to end (steady state)", steady.jobsPerSecond(),
                    "jobs/s", 400.0, Goal.AT_LEAST, null);
            results.add("a.steady_cpu", "a", "worker CPU per job, 20,000 jobs", steady.cpuMsPerJob(), "ms", 2.0,
                    Goal.AT_MOST, null);
            results.detail("a20k.run", steady.details());
        }
    }

    /**
     * What S3 alone can take: 64 KiB PUTs straight to the same S3Proxy process, warmed up, five ways in one run — the
     * MinIO SDK's high-level {@code putObject} from 4 threads (the earlier baseline, which hashes every body twice),
     * then single SigV4-signed requests from the JDK HttpClient with the payload's SHA-256 computed once for all
     * ({@code hash-once}) or {@code UNSIGNED-PAYLOAD}, each from 4 and 16 threads. The highest rate is the baseline.
     */
    private double rawPutRate() throws Exception {
        String bucket = "bench-raw-put";
        ensureBucket(bucket);
        byte[] body = SyntheticContent.stream(VIDEO_BYTES).readAllBytes();
        String bodyHash = S3Put.sha256Hex(body);
        S3Put signer = new S3Put(URI.create(s3.endpoint()), s3.accessKey(), s3.secretKey(), "us-east-1");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, Map<String, Double>> each = new LinkedHashMap<>();
        double best = 0;
        String bestWay = null;
        record Way(String name, int threads, PutOne put) {
        }
        List<Way> ways = List.of(
                new Way("sdk-putObject", 4, key -> minio.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                        .data(body, body.length).contentType("video/mp4").build())),
                new Way("http-hash-once", 4, key -> signedPut(client, signer, bucket, key, body, bodyHash)),
                new Way("http-hash-once", 16, key -> signedPut(client, signer, bucket, key, body, bodyHash)),
                new Way("http-unsigned", 4, key -> signedPut(client, signer, bucket, key, body,
                        S3Put.UNSIGNED_PAYLOAD)),
                new Way("http-unsigned", 16, key -> signedPut(client, signer, bucket, key, body,
                        S3Put.UNSIGNED_PAYLOAD)));
        int warmup = 400;
        int timed = 4000;
        for (Way way : ways) {
            String label = way.name + "-" + way.threads + "t";
            ExecutorService pool = Executors.newFixedThreadPool(way.threads);
            try {
                putMany(pool, way.threads, way.put, label + "-warm", warmup);
                long s3CpuBefore = ProcStats.cpuMillis(s3Process.pid());
                long t0 = System.nanoTime();
                putMany(pool, way.threads, way.put, label, timed);
                double rate = timed / ((System.nanoTime() - t0) / 1e9);
                double s3CpuPerPut = (ProcStats.cpuMillis(s3Process.pid()) - s3CpuBefore) / (double) timed;
                each.put(label, Map.of("put_per_s", Math.round(rate * 10) / 10.0, "s3proxy_cpu_ms_per_put",
                        Math.round(s3CpuPerPut * 100) / 100.0));
                log("(a) raw PUT %s: %d x 64 KiB in %.2f s: %.0f PUT/s, S3Proxy %.2f ms CPU per PUT", label, timed,
                        timed / rate, rate, s3CpuPerPut);
                if (rate > best) {
                    best = rate;
                    bestWay = label;
                }
            } finally {
                pool.shutdownNow();
            }
        }
        results.detail("a.raw_put_each", each);
        results.detail("a.raw_put_best", bestWay);
        return best;
    }

    /** One PUT of the raw baseline, keyed by the object name. */
    @FunctionalInterface
    private interface PutOne {
        void put(String key) throws Exception;
    }

    private static void signedPut(HttpClient client, S3Put signer, String bucket, String key, byte[] body,
            String payloadHash) throws Exception {
        HttpResponse<Void> answer = client.send(signer.put(bucket, key, body, payloadHash, Instant.now()),
                HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() != 200) {
            throw new IOException("raw PUT " + key + ": HTTP " + answer.statusCode());
        }
    }

    private static void putMany(ExecutorService pool, int threads, PutOne put, String prefix, int count)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < count;) {
                    put.put(prefix + "/" + i + ".mp4");
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(10, TimeUnit.MINUTES);
        }
    }

    /**
     * Sends {@code count} requests to a fresh worker and reads their completions; measures time, worker CPU,
     * provider calls and Kafka records over exactly that span.
     */
    private JobRun runJobs(String name, int count, int warmup, String marker, long videoBytes,
            Map<String, String> settings, boolean profile) throws Exception {
        Topics topics = Topics.create(broker, "bench-" + name);
        try (ChildProcess worker = startWorker("worker-" + name, topics, settings);
                KafkaConsumer<String, String> completions = consumer()) {
            worker.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(2));
            assignFromBeginning(completions, List.of(topics.completed));
            String expectedSha = SyntheticContent.sha256(videoBytes);
            if (warmup > 0) {
                // The same jobs first, unmeasured: what is timed is the worker warmed up (JIT-compiled), as in any
                // service that has been running for a while. The cold figures are kept in the details.
                JobRun cold = sendAndAwait(worker, topics, completions, topics.prefix + "-warm", warmup, marker,
                        expectedSha);
                results.detail(name + ".warmup", cold.details());
                log("(%s) warm-up: %s", name, cold.details());
            }
            Thread.sleep(3000);
            Map<String, Integer> callsBefore = simulatorCalls();
            long offsetsBefore = endOffsets(topics.outputs());
            long recordsBefore = warmup > 0 ? countCommitted(topics.outputs()) : 0;
            long cpuBefore = ProcStats.cpuMillis(worker.pid());
            Map<String, Long> threadsBefore = ProcStats.cpuMillisByThreadGroup(worker.pid());
            Map<String, Long> processesBefore = processCpu(worker);
            if (profile) {
                worker.jcmd("JFR.start", "name=bench", "settings=" + jfrSettings(), "duration=60s",
                        "filename=" + OUT.resolve(name + ".jfr"));
            }
            Measured measured = sendAndReadCompletions(topics, completions, topics.prefix, count, marker,
                    expectedSha);
            long cpuAfter = ProcStats.cpuMillis(worker.pid());
            results.detail(name + ".cpu_ms_per_job_by_thread", cpuPerJobByGroup(threadsBefore,
                    ProcStats.cpuMillisByThreadGroup(worker.pid()), measured.seen));
            // every process shares the 2 cores: what each costs per job bounds the end-to-end rate
            Map<String, Double> byProcess = cpuPerJobByGroup(processesBefore, processCpu(worker), measured.seen);
            results.detail(name + ".cpu_ms_per_job_by_process", byProcess);
            log("(%s) CPU ms per job by process: %s", name, byProcess);
            Map<String, Integer> callsAfter = simulatorCalls();
            // the last completion committed; give the worker's last status writes a moment to land as well
            Thread.sleep(2000);
            long offsetsAfter = endOffsets(topics.outputs());
            long records = countCommitted(topics.outputs()) - recordsBefore;
            Map<String, Integer> calls = new LinkedHashMap<>();
            callsAfter.forEach((k, v) -> calls.put(k, v - callsBefore.getOrDefault(k, 0)));
            JobRun run = measured.run(cpuAfter - cpuBefore, calls, records, offsetsAfter - offsetsBefore);
            log("(%s) %s", name, run.details());
            if (profile) {
                results.detail(name + ".profile", profile(worker, name));
            }
            if (measured.seen < count) {
                throw new IllegalStateException("only " + measured.seen + " of " + count + " jobs completed; see "
                        + worker.log());
            }
            return run;
        }
    }

    /**
     * CPU milliseconds so far of each process of the run: the worker, S3Proxy, the simulator, and this JVM (the Kafka
     * broker and the harness's own producer and consumers).
     */
    private Map<String, Long> processCpu(ChildProcess worker) throws IOException {
        Map<String, Long> cpu = new LinkedHashMap<>();
        cpu.put("worker", ProcStats.cpuMillis(worker.pid()));
        cpu.put("s3proxy", ProcStats.cpuMillis(s3Process.pid()));
        cpu.put("simulator", ProcStats.cpuMillis(simulator.pid()));
        cpu.put("harness (broker, clients)", ProcStats.cpuMillis(ProcessHandle.current().pid()));
        return cpu;
    }

    /** Where CPU went during a run: ms per job by group (thread group or process), largest first. */
    static Map<String, Double> cpuPerJobByGroup(Map<String, Long> before, Map<String, Long> after, int jobs) {
        Map<String, Double> perJob = new LinkedHashMap<>();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> perJob.put(e.getKey(), Math.round(100.0 * e.getValue() / Math.max(1, jobs)) / 100.0));
        return perJob;
    }

    /** What one round of requests gave, before CPU, calls and records are added. */
    record Measured(int count, int seen, double seconds, double sendSeconds, List<Double> latencies,
            Map<String, Integer> outcomes, int wrongHash) {

        JobRun run(long cpuMillis, Map<String, Integer> calls, long records, long offsets) {
            return new JobRun(count, seen, seconds, sendSeconds, cpuMillis, calls, records, offsets, latencies,
                    outcomes, wrongHash);
        }
    }

    /** An unmeasured round (the warm-up): sends, waits for every completion, and fails when some never come. */
    private JobRun sendAndAwait(ChildProcess worker, Topics topics, KafkaConsumer<String, String> completions,
            String idPrefix, int count, String marker, String expectedSha) throws Exception {
        long cpuBefore = ProcStats.cpuMillis(worker.pid());
        Measured m = sendAndReadCompletions(topics, completions, idPrefix, count, marker, expectedSha);
        long cpuAfter = ProcStats.cpuMillis(worker.pid());
        if (m.seen < count) {
            throw new IllegalStateException("only " + m.seen + " of " + count + " warm-up jobs completed; see "
                    + worker.log());
        }
        return m.run(cpuAfter - cpuBefore, Map.of(), -1, -1);
    }

    /** Sends {@code count} requests with ids {@code idPrefix-i} and reads their completions (others are skipped). */
    Measured sendAndReadCompletions(Topics topics, KafkaConsumer<String, String> completions,
            String idPrefix, int count, String marker, String expectedSha) throws Exception {
        Map<String, Long> sentAt = new HashMap<>(count * 2);
        long first;
        try (KafkaProducer<String, String> producer = producer()) {
            first = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String id = idPrefix + "-" + i;
                sentAt.put(id, System.nanoTime());
                producer.send(new ProducerRecord<>(topics.requests, id, "{\"prompt\":\"bench job " + i + " "
                        + marker + "\",\"seconds\":\"4\"}"));
            }
            producer.flush();
        }
        long sendNanos = System.nanoTime() - first;
        Set<String> seen = new HashSet<>();
        List<Double> latencies = new ArrayList<>(count);
        Map<String, Integer> outcomes = new LinkedHashMap<>();
        int wrongHash = 0;
        long last = first;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(Math.max(5, count / 100));
        while (seen.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : completions.poll(Duration.ofMillis(200))) {
                long now = System.nanoTime();
                if (sentAt.containsKey(record.key()) && seen.add(record.key())) {
                    last = now;
                    Long sent = sentAt.get(record.key());
                    if (sent != null) {
                        latencies.add((now - sent) / 1e9);
                    }
                    JsonNode event = JSON.readTree(record.value());
                    outcomes.merge(event.path("outcome").asText(), 1, Integer::sum);
                    if (!expectedSha.equals(event.path("video").path("sha256").asText())) {
                        wrongHash++;
                    }
                }
            }
        }
        return new Measured(count, seen.size(), (last - first) / 1e9, sendNanos / 1e9, latencies, outcomes,
                wrongHash);
    }

    // ---- (b) scale: jobs in flight ----

    /** Phase (b)'s worker settings for {@code maxInFlight} jobs in flight. */
    static Map<String, String> inFlightSettings(int maxInFlight) {
        // The schedule pinned so the hold exercises the timers at a known rate: 1,000 polls/s in all (a poll every 10 s
        // per job for 10,000 jobs, every 50 s for 50,000), what the simulator sharing these 2 cores can answer.
        String every = Math.max(10, maxInFlight / 1000) + "s";
        return Map.of("worker.jobs.max-in-flight", String.valueOf(maxInFlight), "worker.poll.min-interval", every,
                "worker.poll.max-interval", every);
    }

    /** Long enough that none finishes while measured; 64 KiB if one ever does. */
    static String inFlightRequest(int i) {
        return "{\"prompt\":\"bench in-flight job " + i + " [simulate:duration=PT20M][simulate:content-bytes="
                + VIDEO_BYTES + "]\",\"seconds\":\"4\"}";
    }

    private void scale() throws Exception {
        int count = options.inFlight;
        Map<String, String> settings = inFlightSettings(count);
        Topics topics = Topics.create(broker, "bench-b");
        try (ChildProcess worker = startWorker("worker-b", topics, settings)) {
            worker.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(2));
            Thread.sleep(5000);
            double idleHeap = heapAfterGc(worker);
            double idleLive = liveHeap(worker, "b-idle");
            int createsBefore = simulatorCalls().getOrDefault("creates", 0);
            long t0 = System.nanoTime();
            try (KafkaProducer<String, String> producer = producer()) {
                for (int i = 0; i < count; i++) {
                    String id = topics.prefix + "-" + i;
                    producer.send(new ProducerRecord<>(topics.requests, id, inFlightRequest(i)));
                }
                producer.flush();
            }
            int created = awaitCreated(createsBefore, count);
            double rampSeconds = (System.nanoTime() - t0) / 1e9;
            long endedEarly = countCommitted(List.of(topics.completed));
            // A job that has not ended is held by the worker, generating or still being submitted.
            long inFlight = count - endedEarly;
            log("(b) %d of %d jobs created at the provider after %.1f s, %d ended early (failed); %d in flight; "
                    + "holding for %s", created, count, rampSeconds, endedEarly, inFlight, options.hold);
            if (inFlight <= 0) {
                throw new IllegalStateException("no job is in flight");
            }
            if (options.profile) {
                worker.jcmd("JFR.start", "name=bench", "settings=" + jfrSettings(), "duration=60s",
                        "filename=" + OUT.resolve("b.jfr"));
            }
            long cpuBefore = ProcStats.cpuMillis(worker.pid());
            Thread.sleep(options.hold.toMillis());
            long cpuHold = ProcStats.cpuMillis(worker.pid()) - cpuBefore;
            PrometheusText metrics = new PrometheusText(worker.get("/q/metrics", null));
            double loadedHeap = heapAfterGc(worker);
            double loadedLive = liveHeap(worker, "b-loaded");
            long endedAfterHold = countCommitted(List.of(topics.completed));
            long heldInFlight = count - endedAfterHold;
            double perJobKib = (loadedHeap - idleHeap) / heldInFlight / 1024;
            double livePerJobKib = (loadedLive - idleLive) / heldInFlight / 1024;
            double p50 = metrics.sum("worker_poll_lateness_seconds", Map.of("quantile", "0.5")).orElse(Double.NaN);
            double p99 = metrics.sum("worker_poll_lateness_seconds", Map.of("quantile", "0.99")).orElse(Double.NaN);
            double max = metrics.sum("worker_poll_lateness_seconds_max", Map.of()).orElse(Double.NaN);
            double polls = metrics.sum("worker_poll_lateness_seconds_count", Map.of()).orElse(Double.NaN);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("jobs_sent", count);
            details.put("jobs_created_at_provider", created);
            details.put("jobs_ended_before_hold", endedEarly);
            details.put("jobs_in_flight_after_hold", heldInFlight);
            details.put("provider_calls_since_start", simulatorCalls());
            details.put("ramp_seconds", rampSeconds);
            details.put("hold", options.hold.toString());
            details.put("idle_heap_after_gc_mib", idleHeap / MIB);
            details.put("loaded_heap_after_gc_mib", loadedHeap / MIB);
            details.put("idle_live_heap_mib", idleLive / MIB);
            details.put("loaded_live_heap_mib", loadedLive / MIB);
            details.put("polls_recorded", polls);
            details.put("lateness_max_seconds", max);
            details.put("worker_cpu_during_hold_percent_of_one_core", 100.0 * cpuHold / options.hold.toMillis());
            details.put("rss_mib", ProcStats.rssBytes(worker.pid()) / (double) MIB);
            details.put("settings", settings);
            results.detail("b.run", details);
            log("(b) %s, p50 %.3f s, p99 %.3f s", details, p50, p99);
            results.add("b.heap_per_job", "b", "heap per in-flight job, live objects ((loaded − idle class "
                    + "histogram total) / " + heldInFlight + " in flight of " + count + " sent)", livePerJobKib, "KiB",
                    2.0, Goal.AT_MOST, "judged on live objects since 2026-12-05 22:00; earlier runs read the heap "
                    + "used after GC (b.heap_used_per_job)");
            results.add("b.heap_used_per_job", "b", "heap used after GC per in-flight job ((loaded − idle heap used "
                    + "after two full GCs, read from /q/metrics) / " + heldInFlight + "; counts what is allocated "
                    + "before the reading)", perJobKib, "KiB", null, null, null);
            results.add("b.in_flight", "b", "jobs in flight during the hold (sent " + count + ")", heldInFlight,
                    "jobs", (double) count, Goal.AT_LEAST, endedEarly + " ended failed before the hold");
            results.add("b.lateness_p50", "b", "poll lateness p50 (fired − planned)", p50, "s", null, null,
                    "Micrometer, last ~2 min");
            results.add("b.lateness_p99", "b", "poll lateness p99", p99, "s", 1.0, Goal.AT_MOST,
                    "Micrometer, last ~2 min");
            if (options.profile) {
                results.detail("b.profile", profile(worker, "b"));
            }
            worker.stop(Duration.ofSeconds(30));
        }
    }

    /**
     * Waits until {@code count} jobs are created at the provider since {@code createsBefore}, or no more are for a
     * minute (a create whose answer is lost may end the job submission_unknown instead: it is counted, not waited
     * for); returns how many were.
     */
    int awaitCreated(int createsBefore, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        int created = 0;
        int plateauSeconds = 0;
        while (System.nanoTime() < deadline && created < count && plateauSeconds < 60) {
            Thread.sleep(1000);
            int now = simulatorCalls().getOrDefault("creates", 0) - createsBefore;
            plateauSeconds = now == created ? plateauSeconds + 1 : 0;
            created = now;
        }
        return created;
    }

    /** Two full GCs (the second catches what the first only made unreachable), then heap used from /q/metrics. */
    double heapAfterGc(ChildProcess worker) throws Exception {
        worker.jcmd("GC.run");
        worker.jcmd("GC.run");
        return new PrometheusText(worker.get("/q/metrics", null))
                .sum("jvm_memory_used_bytes", Map.of("area", "heap")).orElseThrow();
    }

    /**
     * The bytes of the objects the worker holds: a class histogram of live objects ({@code jcmd GC.class_histogram},
     * which makes a full collection first and counts only what is reachable), written to {@code target/bench/histo-
     * <label>.txt}. Unlike {@link #heapAfterGc} it does not count what the busy worker allocates between the
     * collection and the reading of the metric.
     */
    double liveHeap(ChildProcess worker, String label) throws Exception {
        String histogram = worker.jcmd("GC.class_histogram");
        Files.writeString(OUT.resolve("histo-" + label + ".txt"), histogram);
        return histogramTotalBytes(histogram);
    }

    /** The total bytes of a {@code GC.class_histogram}: its last line, {@code Total <instances> <bytes>}. */
    static long histogramTotalBytes(String histogram) {
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$").matcher(histogram);
        if (!total.find()) {
            throw new IllegalArgumentException("no Total line in the class histogram");
        }
        return Long.parseLong(total.group(1));
    }

    // ---- (i) the bounded job index ----

    /**
     * Live heap of a worker whose job index is bounded ({@code --index-bound}) after {@code --index-jobs} jobs through
     * the fast path (as in (a)): heap after GC before the first job and after the last, and the index's own gauges.
     */
    private void indexMemory() throws Exception {
        int count = options.indexJobs;
        Map<String, String> settings = Map.of("worker.jobs.max-in-flight", "2000", "worker.poll.interval", "1s",
                "worker.poll.min-interval", "200ms", "worker.poll.max-interval", "1s",
                "worker.models.sora-2.expected-duration", "1s",
                "worker.jobs.index-max-jobs", String.valueOf(options.indexBound));
        String marker = FAST_JOB_MARKER;
        Topics topics = Topics.create(broker, "bench-i");
        try (ChildProcess worker = startWorker("worker-i", topics, settings);
                KafkaConsumer<String, String> completions = consumer()) {
            worker.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(2));
            assignFromBeginning(completions, List.of(topics.completed));
            double idleHeap = heapAfterGc(worker);
            Measured measured = sendAndReadCompletions(topics, completions, topics.prefix, count, marker,
                    SyntheticContent.sha256(VIDEO_BYTES));
            double loadedHeap = heapAfterGc(worker);
            PrometheusText metrics = new PrometheusText(worker.get("/q/metrics", null));
            double held = metrics.sum("worker_jobs_index_held", Map.of()).orElse(-1);
            double evicted = metrics.sum("worker_jobs_index_evicted", Map.of()).orElse(-1);
            double indexBytes = metrics.sum("worker_jobs_index_bytes", Map.of()).orElse(-1);
            log("(i) %d jobs (%d completed) in %.1f s; heap after GC %.1f → %.1f MiB; index holds %.0f jobs (~%.1f MiB "
                    + "estimated), %.0f known by id", count, measured.seen, measured.seconds, idleHeap / MIB,
                    loadedHeap / MIB, held, indexBytes / MIB, evicted);
            results.add("i.heap_growth", "i", "live heap growth after " + count + " jobs, index bound "
                    + options.indexBound + " jobs (heap after GC, after − before)", (loadedHeap - idleHeap) / MIB,
                    "MiB", null, null, "same worker, same run");
            results.add("i.heap_per_job", "i", "live heap growth per job sent", (loadedHeap - idleHeap) / count,
                    "bytes", null, null, null);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("jobs", count);
            details.put("completed", measured.seen);
            details.put("index_bound", options.indexBound);
            details.put("idle_heap_after_gc_mib", idleHeap / MIB);
            details.put("loaded_heap_after_gc_mib", loadedHeap / MIB);
            details.put("index_held", held);
            details.put("index_known_by_id", evicted);
            details.put("index_estimated_mib", indexBytes / MIB);
            details.put("seconds", measured.seconds);
            results.detail("i.run", details);
            if (measured.seen < count) {
                throw new IllegalStateException("only " + measured.seen + " of " + count + " jobs completed; see "
                        + worker.log());
            }
        }
    }

    // ---- (c) one large transfer ----

    private void transfer() throws Exception {
        long bytes = options.transferBytes;
        long free = Files.getFileStore(OUT).getUsableSpace();
        long needed = 3 * bytes + 1024 * MIB;
        results.detail("c.disk_free_gib_before", free / (double) (1024 * MIB));
        if (free < needed) {
            log("(c) skipped: %d MiB free under %s, %d MiB needed", free / MIB, OUT, needed / MIB);
            results.detail("c.skipped", "not enough disk: " + free / MIB + " MiB free, " + needed / MIB + " needed");
            return;
        }
        String expectedSha = SyntheticContent.sha256(bytes);
        String marker = transferMarker(bytes);

        // Every leg moves an eighth of the bytes first, unmeasured, as (a) warms up: the harness's clients and the
        // worker's code are JIT-compiled before the timed transfer, as in a process that has run a while.
        long warm = Math.max(MIB, bytes / 8);
        rawDownload(warm);
        double downloadRate = rawDownload(bytes);
        rawUpload(warm);
        double uploadRate = rawUpload(bytes);
        log("(c) raw download %.0f MiB/s, raw upload %.0f MiB/s", downloadRate, uploadRate);

        Map<String, String> settings = Map.of("worker.poll.interval", "1s", "worker.poll.min-interval", "200ms",
                "worker.poll.max-interval", "1s", "worker.models.sora-2.expected-duration", "1s");
        Topics topics = Topics.create(broker, "bench-c");
        try (ChildProcess worker = startWorker("worker-c", topics, settings);
                KafkaConsumer<String, String> completions = consumer()) {
            worker.awaitHttp200("/q/health/ready", null, Duration.ofMinutes(2));
            WorkerJmx jmx = WorkerJmx.attach(worker.pid());
            assignFromBeginning(completions, List.of(topics.completed));
            if (transferJob(topics, completions, "bench-c-warm", transferMarker(warm)) == null) {
                throw new IllegalStateException("the warm-up job of (c) did not complete; see " + worker.log());
            }
            Thread.sleep(3000);
            // the same two full collections as heapAfterGc, over the connection the samplers use
            jmx.fullGc();
            jmx.fullGc();
            WorkerJmx.Heap base = jmx.heap();
            double baseHeap = base.used();
            double baseOld = base.old();
            HeapSampler sampler = new HeapSampler(jmx);
            Thread sampling = new Thread(sampler, "heap-sampler");
            sampling.start();
            LiveHeapSampler live = new LiveHeapSampler(jmx);
            Thread liveSampling = new Thread(live, "live-heap-sampler");
            liveSampling.start();
            long cpuBefore = ProcStats.cpuMillis(worker.pid());
            JsonNode completion;
            try {
                completion = transferJob(topics, completions, "bench-c-big", marker);
            } finally {
                sampler.stop();
                sampling.join();
                live.stop();
                liveSampling.join();
                jmx.close();
            }
            long cpu = ProcStats.cpuMillis(worker.pid()) - cpuBefore;
            if (completion == null) {
                throw new IllegalStateException("the 2 GiB job did not complete; see " + worker.log());
            }
            JsonNode timings = completion.path("timings");
            double storeSeconds = Duration.between(Instant.parse(timings.path("generatedAt").asText()),
                    Instant.parse(timings.path("storedAt").asText())).toMillis() / 1000.0;
            double workerRate = bytes / (double) MIB / storeSeconds;
            double slower = Math.min(downloadRate, uploadRate);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("bytes", bytes);
            details.put("outcome", completion.path("outcome").asText());
            details.put("sha256_matches", expectedSha.equals(completion.path("video").path("sha256").asText()));
            details.put("stored_bytes", completion.path("video").path("bytes").asLong());
            details.put("store_seconds", storeSeconds);
            details.put("raw_download_mib_s", downloadRate);
            details.put("raw_upload_mib_s", uploadRate);
            details.put("baseline_heap_after_gc_mib", baseHeap / MIB);
            details.put("peak_heap_used_mib", sampler.peakHeap / MIB);
            details.put("peak_old_gen_mib", sampler.peakOld / MIB);
            details.put("peak_heap_outside_eden_mib", sampler.peakOutsideEden / MIB);
            details.put("peak_live_heap_mib", live.peakLive / MIB);
            details.put("live_heap_samples", live.samples);
            details.put("heap_samples", sampler.samples);
            details.put("worker_cpu_ms", cpu);
            details.put("settings", settings);
            results.detail("c.run", details);
            log("(c) %s", details);
            results.add("c.heap_growth", "c", "worker peak heap growth during a " + bytes / MIB + " MiB transfer "
                    + "(heap used, sampled every 100 ms, minus heap after GC before)", (sampler.peakHeap - baseHeap)
                    / MIB, "MiB", 64.0, Goal.AT_MOST, "includes garbage not yet collected");
            results.add("c.live_growth", "c", "worker peak live-heap growth during the transfer (heap used right after "
                    + "a full GC forced every " + LiveHeapSampler.EVERY.toSeconds() + " s, minus the same before)",
                    (live.peakLive - baseHeap) / MIB, "MiB", 64.0, Goal.AT_MOST,
                    "what the transfer holds; " + live.samples + " samples");
            results.add("c.retained_growth", "c", "worker peak heap growth outside eden (survivors + old generation: "
                    + "what outlived a collection, minus heap after GC before)", (sampler.peakOutsideEden - baseHeap)
                    / MIB, "MiB", 64.0, Goal.AT_MOST, "fresh garbage excluded");
            results.add("c.old_growth", "c", "worker peak old-generation growth (retained, not garbage)",
                    (sampler.peakOld - baseOld) / MIB, "MiB", null, null, null);
            results.add("c.worker_rate", "c", "worker transfer rate (generated → stored)", workerRate, "MiB/s",
                    null, null, null);
            results.add("c.raw_download", "c", "raw download, JDK HttpClient to nowhere", downloadRate, "MiB/s",
                    null, null, null);
            results.add("c.raw_upload", "c", "raw upload, MinIO SDK from a temp file", uploadRate, "MiB/s", null,
                    null, null);
            results.add("c.vs_raw", "c", "worker rate as a share of the slower raw leg", 100 * workerRate / slower,
                    "%", 90.0, Goal.AT_LEAST, null);
            results.add("c.vs_raw_upload", "c", "worker rate against the sequential raw upload (parallel parts)",
                    workerRate / uploadRate, "×", 1.5, Goal.AT_LEAST, "issue 15 (c)");
            String bucket = completion.path("video").path("bucket").asText();
            minio.removeObject(RemoveObjectArgs.builder().bucket(bucket)
                    .object(completion.path("video").path("key").asText()).build());
        }
    }

    /** Samples the worker's heap every 100 ms while a transfer runs. */
    /** The prompt marker of a job the simulator completes at once with {@code bytes} of synthetic content. */
    static String transferMarker(long bytes) {
        return "[simulate:duration=PT0S][simulate:content-bytes=" + bytes + "]";
    }

    /** The simulator's content of {@code bytes} with the JDK HttpClient, thrown away: MiB/s. */
    private double rawDownload(long bytes) throws Exception {
        String videoId = createVideo("raw download " + transferMarker(bytes));
        long t0 = System.nanoTime();
        HttpResponse<Void> download = http.send(HttpRequest.newBuilder(simulator.uri("/v1/videos/" + videoId
                + "/content")).header("Authorization", "Bearer " + API_KEY).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (download.statusCode() != 200) {
            throw new IllegalStateException("raw download: HTTP " + download.statusCode());
        }
        return bytes / (double) MIB / seconds;
    }

    /** A temp file of {@code bytes} uploaded with the MinIO SDK in the worker's part size, then removed: MiB/s. */
    private double rawUpload(long bytes) throws Exception {
        Path tmp = OUT.resolve("tmp");
        Files.createDirectories(tmp);
        Path file = tmp.resolve("raw-upload.bin");
        try {
            try (InputStream in = SyntheticContent.stream(bytes)) {
                Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ensureBucket("bench-raw-upload");
            long t1 = System.nanoTime();
            minio.uploadObject(UploadObjectArgs.builder().bucket("bench-raw-upload").object("raw.bin")
                    .filename(file.toString(), 8 * MIB).contentType("video/mp4").build());
            double rate = bytes / (double) MIB / ((System.nanoTime() - t1) / 1e9);
            minio.removeObject(RemoveObjectArgs.builder().bucket("bench-raw-upload").object("raw.bin").build());
            return rate;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Sends one job with {@code marker} and waits up to 20 minutes for its completion (null if none came). */
    private JsonNode transferJob(Topics topics, KafkaConsumer<String, String> completions, String key, String marker)
            throws Exception {
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>(topics.requests, key, "{\"prompt\":\"bench big " + marker
                    + "\",\"seconds\":\"4\"}")).get(30, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : completions.poll(Duration.ofMillis(200))) {
                if (key.equals(record.key())) {
                    return JSON.readTree(record.value());
                }
            }
        }
        return null;
    }

    /** Heap used every 100 ms over JMX ({@link WorkerJmx}): the peak, the peak outside eden and the old generation's. */
    private static final class HeapSampler implements Runnable {
        private final WorkerJmx jmx;
        private final AtomicBoolean running = new AtomicBoolean(true);
        volatile double peakHeap;
        volatile double peakOld;
        /** Heap used minus eden: survivors and old generation, what outlived at least one collection. */
        volatile double peakOutsideEden;
        volatile int samples;

        HeapSampler(WorkerJmx jmx) {
            this.jmx = jmx;
        }

        void stop() {
            running.set(false);
        }

        @Override
        public void run() {
            while (running.get()) {
                long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
                try {
                    WorkerJmx.Heap heap = jmx.heap();
                    peakHeap = Math.max(peakHeap, heap.used());
                    peakOutsideEden = Math.max(peakOutsideEden, heap.used() - heap.eden());
                    peakOld = Math.max(peakOld, heap.old());
                    samples++;
                } catch (RuntimeException e) {
                    // a reading that failed under load (an UndeclaredThrowableException of the proxy): the next counts
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /**
     * Every {@link #EVERY} a full collection in the worker, then heap used: what the transfer holds, garbage not
     * counted. The pauses cost the transfer a little of its rate.
     */
    private static final class LiveHeapSampler implements Runnable {
        static final Duration EVERY = Duration.ofSeconds(5);
        private final WorkerJmx jmx;
        private final AtomicBoolean running = new AtomicBoolean(true);
        volatile double peakLive;
        volatile int samples;

        LiveHeapSampler(WorkerJmx jmx) {
            this.jmx = jmx;
        }

        void stop() {
            running.set(false);
        }

        @Override
        public void run() {
            while (running.get()) {
                try {
                    TimeUnit.MILLISECONDS.sleep(EVERY.toMillis());
                    if (!running.get()) {
                        return;
                    }
                    jmx.fullGc();
                    peakLive = Math.max(peakLive, jmx.heap().used());
                    samples++;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    // a call that failed under load: the next one counts
                }
            }
        }
    }

    /** Creates a video straight at the simulator (for the raw download) and returns its id. */
    private String createVideo(String prompt) throws Exception {
        String body = JSON.writeValueAsString(Map.of("prompt", prompt, "seconds", "4"));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(simulator.uri("/v1/videos"))
                .header("Authorization", "Bearer " + API_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("create at the simulator: HTTP " + response.statusCode() + " "
                    + response.body());
        }
        return JSON.readTree(response.body()).path("id").asText();
    }

    // ---- processes ----

    /** S3Proxy (filesystem store under target/bench/s3) in a JVM of its own, like the worker and the simulator. */
    private void startS3Proxy() throws Exception {
        int port = Ports.free();
        s3Process = ChildProcess.startJava("s3proxy", List.of("-Xmx1g", "-cp", System.getProperty("java.class.path")),
                List.of(S3ProxyMain.class.getName(), String.valueOf(port), OUT.resolve("s3").toString()), Map.of(),
                port, OUT.resolve("logs"));
        s3Process.awaitListening("/", Duration.ofMinutes(1));
        s3 = S3Server.attach("http://127.0.0.1:" + port, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
    }

    private void startSimulator() throws Exception {
        int port = Ports.free();
        String cp = String.join(":", APP.resolve("app") + "/*", APP.resolve("lib/boot") + "/*",
                APP.resolve("lib/main") + "/*");
        simulator = ChildProcess.startJava("simulator", List.of("-Xmx512m", "-Dsimulator.host=127.0.0.1",
                "-Dsimulator.port=" + port, "-Dsimulator.duration=PT1S", "-Dsimulator.expires-after=PT2H",
                "-cp", cp), List.of("dev.videoworker.simulator.SimulatorMain"), Map.of("SIMULATOR_API_KEY", API_KEY),
                port, OUT.resolve("logs"));
        simulator.awaitHttp200(SimulatorServer.STATS_PATH, API_KEY, Duration.ofMinutes(1));
    }

    /** The packaged worker on its own topics and group, pointed at this run's broker, S3 and simulator. */
    ChildProcess startWorker(String name, Topics topics, Map<String, String> settings) throws IOException {
        int port = Ports.free();
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("worker.topics.requests", topics.requests);
        config.put("worker.topics.jobs", topics.jobs);
        config.put("worker.topics.status", topics.status);
        config.put("worker.topics.completed", topics.completed);
        config.put("worker.topics.dlq", topics.dlq);
        config.put("worker.topics.partitions", String.valueOf(PARTITIONS));
        config.put("worker.jobs.transactional-id-prefix", topics.prefix);
        config.put("mp.messaging.incoming.video-requests.group.id", topics.prefix + "-workers");
        config.put("worker.storage.endpoint", s3.endpoint());
        config.put("worker.provider.base-url", "http://127.0.0.1:" + simulator.port());
        config.put("simulator.enabled", "false");
        config.put("quarkus.http.host", "127.0.0.1");
        config.put("quarkus.http.port", String.valueOf(port));
        config.putAll(settings);
        List<String> jvm = new ArrayList<>(options.workerJvm);
        if (Files.isRegularFile(APP.resolve("app-cds.jsa"))) {
            // The class-data archive of prepareClassData, as the image's entrypoint passes it.
            jvm.add("-XX:SharedArchiveFile=app-cds.jsa");
        }
        config.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
        Map<String, String> env = Map.of("S3_ACCESS_KEY", s3.accessKey(), "S3_SECRET_KEY", s3.secretKey(),
                "SORA_API_KEY", API_KEY);
        return ChildProcess.startJava(name, jvm, List.of("-jar", "quarkus-run.jar"), env, port,
                OUT.resolve("logs").toAbsolutePath(), APP.toAbsolutePath());
    }

    /** Calls per endpoint (and creates) the simulator counted since it started. */
    Map<String, Integer> simulatorCalls() throws Exception {
        JsonNode stats = JSON.readTree(simulator.get(SimulatorServer.STATS_PATH, API_KEY));
        Map<String, Integer> calls = new LinkedHashMap<>();
        stats.path("calls").fields().forEachRemaining(e -> calls.put(e.getKey(), e.getValue().asInt()));
        calls.put("creates", stats.path("creates").asInt());
        return calls;
    }

    /**
     * Execution samples only (every 10 ms): JFR's own "profile" settings more than doubled the worker's CPU per job in
     * (a), and even "default" added half; a profile that changes what it measures says little.
     */
    private static String jfrSettings() throws IOException {
        Path jfc = OUT.resolve("cpu-samples.jfc");
        Files.writeString(jfc, """
                <?xml version="1.0" encoding="UTF-8"?>
                <configuration version="2.0" label="cpu-samples" description="execution samples only">
                  <event name="jdk.ExecutionSample">
                    <setting name="enabled">true</setting>
                    <setting name="period">10 ms</setting>
                  </event>
                </configuration>
                """);
        return jfc.toString();
    }

    /** A short JFR profile of the worker: top frames by self time and the worker's own hottest frames. */
    private Map<String, Object> profile(ChildProcess worker, String name) throws Exception {
        Path jfr = OUT.resolve(name + ".jfr");
        try {
            worker.jcmd("JFR.stop", "name=bench", "filename=" + jfr);
        } catch (IOException e) {
            // a recording past its duration has already stopped and written its file
            if (!Files.isRegularFile(jfr)) {
                throw e;
            }
        }
        Process print = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jfr").toString(),
                "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", jfr.toString())
                .redirectErrorStream(true).start();
        String text = new String(print.getInputStream().readAllBytes());
        print.waitFor(2, TimeUnit.MINUTES);
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("file", jfr.toString());
        profile.put("samples", JfrTopFrames.sampleCount(text));
        profile.put("top_frames", JfrTopFrames.topFrames(text, 15));
        profile.put("top_own_frames", JfrTopFrames.topOwnFrames(text, 15));
        return profile;
    }

    // ---- Kafka ----

    /** The topics of one phase, created as an operator would (the job topic compacted, same partition count). */
    record Topics(String prefix, String requests, String jobs, String status, String completed, String dlq) {

        static Topics create(KafkaBroker broker, String name) {
            String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
            Topics t = new Topics(prefix, prefix + ".video.requests", prefix + ".video.jobs",
                    prefix + ".video.status", prefix + ".video.completed", prefix + ".video.requests.dlq");
            broker.createTopic(t.requests, PARTITIONS, Map.of());
            broker.createTopic(t.jobs, PARTITIONS,
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            broker.createTopic(t.status, PARTITIONS, Map.of());
            broker.createTopic(t.completed, PARTITIONS, Map.of());
            broker.createTopic(t.dlq, PARTITIONS, Map.of());
            return t;
        }

        List<String> outputs() {
            return List.of(jobs, status, completed, dlq);
        }
    }

    KafkaProducer<String, String> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    static void assignFromBeginning(KafkaConsumer<String, String> consumer, Collection<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topic, p));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Sum of the end offsets of every partition of {@code topics}: records and transaction markers written. */
    private long endOffsets(Collection<String> topics) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream()
                    .mapToLong(Long::longValue).sum();
        }
    }

    /** Committed data records in {@code topics} (a fresh phase's topics hold only that phase's records). */
    long countCommitted(Collection<String> topics) {
        try (KafkaConsumer<String, String> consumer = consumer()) {
            assignFromBeginning(consumer, topics);
            long count = 0;
            int emptyPolls = 0;
            while (emptyPolls < 10) {
                int n = consumer.poll(Duration.ofMillis(300)).count();
                count += n;
                emptyPolls = n == 0 ? emptyPolls + 1 : 0;
            }
            return count;
        }
    }

    // ---- S3, context, output ----

    private void ensureBucket(String bucket) throws Exception {
        if (!minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
    }

    private void recordContext(String args) throws IOException {
        results.context("command", "bench/run.sh" + (args.isEmpty() ? "" : " " + args));
        results.context("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        results.context("nproc", Runtime.getRuntime().availableProcessors());
        results.context("memory", firstLine(Path.of("/proc/meminfo"), "MemTotal:"));
        results.context("cpu", firstLine(Path.of("/proc/cpuinfo"), "model name"));
        results.context("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        results.context("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        results.context("worker_jvm_options", String.join(" ", options.workerJvm));
        results.context("processes", "Kafka broker in the harness JVM; S3Proxy (filesystem store), simulator and "
                + "worker as separate JVM processes (the worker: the packaged target/quarkus-app/quarkus-run.jar)");
    }

    private static String firstLine(Path file, String prefix) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
    }

    private void stopServers() {
        if (simulator != null) {
            simulator.close();
        }
        try {
            if (minio != null) {
                minio.close();
            }
        } catch (Exception e) {
            log("closing the MinIO client: %s", e);
        }
        if (s3Process != null) {
            s3Process.close();
        }
        if (broker != null) {
            broker.close();
        }
        // the S3 data (up to several GiB in (c)) is not worth keeping
        deleteTree(OUT.resolve("s3"));
        deleteTree(OUT.resolve("tmp"));
    }

    private void writeResults() {
        try {
            Path polling = OUT.resolve("polling.json");
            if (Files.isRegularFile(polling)) {
                results.polling(BenchResults.read(polling));
            }
            results.write(OUT);
            log("results: %s, %s, %s", OUT.resolve("results.json"), OUT.resolve("results.md"),
                    OUT.resolve("results.png"));
            System.out.println(results.toMarkdown());
        } catch (IOException e) {
            System.err.println("could not write the results: " + e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log("could not delete %s: %s", dir, e);
        }
    }

    /** The exception and where it came from, for the console. */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e));
        for (StackTraceElement frame : e.getStackTrace()) {
            text.append("\n    at ").append(frame);
        }
        if (e.getCause() != null && e.getCause() != e) {
            text.append("\ncaused by ").append(describe(e.getCause()));
        }
        return text.toString();
    }

    private static double median(List<Double> values) {
        return Percentiles.of(values.stream().mapToDouble(Double::doubleValue).toArray(), 50);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench %tT] " + format + "%n", prepend(Instant.now(), args));
    }

    private static Object[] prepend(Instant now, Object[] args) {
        Object[] all = new Object[args.length + 1];
        all[0] = java.util.Date.from(now);
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /** What one batch of jobs took. */
    record JobRun(int sent, int completed, double seconds, double sendSeconds, long cpuMs,
            Map<String, Integer> providerCalls, long committedRecords, long offsets, List<Double> latencies,
            Map<String, Integer> outcomes, int wrongHashes) {

        double jobsPerSecond() {
            return completed / seconds;
        }

        double cpuMsPerJob() {
            return cpuMs / (double) completed;
        }

        double providerCallsPerJob() {
            return providerCalls.entrySet().stream().filter(e -> !e.getKey().equals("creates"))
                    .mapToInt(Map.Entry::getValue).sum() / (double) completed;
        }

        double recordsPerJob() {
            return committedRecords / (double) completed;
        }

        double offsetsPerJob() {
            return offsets / (double) completed;
        }

        double latencyP50() {
            return Percentiles.of(latencies.stream().mapToDouble(Double::doubleValue).toArray(), 50);
        }

        double latencyP99() {
            return Percentiles.of(latencies.stream().mapToDouble(Double::doubleValue).toArray(), 99);
        }

        Map<String, Object> details() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("sent", sent);
            d.put("completed", completed);
            d.put("outcomes", outcomes);
            d.put("sha256_mismatches", wrongHashes);
            d.put("seconds", seconds);
            d.put("send_seconds", sendSeconds);
            d.put("jobs_per_second", jobsPerSecond());
            d.put("worker_cpu_ms", cpuMs);
            d.put("provider_calls", providerCalls);
            d.put("committed_records", committedRecords);
            d.put("log_offsets", offsets);
            d.put("latency_p50_s", latencyP50());
            d.put("latency_p99_s", latencyP99());
            return d;
        }
    }

    /** Command-line options; see the class comment. */
    record Options(List<String> phases, int jobs, boolean steady, int inFlight, Duration hold, long transferBytes,
            boolean profile, List<String> workerJvm, int startups, int warmup, int indexJobs, int indexBound,
            List<Integer> scaleReplicas, int scaleJobs, int scaleWarmup, int scaleInflight, String cds) {

        static Options parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--")) {
                    throw new IllegalArgumentException("unknown argument " + arg);
                }
                int eq = arg.indexOf('=');
                given.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
            }
            Set<String> known = Set.of("phases", "jobs", "steady", "in-flight", "hold", "transfer-bytes", "profile",
                    "worker-jvm", "startups", "warmup", "index-jobs", "index-bound", "scale-replicas", "scale-jobs",
                    "scale-warmup", "scale-inflight", "cds");
            for (String key : given.keySet()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key + "; known: " + known);
                }
            }
            String jvm = given.getOrDefault("worker-jvm", DEFAULT_WORKER_JVM);
            return new Options(List.of(given.getOrDefault("phases", "e,a,b,c").split(",")),
                    Integer.parseInt(given.getOrDefault("jobs", "2000")),
                    Boolean.parseBoolean(given.getOrDefault("steady", "false")),
                    Integer.parseInt(given.getOrDefault("in-flight", "10000")),
                    Duration.parse(given.getOrDefault("hold", "PT2M")),
                    Long.parseLong(given.getOrDefault("transfer-bytes", String.valueOf(2L * 1024 * MIB))),
                    Boolean.parseBoolean(given.getOrDefault("profile", "false")),
                    jvm.isBlank() ? List.of() : List.of(jvm.trim().split("\\s+")),
                    Integer.parseInt(given.getOrDefault("startups", "3")),
                    Integer.parseInt(given.getOrDefault("warmup", "3000")),
                    Integer.parseInt(given.getOrDefault("index-jobs", "100000")),
                    Integer.parseInt(given.getOrDefault("index-bound", "10000")),
                    Stream.of(given.getOrDefault("scale-replicas", "1,2,3").split(",")).filter(r -> !r.isBlank())
                            .map(Integer::valueOf).toList(),
                    Integer.parseInt(given.getOrDefault("scale-jobs", "20000")),
                    Integer.parseInt(given.getOrDefault("scale-warmup", "500")),
                    // --scale-inflight alone: 3,000 jobs; a number: that many; absent: not measured
                    Integer.parseInt(given.getOrDefault("scale-inflight", "0").replace("true", "3000")),
                    cds(given.getOrDefault("cds", "train")));
        }

        private static String cds(String value) {
            if (!Set.of("train", "keep", "none").contains(value)) {
                throw new IllegalArgumentException("--cds=" + value + ": train (make the archive as the image does), "
                        + "keep (use target/quarkus-app/app-cds.jsa as it is) or none (no archive)");
            }
            return value;
        }
    }
}
