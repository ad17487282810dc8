package dev.videoworker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** (c)'s heap readings over JMX, against a JVM of its own that holds a known amount of heap. */
class WorkerJmxTest {

    static final int HELD_MIB = 24;

    @Test
    void readsTheHeapPoolsOfAnotherJvmAfterAFullCollection(@TempDir Path logs) throws Exception {
        try (ChildProcess holder = ChildProcess.startJava("heap-holder", List.of("-Xmx128m", "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path")), List.of(Holder.class.getName()), Map.of(), 0, logs)) {
            // attach fails while the other JVM is still starting
            WorkerJmx attached = Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> WorkerJmx.attach(holder.pid()), Objects::nonNull);
            try (WorkerJmx jmx = attached) {
                jmx.fullGc();
                WorkerJmx.Heap heap = jmx.heap();
                // what a full collection leaves: the held arrays, in the old generation
                assertThat(heap.used()).isGreaterThanOrEqualTo(HELD_MIB * 1024L * 1024);
                assertThat(heap.old()).isGreaterThanOrEqualTo(HELD_MIB * 1024L * 1024);
                assertThat(heap.used()).isGreaterThanOrEqualTo(heap.old() + heap.eden());
                // and not much more: the held arrays, the classes' objects, the management agent's
                assertThat(heap.used()).isLessThan((HELD_MIB + 40) * 1024L * 1024);
            }
        }
    }

    /** Holds {@link #HELD_MIB} MiB of arrays and waits to be stopped. */
    public static final class Holder {
        static byte[][] held;

        public static void main(String[] args) throws InterruptedException {
            held = new byte[HELD_MIB][];
            for (int i = 0; i < HELD_MIB; i++) {
                held[i] = new byte[1024 * 1024];
            }
            new CountDownLatch(1).await();
        }
    }
}
