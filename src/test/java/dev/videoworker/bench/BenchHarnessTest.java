package dev.videoworker.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.bench.BenchResults.Goal;
import dev.videoworker.testing.ImageOptions;
import dev.videoworker.testing.S3Server;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;

/** The benchmark's pure parts (no servers, no timing): figures in, files out. */
class BenchHarnessTest {

    /** The harness runs the worker with the deployment's heap: the image's MaxRAMPercentage of the pod's limit. */
    @Test
    void theDefaultWorkerHeapIsTheDeploymentsHeap() throws Exception {
        Matcher limit = Pattern.compile("limits:\\s*\\n(?:\\s+cpu:.*\\n)?\\s+memory:\\s*(\\d+)Mi")
                .matcher(Files.readString(Path.of("deploy/deployment.yaml")));
        assertThat(limit.find()).as("the worker's memory limit in deploy/deployment.yaml").isTrue();
        Matcher percent = Pattern.compile("MaxRAMPercentage=([0-9.]+)")
                .matcher(Files.readString(Path.of("src/main/docker/Dockerfile.jvm")));
        assertThat(percent.find()).as("the image's MaxRAMPercentage").isTrue();
        long heapMib = Math.round(Long.parseLong(limit.group(1)) * Double.parseDouble(percent.group(1)) / 100);
        assertThat(Benchmark.DEFAULT_WORKER_JVM).startsWith("-Xmx" + heapMib + "m ").contains("-XX:+UseParallelGC");
    }

    /**
     * The harness runs the worker with the image's JVM options (collector, native heap trimming, young generation),
     * all but the two that only a container needs: the heap share (the harness gives the heap itself, above) and
     * exiting on an OutOfMemoryError.
     */
    @Test
    void theDefaultWorkerJvmHasTheImagesOptions() throws Exception {
        List<String> options = Stream.of(ImageOptions.javaOpts().trim().split("\\s+"))
                .filter(o -> !o.startsWith("-XX:MaxRAMPercentage=") && !o.equals("-XX:+ExitOnOutOfMemoryError"))
                .toList();
        assertThat(options).as("the image's options besides the heap share").hasSizeGreaterThan(1);
        assertThat(List.of(Benchmark.DEFAULT_WORKER_JVM.split(" "))).containsAll(options);
    }

    @Test
    void readsTheLiveBytesOfAClassHistogram() {
        String histogram = """
                12345:
                 num     #instances         #bytes  class name (module)
                -------------------------------------------------------
                   1:         79932        9961472  [B (java.base@17.0.15)
                   2:         62538        1500912  java.lang.String (java.base@17.0.15)
                Total        142470       11462384
                """;
        assertThat(Benchmark.histogramTotalBytes(histogram)).isEqualTo(11_462_384L);
        assertThatThrownBy(() -> Benchmark.histogramTotalBytes("12345:\ncom.sun.tools.attach failed"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void computesNearestRankPercentiles() {
        double[] samples = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
        assertThat(Percentiles.of(samples, 50)).isEqualTo(5);
        assertThat(Percentiles.of(samples, 99)).isEqualTo(10);
        assertThat(Percentiles.of(samples, 10)).isEqualTo(1);
        assertThat(Percentiles.of(new double[] {42}, 99)).isEqualTo(42);
        assertThat(Percentiles.of(new double[0], 50)).isNaN();
    }

    @Test
    void groupsThreadsByNameWithoutTheirNumbers() {
        assertThat(ProcStats.threadGroup("77 (vert.x-eventloo) S 1 2 3")).isEqualTo("vert.x-eventloo");
        assertThat(ProcStats.threadGroup("78 (C2 CompilerThre) S 1")).isEqualTo("C2 CompilerThre");
        assertThat(ProcStats.threadGroup("79 (executor-thread-12) S 1")).isEqualTo("executor-thread");
        assertThat(ProcStats.threadGroup("80 (GC Thread#1) S 1")).isEqualTo("GC Thread");
        assertThat(Benchmark.cpuPerJobByGroup(Map.of("a", 100L, "b", 10L), Map.of("a", 300L, "b", 10L, "c", 1000L),
                100)).containsExactly(Map.entry("c", 10.0), Map.entry("a", 2.0));
    }

    @Test
    void sumsCpuByThreadGroupOverReplicas() {
        Map<String, Long> summed = ScaleOut.sumByGroup(List.of(Map.of("C2 CompilerThre", 100L, "vert.x-eventloo", 40L),
                Map.of("vert.x-eventloo", 60L, "GC Thread", 5L), Map.of()));
        assertThat(summed).containsExactlyInAnyOrderEntriesOf(Map.of("C2 CompilerThre", 100L, "vert.x-eventloo",
                100L, "GC Thread", 5L));
        // replica 2's event loops used 60 - 10 ms, replica 1's 30 - 20; 2 jobs
        assertThat(Benchmark.cpuPerJobByGroup(ScaleOut.sumByGroup(List.of(Map.of("ev", 20L), Map.of("ev", 10L))),
                ScaleOut.sumByGroup(List.of(Map.of("ev", 30L), Map.of("ev", 60L))), 2))
                .containsExactly(Map.entry("ev", 30.0));
        assertThat(ScaleOut.sumByGroup(List.of())).isEmpty();
    }

    @Test
    void readsAReplicasShareOfTheGroupFromItsLog() {
        ScaleOut.ReplicaLog log = ScaleOut.ReplicaLog.parse(List.of(
                "INFO  [io.smallrye.reactive.messaging.kafka] (c-0) SRMSG18225: Executed consumer assigned re-balance "
                        + "listener for group 'g'",
                "INFO  [dev.videoworker.journal.JobJournal] (job-journal-open) owning partition 2 of the job journal "
                        + "(ownership 1)",
                "INFO  [dev.videoworker.journal.JobJournal] (job-journal-open) owning partition 0 of the job journal "
                        + "(ownership 2)",
                "INFO  [dev.videoworker.journal.JobJournal] (c-0) released partition 2 of the job journal",
                "INFO  [dev.videoworker.request.JobOwnership] (c-0) gave up partition 2 with 0 jobs",
                "INFO  [io.smallrye.reactive.messaging.kafka] (c-0) SRMSG18225: Executed consumer assigned re-balance "
                        + "listener for group 'g'"));
        assertThat(log.rebalances()).isEqualTo(2);
        assertThat(log.taken()).isEqualTo(2);
        assertThat(log.released()).isEqualTo(1);
        assertThat(log.owned()).containsExactly(0);
        ScaleOut.ReplicaLog later = new ScaleOut.ReplicaLog(3, 3, 1, Set.of(0, 1));
        assertThat(ScaleOut.rebalancesBetween(List.of(log), List.of(later))).containsExactly(Map.of("rebalances", 1,
                "partitions_taken", 1, "partitions_released", 0));
    }

    @Test
    void aGroupIsSettledOnceEveryReplicaServesItsMembersShareOfAllPartitions() {
        List<Set<Integer>> members = List.of(Set.of(0, 2), Set.of(1));
        assertThat(ScaleOut.settled(members, List.of(Set.of(1), Set.of(0, 2)), 3)).isTrue();
        // a replica still rebuilding partition 2 (assigned, journal not opened yet)
        assertThat(ScaleOut.settled(members, List.of(Set.of(1), Set.of(0)), 3)).isFalse();
        // the group not stable yet (no members described) or a replica not yet a member
        assertThat(ScaleOut.settled(List.of(), List.of(Set.of(0, 1, 2)), 3)).isFalse();
        assertThat(ScaleOut.settled(List.of(Set.of(0, 1, 2)), List.of(Set.of(0, 1, 2), Set.of()), 3)).isFalse();
        // a member with no partition while there are enough for all, a partition left out, one held twice
        assertThat(ScaleOut.settled(List.of(Set.of(0, 1, 2), Set.of()), List.of(Set.of(0, 1, 2), Set.of()), 3))
                .isFalse();
        assertThat(ScaleOut.settled(List.of(Set.of(0), Set.of(1)), List.of(Set.of(0), Set.of(1)), 3)).isFalse();
        assertThat(ScaleOut.settled(List.of(Set.of(0, 1), Set.of(1, 2)), List.of(Set.of(0, 1), Set.of(1, 2)), 3))
                .isFalse();
        // more replicas than partitions: the extra one holds none
        assertThat(ScaleOut.settled(List.of(Set.of(0), Set.of(1), Set.of()), List.of(Set.of(), Set.of(1),
                Set.of(0)), 2)).isTrue();
    }

    @Test
    void readsCpuTicksAndRssFromProc() {
        String stat = "1234 (java (worker)) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 42 0 100 0";
        assertThat(ProcStats.cpuTicks(stat)).isEqualTo(325);
        assertThat(ProcStats.vmRssBytes("Name:\tjava\nVmPeak:\t 999 kB\nVmRSS:\t  204800 kB\nThreads: 42\n"))
                .isEqualTo(204800L * 1024);
    }

    @Test
    void sumsPrometheusSamplesByLabels() {
        PrometheusText text = new PrometheusText("""
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 2.5E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 9.0E7
                worker_poll_lateness_seconds{quantile="0.99"} 0.012
                worker_poll_lateness_seconds_max 0.5
                """);
        assertThat(text.sum("jvm_memory_used_bytes", Map.of("area", "heap")).orElseThrow()).isEqualTo(3.5e7);
        assertThat(text.sum("jvm_memory_used_bytes", Map.of("area", "heap", "id", "G1 Old Gen")).orElseThrow())
                .isEqualTo(2.5e7);
        assertThat(text.sum("jvm_memory_used_bytes", Map.of("area", "heap", "id", "*Old Gen")).orElseThrow())
                .isEqualTo(2.5e7);
        assertThat(new PrometheusText("jvm_memory_used_bytes{area=\"heap\",id=\"PS Old Gen\"} 4.0E7\n")
                .sum("jvm_memory_used_bytes", Map.of("id", "*Old Gen")).orElseThrow()).isEqualTo(4.0e7);
        assertThat(text.sum("jvm_memory_used_bytes", Map.of("id", "*Old"))).as("a suffix, not a part").isEmpty();
        assertThat(text.sum("worker_poll_lateness_seconds", Map.of("quantile", "0.99")).orElseThrow())
                .isEqualTo(0.012);
        assertThat(text.sum("worker_poll_lateness_seconds_max", Map.of()).orElseThrow()).isEqualTo(0.5);
        assertThat(text.sum("missing_metric", Map.of())).isEmpty();
    }

    @Test
    void ranksJfrTopFrames() {
        String print = """
                jdk.ExecutionSample {
                  startTime = 10:00:00.000
                  stackTrace = [
                    java.util.HashMap.get(Object) line: 1
                    dev.videoworker.poll.Poller.pollOnce(JobState) line: 2
                  ]
                }
                jdk.ExecutionSample {
                  stackTrace = [
                    java.util.HashMap.get(Object) line: 1
                    ...
                  ]
                }
                jdk.ExecutionSample {
                  stackTrace = [
                    sun.nio.ch.EPoll.wait(int, long, int, int) line: 3
                  ]
                }
                """;
        assertThat(JfrTopFrames.sampleCount(print)).isEqualTo(3);
        assertThat(JfrTopFrames.topFrames(print, 1)).containsExactly(Map.entry("java.util.HashMap.get", 2 / 3.0));
        assertThat(JfrTopFrames.topOwnFrames(print, 5))
                .containsExactly(Map.entry("dev.videoworker.poll.Poller.pollOnce", 1 / 3.0));
    }

    @Test
    void writesJsonMarkdownAndChart(@TempDir Path dir) throws Exception {
        BenchResults results = new BenchResults();
        results.context("nproc", 2);
        results.add("a.throughput", "a", "jobs end to end", 120.5, "jobs/s", 400.0, Goal.AT_LEAST, null);
        results.add("a.cpu", "a", "CPU per job", 1.5, "ms", 2.0, Goal.AT_MOST, null);
        results.add("b.heap", "b", "heap per job", Double.NaN, "KiB", 2.0, Goal.AT_MOST, null);
        results.add("a.raw_put", "a", "raw PUT rate", 900, "PUT/s", null, null, "baseline");
        results.detail("a.run", Map.of("completed", 10));

        results.write(dir);

        JsonNode json = BenchResults.read(dir.resolve("results.json"));
        assertThat(json.path("context").path("nproc").asInt()).isEqualTo(2);
        assertThat(json.path("metrics")).hasSize(4);
        assertThat(json.path("metrics").get(0).path("met").asBoolean(true)).isFalse();
        assertThat(json.path("metrics").get(1).path("met").asBoolean()).isTrue();
        assertThat(json.path("metrics").get(2).path("value").isNull()).isTrue();
        assertThat(json.path("metrics").get(3).has("target")).isFalse();
        assertThat(json.path("polling").path("status").asText()).startsWith("not measured");
        assertThat(results.metrics().get(0).missBy()).isCloseTo(0.699, within(0.001));

        String md = Files.readString(dir.resolve("results.md"));
        assertThat(md).contains("| a | jobs end to end | 121 jobs/s | ≥ 400 jobs/s | **no** (short by 70 %) |")
                .contains("| a | CPU per job | 1.50 ms | ≤ 2 ms | yes |")
                .contains("not measured")
                .contains("| d | polling efficiency |");

        BufferedImage png = ImageIO.read(dir.resolve("results.png").toFile());
        assertThat(png.getWidth()).isGreaterThan(500);
        assertThat(png.getHeight()).isGreaterThan(100);
    }

    @Test
    void mergesPollingResultsWhenPresent(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("polling.json"), "{\"pollsPerJob\": 7.5}");
        BenchResults results = new BenchResults();
        results.polling(BenchResults.read(dir.resolve("polling.json")));
        results.write(dir);
        assertThat(BenchResults.read(dir.resolve("results.json")).path("polling").path("pollsPerJob").asDouble())
                .isEqualTo(7.5);
    }

    @Test
    void theRawBaselinesPutsAreAcceptedByS3ProxyAsSentAndAForgedOneIsNot() throws Exception {
        byte[] body = "sixty-four KiB stand-in".getBytes();
        try (S3Server s3 = S3Server.start()) {
            MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).region("us-east-1")
                    .credentials(s3.accessKey(), s3.secretKey()).build();
            minio.makeBucket(MakeBucketArgs.builder().bucket("raw").build());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            S3Put put = new S3Put(URI.create(s3.endpoint()), s3.accessKey(), s3.secretKey(), "us-east-1");

            for (String hash : new String[] {S3Put.UNSIGNED_PAYLOAD, S3Put.sha256Hex(body)}) {
                String key = "k/" + hash.length() + ".mp4";
                HttpResponse<String> answer = http.send(put.put("raw", key, body, hash, Instant.now()),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                try (var stored = minio.getObject(GetObjectArgs.builder().bucket("raw").object(key).build())) {
                    assertThat(stored.readAllBytes()).isEqualTo(body);
                }
            }
            S3Put forged = new S3Put(URI.create(s3.endpoint()), s3.accessKey(), "not-the-secret", "us-east-1");
            assertThat(http.send(forged.put("raw", "k/forged.mp4", body, S3Put.UNSIGNED_PAYLOAD, Instant.now()),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(403);
            minio.close();
        }
    }
}
