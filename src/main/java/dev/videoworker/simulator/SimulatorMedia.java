package dev.videoworker.simulator;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.jboss.logging.Logger;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.Rational;

/**
 * Renders and caches the simulator's media: a real H.264 MP4 (JCodec), a WebP thumbnail and a JPEG spritesheet.
 *
 * <p>Rendering is slow (seconds per clip), and every job of the same size and duration looks the same, so each asset
 * is rendered once per (variant, size, seconds, fps) into the cache directory and served from there; concurrent
 * requests share one render. Renders run on this class's own threads, never on the caller's.
 */
public final class SimulatorMedia implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatorMedia.class);
    static final int THUMBNAIL_WIDTH = 320;
    static final int SPRITE_WIDTH = 160;
    static final int SPRITE_COLUMNS = 4;

    private final int fps;
    private final Optional<Path> configuredDir;
    private final Map<String, CompletableFuture<Path>> renders = new ConcurrentHashMap<>();
    private final ExecutorService renderer;
    private static final long CLOSE_WAIT_SECONDS = 10;
    /** Guarded by {@code this}. */
    private Path temporaryDir;
    /** Guarded by {@code this}. */
    private boolean closed;

    public SimulatorMedia(int fps, Optional<Path> cacheDir) {
        this.fps = fps;
        this.configuredDir = cacheDir;
        AtomicInteger threads = new AtomicInteger();
        this.renderer = Executors.newFixedThreadPool(2, task -> {
            Thread thread = new Thread(task, "simulator-render-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The asset file, rendered first if it is not in the cache yet. */
    public CompletableFuture<Path> render(VideoVariant variant, VideoSize size, int seconds) {
        String name = variant.wireName() + "-" + size + "-" + seconds + "s-" + fps + "fps." + variant.extension();
        CompletableFuture<Path> known = renders.get(name);
        if (known != null && known.isDone() && !known.isCompletedExceptionally() && !Files.exists(known.join())) {
            // someone cleaned the cache directory (tmp reaper, operator): render again rather than serve nothing
            renders.remove(name, known);
        }
        CompletableFuture<Path> render = renders.computeIfAbsent(name, key -> {
            try {
                return CompletableFuture.supplyAsync(() -> renderOnce(key, variant, size, seconds), renderer);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(new IllegalStateException("The simulator media are closed", e));
            }
        });
        // a failed render is forgotten so that the next request tries again
        render.whenComplete((path, failure) -> {
            if (failure != null) {
                renders.remove(name, render);
            }
        });
        return render;
    }

    private Path renderOnce(String name, VideoVariant variant, VideoSize size, int seconds) {
        try {
            Path target = directory().resolve(name);
            if (Files.isRegularFile(target)) {
                return target;
            }
            long started = System.nanoTime();
            Path partial = target.resolveSibling(name + "." + UUID.randomUUID() + ".part");
            try {
                switch (variant) {
                    case VIDEO -> writeVideo(partial, size, seconds);
                    case THUMBNAIL -> Files.write(partial, WebpLosslessEncoder.encode(thumbnail(size, seconds)));
                    case SPRITESHEET -> writeSpritesheet(partial, size, seconds);
                    default -> throw new IllegalStateException("Unknown variant " + variant);
                }
                moveIntoPlace(partial, target);
            } finally {
                Files.deleteIfExists(partial);
            }
            LOG.infof("Rendered simulator %s %s %ds at %d fps in %d ms", variant.wireName(), size, seconds, fps,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Rendering " + name + " failed", e);
        }
    }

    private void writeVideo(Path file, VideoSize size, int seconds) throws IOException {
        int frames = seconds * fps;
        try (SeekableByteChannel channel = NIOUtils.writableChannel(file.toFile())) {
            AWTSequenceEncoder encoder = new AWTSequenceEncoder(channel, Rational.R(fps, 1));
            for (int frame = 0; frame < frames; frame++) {
                if (Thread.currentThread().isInterrupted()) {
                    // closed while rendering: stop instead of writing into a directory about to be deleted
                    throw new InterruptedIOException("Rendering interrupted");
                }
                encoder.encodeImage(FramePainter.paint(size, frame, frames, fps));
            }
            encoder.finish();
        }
    }

    /** The middle frame, as a preview should show the clip rather than its first instant. */
    BufferedImage thumbnail(VideoSize size, int seconds) {
        int frames = seconds * fps;
        return FramePainter.scaleToWidth(FramePainter.paint(size, frames / 2, frames, fps), THUMBNAIL_WIDTH);
    }

    /** One tile per second of video, {@value #SPRITE_COLUMNS} per row. */
    private void writeSpritesheet(Path file, VideoSize size, int seconds) throws IOException {
        int frames = seconds * fps;
        int rows = (seconds + SPRITE_COLUMNS - 1) / SPRITE_COLUMNS;
        int tileHeight = Math.round((float) size.height() * SPRITE_WIDTH / size.width());
        BufferedImage sheet = new BufferedImage(SPRITE_WIDTH * Math.min(seconds, SPRITE_COLUMNS), tileHeight * rows,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            for (int second = 0; second < seconds; second++) {
                BufferedImage tile = FramePainter.scaleToWidth(
                        FramePainter.paint(size, second * fps, frames, fps), SPRITE_WIDTH);
                g.drawImage(tile, (second % SPRITE_COLUMNS) * SPRITE_WIDTH, (second / SPRITE_COLUMNS) * tileHeight,
                        null);
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(sheet, "jpg", file.toFile())) {
            throw new IOException("No JPEG writer available");
        }
    }

    private static void moveIntoPlace(Path partial, Path target) throws IOException {
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private synchronized Path directory() throws IOException {
        if (closed) {
            throw new IOException("The simulator media are closed");
        }
        if (configuredDir.isPresent()) {
            return Files.createDirectories(configuredDir.get());
        }
        // created on first use so a disabled or idle simulator leaves nothing on disk
        if (temporaryDir == null) {
            temporaryDir = Files.createTempDirectory("video-simulator-media-");
        }
        return temporaryDir;
    }

    /** Stops rendering and removes the temporary cache directory (a configured one is kept for the next run). */
    @Override
    public void close() {
        Path dir;
        synchronized (this) {
            closed = true;
            dir = temporaryDir;
            temporaryDir = null;
        }
        renderer.shutdownNow();
        try {
            // a render still writing would leave files behind in the directory being deleted
            if (!renderer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warnf("Simulator renders still running after %d s; removing the cache anyway", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dir != null) {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.debugf("Could not delete %s: %s", path, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warnf("Could not remove the simulator media cache %s: %s", dir, e.getMessage());
        }
    }
}
