package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

/**
 * A download body that stops sending fails instead of blocking its thread forever; one that keeps sending does not.
 */
class IdleTimeoutInputStreamTest {

    /** Like a socket's stream: sends a few bytes, then blocks until it is closed, and then fails. */
    static final class StallingBody extends InputStream {
        private final byte[] first;
        private int sent;
        private final CountDownLatch closed = new CountDownLatch(1);

        StallingBody(byte... first) {
            this.first = first;
        }

        @Override
        public int read() throws IOException {
            if (sent < first.length) {
                return first[sent++] & 0xff;
            }
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("Socket closed");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void aBodyThatStopsSendingFailsNamingWhatStalled() throws IOException {
        try (IdleTimeoutInputStream in = new IdleTimeoutInputStream(new StallingBody((byte) 1, (byte) 2, (byte) 3),
                Duration.ofSeconds(1), "the content of v1")) {
            assertThat(in.read()).isEqualTo(1);
            assertThat(in.read()).isEqualTo(2);
            assertThat(in.read()).isEqualTo(3);
            // Nothing more is sent and the body is never closed by its sender: only the watchdog can end this read.
            assertThatThrownBy(in::read).isInstanceOf(IOException.class)
                    .hasMessageContaining("no data for 1 s").hasMessageContaining("the content of v1");
        }
    }

    @Test
    void aBodyThatEndsNormallyIsReadToTheEnd() throws IOException {
        PipedOutputStream provider = new PipedOutputStream();
        PipedInputStream body = new PipedInputStream(provider);
        provider.write(new byte[] {4, 5});
        provider.close();
        try (IdleTimeoutInputStream in = new IdleTimeoutInputStream(body, Duration.ofSeconds(30), "v2")) {
            assertThat(in.readAllBytes()).containsExactly(4, 5);
        }
    }
}
