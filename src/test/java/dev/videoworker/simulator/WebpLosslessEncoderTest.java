package dev.videoworker.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebpLosslessEncoderTest {

    @TempDir
    Path dir;

    @Test
    void ffmpegDecodesEveryPixelExactly() throws IOException {
        // odd sizes and random colours exercise every literal and the padding of the last byte
        BufferedImage image = new BufferedImage(37, 23, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        Path file = dir.resolve("random.webp");
        Files.write(file, WebpLosslessEncoder.encode(image));

        assertArrayEquals(rgb(image), Ffmpeg.decodeRgb(file));
    }

    @Test
    void ffprobeReadsTheDimensionsOfARenderedThumbnail() throws IOException {
        BufferedImage thumbnail = FramePainter.scaleToWidth(FramePainter.paint(new VideoSize(1280, 720), 3, 8, 2), 320);
        Path file = dir.resolve("thumbnail.webp");
        Files.write(file, WebpLosslessEncoder.encode(thumbnail));

        Map<String, String> probe = Ffmpeg.probe(file);
        assertEquals("webp", probe.get("codec_name"));
        assertEquals("320", probe.get("width"));
        assertEquals("180", probe.get("height"));
        assertArrayEquals(rgb(thumbnail), Ffmpeg.decodeRgb(file));
    }

    @Test
    void writesARiffContainerWhoseSizesAddUp() {
        byte[] file = WebpLosslessEncoder.encode(new BufferedImage(3, 1, BufferedImage.TYPE_INT_RGB));

        assertEquals("RIFF", new String(file, 0, 4, StandardCharsets.US_ASCII));
        assertEquals("WEBPVP8L", new String(file, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(file.length - 8, littleEndian32(file, 4));
        assertEquals(0, file.length % 2);
    }

    @Test
    void ownHeaderReaderSeesTheEncodedSize() throws IOException {
        byte[] file = WebpLosslessEncoder.encode(new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB));

        ReferenceImage probed = ImageHeaders.probe(new ByteArrayInputStream(file));

        assertEquals(new ReferenceImage("image/webp", 1280, 720), probed);
    }

    private static int littleEndian32(byte[] bytes, int offset) {
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8 | (bytes[offset + 2] & 0xff) << 16
                | (bytes[offset + 3] & 0xff) << 24;
    }

    private static byte[] rgb(BufferedImage image) {
        byte[] rgb = new byte[image.getWidth() * image.getHeight() * 3];
        int i = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int pixel = image.getRGB(x, y);
                rgb[i++] = (byte) (pixel >> 16);
                rgb[i++] = (byte) (pixel >> 8);
                rgb[i++] = (byte) pixel;
            }
        }
        return rgb;
    }
}
