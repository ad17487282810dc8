package dev.videoworker.provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A download body whose stall says what stalled: the download client's read timeout (the API read timeout) ends a
 * read that no byte reached in time, and this turns OkHttp's bare {@code timeout} into words for the job's error and
 * the log. No thread of its own: the timeout is the socket's, so a body that keeps sending is never cut, however
 * slowly its reader (the upload) asks for it.
 */
final class ContentStream extends FilterInputStream {

    private final Duration idle;
    private final String what;

    ContentStream(InputStream body, Duration idle, String what) {
        super(body);
        this.idle = idle;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (SocketTimeoutException e) {
            throw stalled(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            // InputStream's contract; Okio's stream would wait for the next bytes instead (readNBytes asks for 0)
            return 0;
        }
        try {
            return super.read(b, off, len);
        } catch (SocketTimeoutException e) {
            throw stalled(e);
        }
    }

    /** The download client speaks HTTP/1.1 only, where OkHttp's read timeout is a {@link SocketTimeoutException}. */
    private IOException stalled(SocketTimeoutException e) {
        return new IOException("the provider sent no data for " + idle.toSeconds() + " s while streaming " + what, e);
    }
}
