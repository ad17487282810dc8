package dev.videoworker.config;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

import dev.videoworker.log.LogText;
import io.quarkus.logging.Log;

/**
 * A daemon thread of its own that reads with a plain {@link KafkaConsumer} (one outside the group, made by the body
 * itself) until stopped: the body runs, and when it fails it is logged and run again after {@code retry}, with a new
 * consumer, as often as it takes. {@link #stop()} wakes the consumer in use, ends a wait and joins the thread; it
 * interrupts the thread only if it has not ended after 5 s, so a consumer closing after its wakeup is not cut short
 * (an interrupted close logs "Failed to close fetcher ... InterruptException" as an error on every stop).
 * The body registers its consumer with {@link #use} and loops while {@link #running()}.
 */
public final class ConsumerThread {

    private static final long JOIN_MILLIS = 5_000;

    private final String name;
    private final String reading;
    private final Duration retry;
    private final Runnable body;
    private final AtomicBoolean running = new AtomicBoolean();
    /** Counted down by {@link #stop()}: ends the wait before a retry. */
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile KafkaConsumer<?, ?> consumer;
    private Thread thread;

    /**
     * {@code name}: the thread's; {@code reading}: what it reads, for the log line of a failure ("the fleet view
     * following video.jobs").
     */
    public ConsumerThread(String name, String reading, Duration retry, Runnable body) {
        this.name = name;
        this.reading = reading;
        this.retry = retry;
        this.body = body;
    }

    /** Starts the thread, once; not again after {@link #stop()}. */
    public synchronized void start() {
        if (stopping.getCount() == 0 || !running.compareAndSet(false, true)) {
            return;
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    public boolean running() {
        return running.get();
    }

    /**
     * False only when the thread was started, not stopped, and has ended anyway: an {@link Error} (the body's
     * {@link RuntimeException}s are retried) killed it, and nothing reads any more.
     */
    public boolean alive() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return !running.get() || t == null || t.isAlive();
    }

    /**
     * The consumer the body reads with now ({@code null} once closed), for {@link #stop()} to wake. Returns whether
     * the body should go on: a stop that came before the consumer was registered could not wake it.
     */
    public boolean use(KafkaConsumer<?, ?> current) {
        consumer = current;
        return running.get();
    }

    /**
     * Stops the thread: wakes its consumer, ends a wait before a retry, and waits up to 5 s for it to end (its
     * consumer's close included); only then interrupts it (a body blocked elsewhere) and waits a second more.
     */
    public void stop() {
        running.set(false);
        stopping.countDown();
        KafkaConsumer<?, ?> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(JOIN_MILLIS);
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(1_000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            loop();
        } catch (Error e) {
            Log.errorf("%s stopped for good (%s: %s): nothing reads until the worker restarts", reading,
                    e.getClass().getSimpleName(), LogText.safe(e.getMessage()));
            throw e;
        }
    }

    private void loop() {
        while (running.get()) {
            try {
                body.run();
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                consumer = null; // closed by now: nothing for a stop to wake while this waits
                if (!running.get()) {
                    return;
                }
                Log.warnf("%s stopped (%s: %s); starting again in %s", reading, e.getClass().getSimpleName(),
                        LogText.safe(e.getMessage()), retry);
                try {
                    if (stopping.await(retry.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                consumer = null;
            }
        }
    }
}
