package dev.videoworker.simulator;

import java.time.Duration;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Sends a file as a slow or broken provider does: in equal chunks on a timer, so the whole download takes about a
 * given time (tests stop a worker while it is surely in the middle of an upload), and optionally breaking off after
 * some bytes (a truncated body). Non-blocking, and it holds one chunk at a time whatever the file's size.
 */
final class SlowFileSender {

    /** One chunk per tick: fine-grained enough that a download is visibly in progress at any instant. */
    private static final long TICK_MS = 100;
    /** Chunk size when there is no time to spread the file over. */
    private static final int FAST_CHUNK = 64 * 1024;

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final AsyncFile file;
    private final long size;
    private final int chunk;
    private final long tickMs;
    private final long cutAt;
    private final Promise<Void> done = Promise.promise();
    private long position;

    private SlowFileSender(Vertx vertx, HttpServerResponse response, AsyncFile file, long size, int chunk,
            long tickMs, long cutAt) {
        this.vertx = vertx;
        this.response = response;
        this.file = file;
        this.size = size;
        this.chunk = chunk;
        this.tickMs = tickMs;
        this.cutAt = cutAt;
    }

    /**
     * Answers 200 with {@code media} spread over {@code over}; the future ends when the last byte was written, or fails
     * when the file cannot be read or the client went away (the connection is then closed, never ended as if whole).
     * An {@code over} under one tick sends as fast as the client reads. With {@code truncate} the full length is
     * announced but the connection is closed after half the bytes.
     */
    static Future<Void> send(Vertx vertx, HttpServerResponse response, MediaFile media, Duration over,
            boolean truncate) {
        FileSystem fs = vertx.fileSystem();
        String path = media.path().toString();
        return fs.props(path).compose(props -> fs.open(path, new OpenOptions().setRead(true)).compose(file -> {
            long ticks = over.toMillis() / TICK_MS;
            int chunk = ticks == 0 ? FAST_CHUNK
                    : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (props.size() + ticks - 1) / ticks));
            response.setStatusCode(200)
                    .putHeader(HttpHeaders.CONTENT_TYPE, media.contentType())
                    .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(props.size()));
            SlowFileSender sender = new SlowFileSender(vertx, response, file, props.size(), chunk,
                    ticks == 0 ? 0 : TICK_MS, truncate ? Math.max(1, props.size() / 2) : -1);
            sender.next();
            return sender.done.future();
        }));
    }

    private void next() {
        if (response.closed()) {
            stop(new IllegalStateException("the client closed the connection after " + position + " of " + size
                    + " bytes"));
            return;
        }
        if (cutAt >= 0 && position >= cutAt) {
            stop(new IllegalStateException("cut off on purpose after " + position + " of " + size + " bytes"));
            return;
        }
        if (position >= size) {
            response.end();
            file.close();
            done.tryComplete();
            return;
        }
        long end = cutAt >= 0 ? Math.min(size, cutAt) : size;
        int length = (int) Math.min(chunk, end - position);
        file.read(Buffer.buffer(length), 0, position, length)
                .onSuccess(this::write)
                .onFailure(this::stop);
    }

    private void write(Buffer data) {
        position += data.length();
        response.write(data);
        if (response.writeQueueFull()) {
            // the client reads even slower than we send: go on once it has caught up
            response.drainHandler(v -> {
                response.drainHandler(null);
                later();
            });
        } else {
            later();
        }
    }

    private void later() {
        if (tickMs == 0) {
            next();
        } else {
            vertx.setTimer(tickMs, t -> next());
        }
    }

    private void stop(Throwable failure) {
        file.close();
        if (!response.closed()) {
            // the length was promised: closing the connection tells the client the body is incomplete
            response.reset();
        }
        done.tryFail(failure);
    }
}
