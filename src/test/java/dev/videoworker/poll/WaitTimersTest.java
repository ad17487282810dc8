package dev.videoworker.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;

/**
 * A job's wait timer keeps nothing of the step that set it: the step's duplicated context (and what it carries) can be
 * collected while the timer waits, and the handler runs on a fresh duplicated context of the same event loop.
 */
class WaitTimersTest {

    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void theHandlerRunsOnAFreshDuplicatedContextOfTheSameEventLoop() throws Exception {
        ContextInternal step = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        AtomicReference<Context> ranOn = new AtomicReference<>();
        AtomicReference<Object> sawLocal = new AtomicReference<>("unset");
        step.runOnContext(v -> {
            Vertx.currentContext().putLocal("job", "job-1");
            WaitTimers.set(vertx, 5, id -> {
                sawLocal.set(Vertx.currentContext().getLocal("job"));
                ranOn.set(Vertx.currentContext());
            });
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.get() != null);
        ContextInternal context = (ContextInternal) ranOn.get();
        assertThat(context.isDuplicate()).isTrue();
        assertThat(context).isNotSameAs(step);
        assertThat(context.unwrap()).isSameAs(step.unwrap());
        assertThat(sawLocal.get()).as("the setting step's local data").isNull();
    }

    @Test
    void aWaitingTimerDoesNotKeepTheContextThatSetIt() throws Exception {
        CompletableFuture<Long> timer = new CompletableFuture<>();
        WeakReference<Context> step = setFromAStep(timer);
        long id = timer.get(10, TimeUnit.SECONDS);

        await("the setting step's context collected while the timer waits").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    System.gc();
                    return step.get() == null;
                });
        assertThat(vertx.cancelTimer(id)).as("the timer was still waiting").isTrue();
    }

    /** Sets a one-minute timer from a duplicated context holding some data; only a weak reference to it is kept. */
    private WeakReference<Context> setFromAStep(CompletableFuture<Long> timer) {
        ContextInternal step = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
        step.runOnContext(v -> {
            Vertx.currentContext().putLocal("job", new byte[64 * 1024]);
            timer.complete(WaitTimers.set(vertx, 60_000, t -> {
            }));
        });
        return new WeakReference<>(step);
    }
}
