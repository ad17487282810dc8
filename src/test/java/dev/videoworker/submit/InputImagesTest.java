package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.simulator.TestImages;

/**
 * Reference images from data: URIs: sniffed, measured, and fitted to the requested size, before any paid call.
 */
class InputImagesTest {

    static final WorkerConfig CONFIG = TestConfig.worker(Map.of());

    final InputImages images = new InputImages(null, new ImageFetcher(CONFIG), CONFIG);

    static VideoRequest.InputReference data(String type, byte[] bytes, String fit) {
        return new VideoRequest.InputReference("data:image/" + type + ";base64,"
                + Base64.getEncoder().encodeToString(bytes), fit);
    }

    @Test
    void passesAnExactImageThroughUnchanged() throws Exception {
        byte[] png = TestImages.png(1280, 720);
        InputImages.Prepared prepared = images.prepare(data("png", png, "exact"), "1280x720");
        assertThat(prepared.bytes()).isEqualTo(png);
        assertThat(prepared.contentType()).isEqualTo("image/png");
    }

    @Test
    void rejectsAnExactImageOfAnotherSizeGivingBothSizes() {
        assertThatThrownBy(() -> images.prepare(data("jpeg", TestImages.jpeg(640, 480), "exact"), "720x1280"))
                .isInstanceOf(InputImages.Unusable.class)
                .hasMessageContaining("640x480").hasMessageContaining("720x1280")
                .satisfies(e -> assertThat(((InputImages.Unusable) e).error().code())
                        .isEqualTo("input_reference_size_mismatch"));
    }

    @Test
    void coversAndContainsToExactlyTheRequestedSize() throws Exception {
        for (String fit : new String[] {"cover", "contain"}) {
            InputImages.Prepared prepared = images.prepare(data("png", TestImages.png(640, 480), fit), "1280x720");
            BufferedImage out = ImageIO.read(new ByteArrayInputStream(prepared.bytes()));
            assertThat(out.getWidth()).as(fit).isEqualTo(1280);
            assertThat(out.getHeight()).as(fit).isEqualTo(720);
        }
    }

    @Test
    void resizesWebpThroughTheImageIoPlugin() throws Exception {
        byte[] webp = TestImages.webp(320, 240);
        assertThat(InputImages.webpDimensions(webp)).containsExactly(320, 240);
        InputImages.Prepared prepared = images.prepare(data("webp", webp, "cover"), "720x1280");
        BufferedImage out = ImageIO.read(new ByteArrayInputStream(prepared.bytes()));
        assertThat(out.getWidth()).isEqualTo(720);
        assertThat(out.getHeight()).isEqualTo(1280);
    }

    @Test
    void sniffsTheFormatFromTheBytesNotTheDeclaredType() {
        assertThatThrownBy(() -> images.prepare(data("png", "GIF89a-not-allowed".getBytes(), "exact"), "1280x720"))
                .isInstanceOf(InputImages.Unusable.class)
                .satisfies(e -> assertThat(((InputImages.Unusable) e).error().code())
                        .isEqualTo("unsupported_image_format"));
        InputImages.Prepared jpegDeclaredAsPng = uncheckedPrepare(data("png", TestImages.jpeg(1280, 720), "exact"));
        assertThat(jpegDeclaredAsPng.contentType()).isEqualTo("image/jpeg");
    }

    @Test
    void rejectsBrokenBase64() {
        VideoRequest.InputReference broken = new VideoRequest.InputReference("data:image/png;base64,@@@@", "exact");
        assertThatThrownBy(() -> images.prepare(broken, "1280x720"))
                .isInstanceOf(InputImages.Unusable.class)
                .satisfies(e -> assertThat(((InputImages.Unusable) e).error().code())
                        .isEqualTo("invalid_input_reference"));
    }

    private InputImages.Prepared uncheckedPrepare(VideoRequest.InputReference reference) {
        try {
            return images.prepare(reference, "1280x720");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
