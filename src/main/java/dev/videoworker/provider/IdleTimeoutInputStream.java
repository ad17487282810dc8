package dev.videoworker.provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A download body that fails when no byte arrives for a while. The JDK client's request timeout ends at the response
 * headers; without this, a provider that stops sending mid-body would hold an upload (and its thread) forever.
 * One shared daemon thread checks all open streams each second and closes the stalled ones, which makes their
 * blocked {@code read} fail.
 */
final class IdleTimeoutInputStream extends FilterInputStream {

    private static final Set<IdleTimeoutInputStream> OPEN = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "content-idle-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.scheduleWithFixedDelay(IdleTimeoutInputStream::closeStalled, 1, 1, TimeUnit.SECONDS);
    }

    private final long idleNanos;
    private final String what;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    IdleTimeoutInputStream(InputStream in, Duration idle, String what) {
        super(in);
        this.idleNanos = idle.toNanos();
        this.what = what;
        OPEN.add(this);
    }

    private static void closeStalled() {
        long now = System.nanoTime();
        for (IdleTimeoutInputStream s : OPEN) {
            if (now - s.lastProgress > s.idleNanos) {
                s.stalled = true;
                OPEN.remove(s);
                try {
                    s.in.close();
                } catch (IOException | RuntimeException e) {
                    // closing is all we can do; the blocked read fails either way
                }
            }
        }
    }

    @Override
    public int read() throws IOException {
        int b = guarded(() -> super.read());
        lastProgress = System.nanoTime();
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = guarded(() -> super.read(b, off, len));
        lastProgress = System.nanoTime();
        return n;
    }

    private int guarded(IoRead read) throws IOException {
        try {
            int n = read.run();
            if (stalled) {
                throw stalledException();
            }
            return n;
        } catch (IOException e) {
            if (stalled) {
                throw stalledException();
            }
            throw e;
        }
    }

    private IOException stalledException() {
        return new IOException("the provider sent no data for " + Duration.ofNanos(idleNanos).toSeconds()
                + " s while streaming " + what);
    }

    @Override
    public void close() throws IOException {
        OPEN.remove(this);
        super.close();
    }

    @FunctionalInterface
    private interface IoRead {
        int run() throws IOException;
    }
}
