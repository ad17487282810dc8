package dev.videoworker.simulator;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Video content of any size without rendering: deterministic bytes, generated chunk by chunk as they are sent, so a
 * 2 GiB download costs the simulator 64 KiB of memory. Not a playable MP4; for benchmarks of the transfer path, where
 * JCodec could never produce gigabytes.
 *
 * <p>Chunk {@code c} (of {@value #CHUNK} bytes) is a fixed pseudo-random block with every byte XORed with
 * {@code c & 0xff}, so chunks sent out of order or twice change the hash.
 */
public final class SyntheticContent {

    /** {@code [simulate:content-bytes=2147483648]}: the job's video is that many synthetic bytes. */
    public static final Pattern MARKER = Pattern.compile("\\[simulate:content-bytes=(\\d{1,19})]");
    static final int CHUNK = 64 * 1024;
    private static final byte[] BLOCK = block();

    private SyntheticContent() {
    }

    /** The size asked for by the prompt's marker, if any. */
    public static OptionalLong requestedBytes(String prompt) {
        if (prompt == null) {
            return OptionalLong.empty();
        }
        Matcher m = MARKER.matcher(prompt);
        if (!m.find()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Copies the bytes of {@code [offset, offset + length)} of the content into {@code target}. */
    static void fill(byte[] target, int targetOffset, long offset, int length) {
        int done = 0;
        while (done < length) {
            long position = offset + done;
            int inChunk = (int) (position % CHUNK);
            int n = Math.min(length - done, CHUNK - inChunk);
            byte mask = (byte) (position / CHUNK);
            for (int i = 0; i < n; i++) {
                target[targetOffset + done + i] = (byte) (BLOCK[inChunk + i] ^ mask);
            }
            done += n;
        }
    }

    /** The content of {@code size} bytes as a stream, for clients that want to compare or upload the same bytes. */
    public static InputStream stream(long size) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                if (position >= size) {
                    return -1;
                }
                byte[] one = new byte[1];
                fill(one, 0, position++, 1);
                return one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (position >= size) {
                    return -1;
                }
                int n = (int) Math.min(len, size - position);
                fill(b, off, position, n);
                position += n;
                return n;
            }
        };
    }

    /** The hex sha256 of the content of {@code size} bytes. */
    public static String sha256(long size) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[CHUNK];
            for (long done = 0; done < size;) {
                int n = (int) Math.min(CHUNK, size - done);
                fill(buffer, 0, done, n);
                digest.update(buffer, 0, n);
                done += n;
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Answers 200 with {@code size} bytes, one chunk at a time as the client reads (back-pressure). */
    static void send(HttpServerResponse response, long size) {
        response.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, VideoVariant.VIDEO.contentType())
                .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(size));
        new Sender(response, size).next();
    }

    private static byte[] block() {
        byte[] block = new byte[CHUNK];
        // xorshift64 with a fixed seed: the same bytes in every JVM, nothing to configure
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < CHUNK; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            block[i] = (byte) x;
        }
        return block;
    }

    private static final class Sender {
        private final HttpServerResponse response;
        private final long size;
        private long position;

        Sender(HttpServerResponse response, long size) {
            this.response = response;
            this.size = size;
        }

        void next() {
            while (!response.closed()) {
                if (position >= size) {
                    response.end();
                    return;
                }
                int n = (int) Math.min(CHUNK, size - position);
                // a fresh array per chunk: the connection may still hold the previous one
                byte[] chunk = new byte[n];
                fill(chunk, 0, position, n);
                position += n;
                response.write(Buffer.buffer(chunk));
                if (response.writeQueueFull()) {
                    response.drainHandler(v -> {
                        response.drainHandler(null);
                        next();
                    });
                    return;
                }
            }
        }
    }
}
