package dev.videoworker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The reading thread shared by the fleet view and the cancel scanner: restarts after failures, stops when told. */
class ConsumerThreadTest {

    /** A consumer whose poll never returns anything: nothing listens on port 1. */
    private static KafkaConsumer<String, String> unreachable() {
        KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000,
                ConsumerConfig.CLIENT_ID_CONFIG, "consumer-thread-test"),
                new StringDeserializer(), new StringDeserializer());
        c.assign(List.of(new TopicPartition("nowhere", 0)));
        return c;
    }

    @Test
    void aBodyThatFailsRunsAgainAfterTheRetryAndAStopWakesTheConsumerItReadsWith() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch polling = new CountDownLatch(1);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        AtomicReference<ConsumerThread> self = new AtomicReference<>();
        ConsumerThread thread = new ConsumerThread("consumer-thread-test", "the test reading nowhere",
                Duration.ofMillis(50), () -> {
                    if (runs.incrementAndGet() < 3) {
                        throw new IllegalStateException("run " + runs.get() + " fails");
                    }
                    try (KafkaConsumer<String, String> c = unreachable()) {
                        if (!self.get().use(c)) {
                            return;
                        }
                        polling.countDown();
                        while (true) {
                            // only the stop's wakeup (or interrupt) can end this
                            c.poll(Duration.ofMinutes(5));
                        }
                    } catch (RuntimeException e) {
                        ended.set(e);
                        throw e;
                    }
                });
        self.set(thread);
        thread.start();
        thread.start(); // once only

        assertThat(polling.await(30, TimeUnit.SECONDS)).as("the third run polling").isTrue();
        assertThat(runs).hasValue(3);

        thread.stop();

        assertThat(ended.get()).as("how the polling run ended")
                .isInstanceOfAny(WakeupException.class, InterruptException.class);
        assertThat(thread.running()).isFalse();
        assertThat(runs).as("no run after the stop").hasValue(3);
    }

    @Test
    void aThreadKilledByAnErrorIsNoLongerAliveAndAStoppedOneIs() {
        ConsumerThread dies = new ConsumerThread("consumer-thread-test", "the test reading nowhere",
                Duration.ofMillis(50), () -> {
                    throw new AssertionError("not a RuntimeException: not retried");
                });
        assertThat(dies.alive()).as("before the start").isTrue();
        dies.start();
        // the Error ends up in the thread's uncaught-exception handler; Awaitility would rethrow it here by default
        await("the thread killed by an Error").dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10))
                .until(() -> !dies.alive());
        dies.stop();
        assertThat(dies.alive()).as("once stopped").isTrue();
        dies.start();
        assertThat(dies.running()).as("started again after the stop").isFalse();
    }

    @Test
    void aStopBeforeTheBodyRegistersItsConsumerEndsTheBodyAnyway() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch registered = new CountDownLatch(1);
        AtomicReference<Boolean> goOn = new AtomicReference<>();
        AtomicReference<ConsumerThread> self = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        ConsumerThread thread = new ConsumerThread("consumer-thread-test", "the test reading nowhere",
                Duration.ofMillis(50), () -> {
                    entered.countDown();
                    try {
                        stopped.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    try (KafkaConsumer<String, String> c = unreachable()) {
                        goOn.set(self.get().use(c));
                        registered.countDown();
                    }
                });
        self.set(thread);
        thread.start();
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the body running").isTrue();
        Thread stopper = new Thread(thread::stop); // stop() waits for the body, which waits for this test
        stopper.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !thread.running());
        stopped.countDown();

        await("the body registering its consumer").atMost(Duration.ofSeconds(10))
                .until(() -> registered.getCount() == 0);
        assertThat(goOn.get()).as("whether the body is told to go on after the stop").isFalse();
        stopper.join(10_000);
    }

    @Test
    void aStopLetsTheBodyCloseItsConsumerWithoutBeingInterrupted() throws Exception {
        CountDownLatch polling = new CountDownLatch(1);
        AtomicReference<Boolean> interruptedWhileClosing = new AtomicReference<>();
        AtomicReference<ConsumerThread> self = new AtomicReference<>();
        ConsumerThread thread = new ConsumerThread("consumer-thread-test", "the test reading nowhere",
                Duration.ofMillis(50), () -> {
                    try (KafkaConsumer<String, String> c = unreachable()) {
                        if (!self.get().use(c)) {
                            return;
                        }
                        polling.countDown();
                        c.poll(Duration.ofMinutes(5));
                    } finally {
                        // what closing takes after the wakeup (a consumer leaving its fetches): an interrupt cut it
                        try {
                            Thread.sleep(300);
                            interruptedWhileClosing.set(false);
                        } catch (InterruptedException e) {
                            interruptedWhileClosing.set(true);
                        }
                    }
                });
        self.set(thread);
        thread.start();
        assertThat(polling.await(30, TimeUnit.SECONDS)).isTrue();
        thread.stop();
        assertThat(interruptedWhileClosing.get()).as("interrupted while closing after the wakeup").isFalse();
    }
}
