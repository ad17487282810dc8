package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class MultipartBodyTest {

    @Test
    void writesEachFieldAsAPartBetweenBoundaries() {
        MultipartBody body = new MultipartBody().text("model", "sora-2").text("prompt", "Fluß \"x\"")
                .file("input_reference", "a\"b.png", "image/png", new byte[] { 1, 2, 3 });
        String boundary = body.contentType().substring("multipart/form-data; boundary=".length());

        String text = new String(body.finish(), StandardCharsets.UTF_8);

        assertThat(text).isEqualTo("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"model\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
                + "sora-2\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"prompt\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
                + "Fluß \"x\"\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"input_reference\"; filename=\"a%22b.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n"
                + "\u0001\u0002\u0003\r\n"
                + "--" + boundary + "--\r\n");
    }

    @Test
    void everyBodyHasItsOwnBoundary() {
        assertThat(new MultipartBody().contentType()).isNotEqualTo(new MultipartBody().contentType());
    }

    @Test
    void escapesQuotesAndLineBreaksInNames() {
        assertThat(MultipartBody.escape("a\"b\r\nc")).isEqualTo("a%22b%0D%0Ac");
    }
}
