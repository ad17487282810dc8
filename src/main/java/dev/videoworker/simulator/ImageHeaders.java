package dev.videoworker.simulator;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the format and pixel size of a reference image from its header bytes, without decoding the pixels: the
 * format is sniffed from the magic bytes because clients often declare a wrong content type.
 */
final class ImageHeaders {

    static final String PARAM = "input_reference";
    private static final int SNIFF_BYTES = 30;

    private ImageHeaders() {
    }

    /** Format and size of the image in {@code in}; a 400 for anything but a readable JPEG, PNG or WebP. */
    static ReferenceImage probe(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 8192);
        buffered.mark(SNIFF_BYTES);
        byte[] head = buffered.readNBytes(SNIFF_BYTES);
        buffered.reset();
        if (head.length >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff) {
            return viaImageIo(buffered, "image/jpeg");
        }
        if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return viaImageIo(buffered, "image/png");
        }
        if (head.length >= SNIFF_BYTES && ascii(head, 0, "RIFF") && ascii(head, 8, "WEBP")) {
            return webp(head);
        }
        throw unsupported();
    }

    static VideoApiException unsupported() {
        return VideoApiException.invalid("Unsupported file format for 'input_reference'. Supported formats are: "
                + "'image/jpeg', 'image/png', and 'image/webp'.", PARAM, "invalid_value");
    }

    private static ReferenceImage viaImageIo(InputStream in, String contentType) throws IOException {
        try (ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = stream == null ? null : ImageIO.getImageReaders(stream);
            if (readers == null || !readers.hasNext()) {
                throw unsupported();
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(stream, true, true);
                return new ReferenceImage(contentType, reader.getWidth(0), reader.getHeight(0));
            } catch (IOException | RuntimeException e) {
                throw corrupt();
            } finally {
                reader.dispose();
            }
        }
    }

    /** WebP has no ImageIO reader in the JDK; its three bitstream kinds keep the size at fixed offsets. */
    private static ReferenceImage webp(byte[] head) {
        if (ascii(head, 12, "VP8X")) {
            return new ReferenceImage("image/webp", 1 + uint24(head, 24), 1 + uint24(head, 27));
        }
        if (ascii(head, 12, "VP8L") && (head[20] & 0xff) == 0x2f) {
            long bits = (head[21] & 0xffL) | (head[22] & 0xffL) << 8 | (head[23] & 0xffL) << 16
                    | (head[24] & 0xffL) << 24;
            return new ReferenceImage("image/webp", 1 + (int) (bits & 0x3fff), 1 + (int) ((bits >> 14) & 0x3fff));
        }
        if (ascii(head, 12, "VP8 ") && (head[23] & 0xff) == 0x9d && (head[24] & 0xff) == 0x01
                && (head[25] & 0xff) == 0x2a) {
            return new ReferenceImage("image/webp", uint16(head, 26) & 0x3fff, uint16(head, 28) & 0x3fff);
        }
        throw corrupt();
    }

    private static VideoApiException corrupt() {
        return VideoApiException.invalid("The image in 'input_reference' could not be read. Please check the file.",
                PARAM, "invalid_value");
    }

    private static boolean ascii(byte[] bytes, int offset, String text) {
        for (int i = 0; i < text.length(); i++) {
            if (bytes[offset + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int uint16(byte[] bytes, int offset) {
        return (bytes[offset] & 0xff) | (bytes[offset + 1] & 0xff) << 8;
    }

    private static int uint24(byte[] bytes, int offset) {
        return uint16(bytes, offset) | (bytes[offset + 2] & 0xff) << 16;
    }
}
