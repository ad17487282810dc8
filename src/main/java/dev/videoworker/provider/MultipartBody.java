package dev.videoworker.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@code multipart/form-data} body (RFC 7578) built in memory, for the create call. The REST client's own multipart
 * encoder writes every text field to a temporary file, on the event loop, before sending it: thousands of creates
 * meant thousands of files created and deleted on the thread that also reads every poll's answer. The fields of a
 * create are a few hundred bytes (and the reference image is already in memory), so the body is built here instead.
 */
final class MultipartBody {

    private static final byte[] CRLF = { '\r', '\n' };

    private final String boundary;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    MultipartBody() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        this.boundary = "sora-video-worker-" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
    }

    /** The {@code Content-Type} header value, with the boundary. */
    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** A text field, sent as UTF-8. */
    MultipartBody text(String name, String value) {
        part("form-data; name=\"" + escape(name) + "\"", "text/plain; charset=UTF-8",
                value.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A file field. */
    MultipartBody file(String name, String fileName, String contentType, byte[] content) {
        part("form-data; name=\"" + escape(name) + "\"; filename=\"" + escape(fileName) + "\"",
                contentType == null ? "application/octet-stream" : contentType, content);
        return this;
    }

    /** The body; the builder must not be used afterwards. */
    byte[] finish() {
        ascii("--" + boundary + "--");
        out.writeBytes(CRLF);
        return out.toByteArray();
    }

    private void part(String disposition, String contentType, byte[] content) {
        if (contains(content, boundary.getBytes(StandardCharsets.US_ASCII))) {
            // 128 random bits: only a body made to collide could get here.
            throw new IllegalStateException("a multipart field contains the boundary");
        }
        ascii("--" + boundary);
        out.writeBytes(CRLF);
        out.writeBytes(("Content-Disposition: " + disposition).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(CRLF);
        ascii("Content-Type: " + contentType);
        out.writeBytes(CRLF);
        out.writeBytes(CRLF);
        out.writeBytes(content);
        out.writeBytes(CRLF);
    }

    private void ascii(String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** RFC 7578 4.2: quote, CR and LF in a name or file name are percent-encoded. */
    static String escape(String s) {
        return s.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
