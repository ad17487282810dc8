package dev.videoworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorMediaTest {

    private static final long RENDER_TIMEOUT_SECONDS = 120;

    @TempDir
    Path cacheDir;

    private SimulatorMedia media;

    @BeforeEach
    void createMedia() {
        media = new SimulatorMedia(2, Optional.of(cacheDir));
    }

    @AfterEach
    void closeMedia() {
        media.close();
    }

    @Test
    void rendersAnH264Mp4OfTheRequestedSizeAndDuration() throws Exception {
        Path video = render(VideoVariant.VIDEO, new VideoSize(1280, 720), 4);

        Map<String, String> probe = Ffmpeg.probe(video);
        assertEquals("h264", probe.get("codec_name"));
        assertEquals("1280", probe.get("width"));
        assertEquals("720", probe.get("height"));
        assertTrue(probe.get("format_name").contains("mp4"), probe::toString);
        assertEquals(4.0, Double.parseDouble(probe.get("duration")), 0.5);
    }

    @Test
    void rendersPortraitVideosToo() throws Exception {
        Path video = render(VideoVariant.VIDEO, new VideoSize(720, 1280), 4);

        Map<String, String> probe = Ffmpeg.probe(video);
        assertEquals("720", probe.get("width"));
        assertEquals("1280", probe.get("height"));
        assertEquals(4.0, Double.parseDouble(probe.get("duration")), 0.5);
    }

    @Test
    void rendersAWebpThumbnail320PixelsWide() throws Exception {
        Path thumbnail = render(VideoVariant.THUMBNAIL, new VideoSize(720, 1280), 4);

        Map<String, String> probe = Ffmpeg.probe(thumbnail);
        assertEquals("webp", probe.get("codec_name"));
        assertEquals("320", probe.get("width"));
        assertEquals("569", probe.get("height"));
    }

    @Test
    void rendersAJpegSpritesheetWithOneTilePerSecond() throws Exception {
        Path spritesheet = render(VideoVariant.SPRITESHEET, new VideoSize(1280, 720), 8);

        BufferedImage image = ImageIO.read(spritesheet.toFile());
        assertNotNull(image, "ImageIO could not read the spritesheet");
        assertEquals(4 * SimulatorMedia.SPRITE_WIDTH, image.getWidth());
        assertEquals(2 * 90, image.getHeight());
    }

    @Test
    void concurrentRequestsShareOneRender() throws Exception {
        CompletableFuture<Path> first = media.render(VideoVariant.SPRITESHEET, new VideoSize(1280, 720), 4);
        CompletableFuture<Path> second = media.render(VideoVariant.SPRITESHEET, new VideoSize(1280, 720), 4);

        assertSame(first, second);
        assertEquals(first.get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                second.get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    @Test
    void reusesMediaAlreadyInTheCacheDirectory() throws Exception {
        Path rendered = render(VideoVariant.THUMBNAIL, new VideoSize(1280, 720), 4);
        long modified = Files.getLastModifiedTime(rendered).toMillis();

        try (SimulatorMedia restarted = new SimulatorMedia(2, Optional.of(cacheDir))) {
            Path again = restarted.render(VideoVariant.THUMBNAIL, new VideoSize(1280, 720), 4)
                    .get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals(rendered, again);
            assertEquals(modified, Files.getLastModifiedTime(again).toMillis());
        }
    }

    @Test
    void removesItsTemporaryDirectoryOnClose() throws Exception {
        Path file;
        try (SimulatorMedia temporary = new SimulatorMedia(2, Optional.empty())) {
            file = temporary.render(VideoVariant.THUMBNAIL, new VideoSize(1280, 720), 4)
                    .get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertTrue(Files.isRegularFile(file));
        }
        assertTrue(Files.notExists(file.getParent()));
    }

    private Path render(VideoVariant variant, VideoSize size, int seconds) throws Exception {
        Path file = media.render(variant, size, seconds).get(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertTrue(Files.size(file) > 0);
        return file;
    }

}
