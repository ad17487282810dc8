package dev.videoworker.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class OnFirstUseTest {

    @Test
    void makesNothingUntilAskedThenTheSameValueForEveryone() {
        AtomicInteger made = new AtomicInteger();
        OnFirstUse<Object> value = OnFirstUse.of(() -> {
            made.incrementAndGet();
            return new Object();
        });
        assertThat(made).hasValue(0);
        assertThat(value.made()).isFalse();

        Object first = value.get();
        assertThat(value.get()).isSameAs(first);
        assertThat(made).hasValue(1);
        assertThat(value.made()).isTrue();
    }

    @Test
    void callersAskingAtOnceGetOneValueMadeOnce() throws Exception {
        AtomicInteger made = new AtomicInteger();
        OnFirstUse<Object> value = OnFirstUse.of(() -> {
            made.incrementAndGet();
            return new Object();
        });
        int callers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Object>> got = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    return value.get();
                }));
            }
            start.countDown();
            Object first = got.get(0).get(10, TimeUnit.SECONDS);
            for (Future<Object> f : got) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(made).hasValue(1);
    }

    @Test
    void aFailureIsThrownToTheCallerAndTheNextCallTriesAgain() {
        AtomicInteger calls = new AtomicInteger();
        OnFirstUse<String> value = OnFirstUse.of(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("no TLS provider");
            }
            return "client";
        });
        assertThatThrownBy(value::get).isInstanceOf(IllegalStateException.class).hasMessage("no TLS provider");
        assertThat(value.made()).isFalse();
        assertThat(value.get()).isEqualTo("client");
    }
}
