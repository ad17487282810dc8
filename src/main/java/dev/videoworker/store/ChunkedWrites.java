package dev.videoworker.store;

import java.io.IOException;

import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import okio.Okio;
import okio.Sink;
import okio.Timeout;

/**
 * Hands a large request body (a part of a multipart upload) to the connection in writes of about {@value #CHUNK}
 * bytes. A body written from a stream (how {@link ObjectUploader} gives the SDK its parts) otherwise reaches OkHttp's
 * connection sink one 8 KiB segment at a time, each write a trip through its sinks and write-timeout watchdog:
 * measured, a 2 GiB upload ran at three quarters of its rate that way. Here the segments are only moved (never
 * copied) until a chunk is complete, so a part in flight holds at most one chunk beyond its own buffer.
 */
final class ChunkedWrites implements Interceptor {

    static final long CHUNK = 1024 * 1024;

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        RequestBody body = request.body();
        if (body == null || body.isDuplex() || body.contentLength() <= CHUNK) {
            return chain.proceed(request);
        }
        return chain.proceed(request.newBuilder().method(request.method(), new Chunked(body)).build());
    }

    /** The same body, written through {@link Gather}. */
    static final class Chunked extends RequestBody {
        private final RequestBody body;

        Chunked(RequestBody body) {
            this.body = body;
        }

        @Override
        public MediaType contentType() {
            return body.contentType();
        }

        @Override
        public long contentLength() throws IOException {
            return body.contentLength();
        }

        @Override
        public boolean isOneShot() {
            return body.isOneShot();
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            Gather gather = new Gather(sink);
            BufferedSink buffered = Okio.buffer(gather);
            body.writeTo(buffered);
            // passes on what is left; closing the gatherer leaves the connection's sink open (even if the body closed
            // its own sink first)
            buffered.close();
        }
    }

    /** Collects the segments written to it and passes them on a chunk at a time; closing it leaves the sink open. */
    static final class Gather implements Sink {
        private final BufferedSink out;
        private final Buffer pending = new Buffer();

        Gather(BufferedSink out) {
            this.out = out;
        }

        @Override
        public void write(Buffer source, long byteCount) throws IOException {
            pending.write(source, byteCount);
            if (pending.size() >= CHUNK) {
                pass();
            }
        }

        private void pass() throws IOException {
            if (pending.size() > 0) {
                out.write(pending, pending.size());
            }
        }

        @Override
        public void flush() throws IOException {
            pass();
            out.flush();
        }

        @Override
        public Timeout timeout() {
            return out.timeout();
        }

        @Override
        public void close() throws IOException {
            // the connection's sink is OkHttp's to close
            pass();
        }
    }
}
