package dev.videoworker.submit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Iterator;

import jakarta.enterprise.context.ApplicationScoped;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.VideoRequest;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;

/**
 * Loads a request's reference image (from the store, inline, or an allowed https host) and makes it fit the
 * requested size, or says why it cannot, before the paid call. Blocking: run it on a worker thread.
 */
@ApplicationScoped
public class InputImages {

    private final MinioClient minio;
    private final ImageFetcher fetcher;
    private final long maxBytes;

    public InputImages(MinioClient minio, ImageFetcher fetcher, WorkerConfig config) {
        this.minio = minio;
        this.fetcher = fetcher;
        this.maxBytes = config.storage().maxInputImageBytes();
        // Registers the WebP reader of the class path whatever class loader first touched ImageIO.
        ImageIO.scanForPlugins();
    }

    /** An image ready to send as {@code input_reference}. */
    public record Prepared(byte[] bytes, String fileName, String contentType) {
    }

    /** Thrown when the reference cannot be used; carries the rejection for the user. */
    public static final class Unusable extends Exception {
        private final transient JobError error;

        Unusable(String code, String message) {
            super(message, null, false, false);
            this.error = JobError.field(code, "inputReference", message);
        }

        public JobError error() {
            return error;
        }
    }

    enum Format {
        PNG("image/png", "png"), JPEG("image/jpeg", "jpg"), WEBP("image/webp", "webp");

        final String contentType;
        final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }
    }

    public Prepared prepare(VideoRequest.InputReference reference, String size) throws Unusable, IOException {
        byte[] bytes = read(reference.uri());
        Format format = sniff(bytes);
        int[] wanted = parseSize(size);
        int[] actual = dimensions(bytes, format);
        if (actual[0] == wanted[0] && actual[1] == wanted[1]) {
            return new Prepared(bytes, "reference." + format.extension, format.contentType);
        }
        if ("exact".equals(reference.fit())) {
            throw new Unusable("input_reference_size_mismatch", "The reference image is " + actual[0] + "x"
                    + actual[1] + " but the requested size is " + size + "; with fit=exact they must match "
                    + "(use fit=cover or fit=contain to let the worker resize it).");
        }
        // WebP is read through the TwelveMonkeys ImageIO plugin.
        BufferedImage source;
        try {
            source = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new Unusable("unreadable_image", "The reference image is damaged: it could not be decoded.");
        }
        if (source == null) {
            throw new Unusable("unreadable_image", "The reference image could not be decoded.");
        }
        BufferedImage fitted = fit(source, wanted[0], wanted[1], "cover".equals(reference.fit()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(fitted, "png", out);
        return new Prepared(out.toByteArray(), "reference.png", Format.PNG.contentType);
    }

    private byte[] read(String uri) throws Unusable, IOException {
        if (uri.startsWith("data:")) {
            return decode(uri);
        }
        if (uri.regionMatches(true, 0, "https:", 0, "https:".length())) {
            return fetcher.fetch(uri);
        }
        return load(uri);
    }

    /** The bytes of a {@code data:image/...;base64,} URI (its syntax and size were checked with the request). */
    private byte[] decode(String uri) throws Unusable {
        int comma = uri.indexOf(',');
        try {
            byte[] bytes = Base64.getDecoder().decode(uri.substring(comma + 1));
            if (bytes.length > maxBytes) {
                throw new Unusable("input_reference_too_large", "The reference image is larger than the limit of "
                        + maxBytes + " bytes.");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new Unusable("invalid_input_reference", "The data: reference is not valid base64.");
        }
    }

    private byte[] load(String uri) throws Unusable, IOException {
        String rest = uri.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = rest.substring(0, slash);
        String key = rest.substring(slash + 1);
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new Unusable("input_reference_too_large", "The reference image is larger than the limit of "
                        + maxBytes + " bytes.");
            }
            return bytes;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse() == null ? "" : e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchBucket".equals(code)) {
                throw new Unusable("input_reference_not_found", "The reference image " + uri + " does not exist.");
            }
            throw new IOException("store refused to read " + uri + ": " + code, e);
        } catch (MinioException e) {
            throw new IOException("could not read " + uri + " from the store", e);
        }
    }

    static Format sniff(byte[] b) throws Unusable {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return Format.PNG;
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return Format.JPEG;
        }
        if (b.length >= 16 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W'
                && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return Format.WEBP;
        }
        throw new Unusable("unsupported_image_format", "The reference image is not JPEG, PNG or WebP.");
    }

    static int[] parseSize(String size) {
        int x = size.indexOf('x');
        return new int[] { Integer.parseInt(size.substring(0, x)), Integer.parseInt(size.substring(x + 1)) };
    }

    static int[] dimensions(byte[] bytes, Format format) throws Unusable, IOException {
        if (format == Format.WEBP) {
            return webpDimensions(bytes);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Unusable("unreadable_image", "The reference image could not be read.");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                return new int[] { reader.getWidth(0), reader.getHeight(0) };
            } catch (IOException e) {
                throw new Unusable("unreadable_image", "The reference image is damaged: it could not be read.");
            } finally {
                reader.dispose();
            }
        }
    }

    /** Reads width and height from the first chunk of a WebP file (VP8, VP8L or VP8X). */
    static int[] webpDimensions(byte[] b) throws Unusable {
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        int p = 20;
        switch (chunk) {
            case "VP8 ":
                if (b.length >= p + 10) {
                    return new int[] { le16(b, p + 6) & 0x3fff, le16(b, p + 8) & 0x3fff };
                }
                break;
            case "VP8L":
                if (b.length >= p + 5 && (b[p] & 0xff) == 0x2f) {
                    long bits = (b[p + 1] & 0xffL) | (b[p + 2] & 0xffL) << 8 | (b[p + 3] & 0xffL) << 16
                            | (b[p + 4] & 0xffL) << 24;
                    return new int[] { (int) (bits & 0x3fff) + 1, (int) ((bits >> 14) & 0x3fff) + 1 };
                }
                break;
            case "VP8X":
                if (b.length >= p + 10) {
                    return new int[] { le24(b, p + 4) + 1, le24(b, p + 7) + 1 };
                }
                break;
            default:
                break;
        }
        throw new Unusable("unreadable_image", "The WebP reference image has no readable header.");
    }

    private static int le16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    private static int le24(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16;
    }

    /** Scales to cover (crop the overflow) or contain (pad with black) exactly {@code width x height}. */
    static BufferedImage fit(BufferedImage source, int width, int height, boolean cover) {
        double sx = (double) width / source.getWidth();
        double sy = (double) height / source.getHeight();
        double scale = cover ? Math.max(sx, sy) : Math.min(sx, sy);
        int w = (int) Math.round(source.getWidth() * scale);
        int h = (int) Math.round(source.getHeight() * scale);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(source, (width - w) / 2, (height - h) / 2, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
