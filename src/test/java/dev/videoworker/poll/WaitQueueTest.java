package dev.videoworker.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/** The waits of many jobs on one timer (real Vert.x): order, the loop they run on, cancelling, what they keep. */
class WaitQueueTest {

    final Vertx vertx = Vertx.vertx();
    final WaitQueue queue = new WaitQueue(vertx);

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A wait that notes its name, the context it ran on and when. */
    static final class Noted extends WaitQueue.Wait {
        final String name;
        final List<String> ran;
        final Map<String, Context> contexts;
        volatile long ranAt;
        volatile boolean dropped;

        Noted(String name, long delayMillis, List<String> ran, Map<String, Context> contexts) {
            super(System.nanoTime() + delayMillis * 1_000_000);
            this.name = name;
            this.ran = ran;
            this.contexts = contexts;
        }

        @Override
        void run(long lateNanos) {
            ranAt = System.nanoTime();
            contexts.put(name, Vertx.currentContext());
            ran.add(name);
        }

        @Override
        void cancelled() {
            dropped = true;
        }
    }

    @Test
    void waitsRunInTheOrderOfTheirTimesNotBeforeThemAndAnEarlierOneAddedLaterIsNotHeldBack() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        Map<String, Context> contexts = new ConcurrentHashMap<>();
        Noted late = new Noted("late", 60_000, ran, contexts);
        queue.add(late);
        Noted c = new Noted("c", 300, ran, contexts);
        Noted a = new Noted("a", 100, ran, contexts);
        Noted b = new Noted("b", 200, ran, contexts);
        queue.add(c);
        queue.add(a);
        queue.add(b);

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 3);
        assertThat(ran).containsExactly("a", "b", "c");
        for (Noted n : List.of(a, b, c)) {
            assertThat(n.ranAt - n.due).as(n.name + " started at or after its time").isGreaterThanOrEqualTo(0);
        }
        assertThat(queue.size()).as("the one-minute wait still waits").isEqualTo(1);
        assertThat(queue.cancel(late)).isTrue();
        assertThat(late.dropped).isTrue();
    }

    @Test
    void eachWaitRunsOnAFreshDuplicateOfTheEventLoopItWasAddedFrom() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        Map<String, Context> contexts = new ConcurrentHashMap<>();
        ContextInternal one = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        ContextInternal two = (ContextInternal) vertx.getOrCreateContext();
        while (two.nettyEventLoop() == one.nettyEventLoop()) {
            two = (ContextInternal) ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
        }
        CountDownLatch added = new CountDownLatch(2);
        one.runOnContext(v -> {
            Vertx.currentContext().putLocal("job", "job-1");
            queue.add(new Noted("one", 20, ran, contexts));
            added.countDown();
        });
        two.runOnContext(v -> {
            queue.add(new Noted("two", 10, ran, contexts));
            added.countDown();
        });
        assertThat(added.await(10, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
        ContextInternal ranOne = (ContextInternal) contexts.get("one");
        ContextInternal ranTwo = (ContextInternal) contexts.get("two");
        assertThat(ranOne.isDuplicate()).isTrue();
        assertThat(ranOne).isNotSameAs(one);
        assertThat(ranOne.nettyEventLoop()).isSameAs(one.nettyEventLoop());
        assertThat(ranOne.<Object>getLocal("job")).as("the adding step's local data").isNull();
        assertThat(ranTwo.nettyEventLoop()).isSameAs(two.nettyEventLoop());
    }

    @Test
    void aCancelledWaitNeverRunsAndAWaitThatRanCannotBeCancelled() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        Map<String, Context> contexts = new ConcurrentHashMap<>();
        Noted cancelled = new Noted("cancelled", 2_000, ran, contexts);
        Noted after = new Noted("after", 2_500, ran, contexts);
        queue.add(cancelled);
        queue.add(after);
        assertThat(queue.cancel(cancelled)).isTrue();
        assertThat(queue.cancel(cancelled)).as("a second cancel").isFalse();
        assertThat(cancelled.dropped).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains("after"));
        assertThat(ran).containsExactly("after");
        assertThat(queue.cancel(after)).as("cancelling a wait that ran").isFalse();
        assertThat(after.dropped).isFalse();
        assertThat(queue.size()).isZero();
    }

    @Test
    void manyWaitsAddedFromManyThreadsAllRunOnce() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        Map<String, Context> contexts = new ConcurrentHashMap<>();
        int perThread = 500;
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int offset = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    queue.add(new Noted(offset + "-" + i, (i * 7L + offset) % 200, ran, contexts));
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ran.size() >= threads.length * perThread);
        assertThat(ran).doesNotHaveDuplicates().hasSize(threads.length * perThread);
        assertThat(queue.size()).isZero();
    }

    @Test
    void aWaitingWaitDoesNotKeepTheContextThatAddedIt() throws Exception {
        AtomicReference<Noted> wait = new AtomicReference<>();
        WeakReference<Context> step = addFromAStep(wait);
        await().atMost(Duration.ofSeconds(10)).until(() -> wait.get() != null);

        await("the adding step's context collected while the wait waits").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    System.gc();
                    return step.get() == null;
                });
        assertThat(queue.cancel(wait.get())).as("still waiting").isTrue();
    }

    private WeakReference<Context> addFromAStep(AtomicReference<Noted> wait) {
        ContextInternal step = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        step.runOnContext(v -> {
            Vertx.currentContext().putLocal("job", new byte[64 * 1024]);
            Noted noted = new Noted("minute", 60_000, new CopyOnWriteArrayList<>(), new ConcurrentHashMap<>());
            queue.add(noted);
            wait.set(noted);
        });
        return new WeakReference<>(step);
    }

    @Test
    void aPollWaitsAtLeastAMillisecondAndAtMostADayWhateverTheProviderAsked() {
        assertThat(Poller.waitMillis(Duration.ZERO)).isEqualTo(1);
        assertThat(Poller.waitMillis(Duration.ofMillis(-5))).isEqualTo(1);
        assertThat(Poller.waitMillis(Duration.ofSeconds(30))).isEqualTo(30_000);
        assertThat(Poller.waitMillis(Duration.ofDays(3))).isEqualTo(Duration.ofDays(1).toMillis());
        // a Retry-After of 2^63 - 1 seconds: Duration.toMillis() would overflow and end the job's chain of polls
        assertThat(Poller.waitMillis(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Duration.ofDays(1).toMillis());
    }
}
