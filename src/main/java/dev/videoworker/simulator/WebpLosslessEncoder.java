package dev.videoworker.simulator;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * Encodes opaque images as lossless WebP (VP8L), because the API's thumbnails are WebP and the JDK cannot write it.
 *
 * <p>Deliberately the simplest valid bitstream: no transforms, no color cache, one prefix-code group. Green, red and
 * blue use a flat prefix code (all 256 literals 8 bits long), alpha a single-symbol code for 255 (0 bits per pixel),
 * so each pixel costs 24 bits. Thumbnails are small, so size does not matter; being obviously correct does.
 */
final class WebpLosslessEncoder {

    /** Order in which the code lengths of the code-length code are transmitted (VP8L spec, section 5.2.2). */
    private static final int[] CODE_LENGTH_CODE_ORDER = {17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13,
        14, 15};
    /** Enough entries of that order to reach symbol 8 (index 11). */
    private static final int CODE_LENGTH_CODES_SENT = 12;
    /** Green also codes the 24 backward-reference length prefixes; with no color cache nothing else. */
    private static final int GREEN_ALPHABET = 256 + 24;
    private static final int LITERAL_ALPHABET = 256;
    private static final int MAX_DIMENSION = 1 << 14;
    private static final int[] REVERSED_BYTE = new int[256];

    static {
        // prefix codes are read most significant bit first from an LSB-first stream, so their bits go out reversed
        for (int value = 0; value < 256; value++) {
            REVERSED_BYTE[value] = Integer.reverse(value) >>> 24;
        }
    }

    private WebpLosslessEncoder() {
    }

    /** The complete {@code .webp} file of {@code image}; alpha is ignored (written as opaque). */
    static byte[] encode(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (width > MAX_DIMENSION || height > MAX_DIMENSION) {
            throw new IllegalArgumentException("WebP allows at most 16384x16384, got " + width + "x" + height);
        }
        BitWriter bits = new BitWriter(width * height * 3 + 256);
        bits.write(0x2f, 8); // VP8L signature
        bits.write(width - 1, 14);
        bits.write(height - 1, 14);
        bits.write(0, 1); // alpha_is_used: thumbnails are opaque
        bits.write(0, 3); // version
        bits.write(0, 1); // no transform
        bits.write(0, 1); // no color cache
        bits.write(0, 1); // no meta prefix codes: one group for the whole image
        writeFlatCode(bits, GREEN_ALPHABET);
        writeFlatCode(bits, LITERAL_ALPHABET); // red
        writeFlatCode(bits, LITERAL_ALPHABET); // blue
        writeSingleSymbolCode(bits, 255); // alpha
        writeSingleSymbolCode(bits, 0); // distance: no backward references are ever written
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int argb : row) {
                int red = (argb >> 16) & 0xff;
                int green = (argb >> 8) & 0xff;
                int blue = argb & 0xff;
                bits.write(REVERSED_BYTE[green] | REVERSED_BYTE[red] << 8 | REVERSED_BYTE[blue] << 16, 24);
            }
        }
        return riff(bits.toByteArray());
    }

    /**
     * A "normal" prefix code in which the first 256 symbols have length 8 and the rest length 0. The code-length
     * code has two symbols of length 1: symbol 0 (bit 0) and symbol 8 (bit 1).
     */
    private static void writeFlatCode(BitWriter bits, int alphabetSize) {
        bits.write(0, 1); // normal, not simple
        bits.write(CODE_LENGTH_CODES_SENT - 4, 4);
        for (int i = 0; i < CODE_LENGTH_CODES_SENT; i++) {
            int symbol = CODE_LENGTH_CODE_ORDER[i];
            bits.write(symbol == 0 || symbol == 8 ? 1 : 0, 3);
        }
        bits.write(0, 1); // max_symbol = alphabet size: every length is sent
        for (int symbol = 0; symbol < alphabetSize; symbol++) {
            bits.write(symbol < LITERAL_ALPHABET ? 1 : 0, 1);
        }
    }

    /** A "simple" prefix code with one symbol: it costs no bits when read. */
    private static void writeSingleSymbolCode(BitWriter bits, int symbol) {
        bits.write(1, 1); // simple
        bits.write(0, 1); // one symbol
        if (symbol < 2) {
            bits.write(0, 1); // 1-bit symbol
            bits.write(symbol, 1);
        } else {
            bits.write(1, 1); // 8-bit symbol
            bits.write(symbol, 8);
        }
    }

    private static byte[] riff(byte[] vp8l) {
        int padding = vp8l.length & 1;
        int riffSize = 4 + 8 + vp8l.length + padding;
        byte[] file = new byte[8 + riffSize];
        putAscii(file, 0, "RIFF");
        putLittleEndian32(file, 4, riffSize);
        putAscii(file, 8, "WEBP");
        putAscii(file, 12, "VP8L");
        putLittleEndian32(file, 16, vp8l.length);
        System.arraycopy(vp8l, 0, file, 20, vp8l.length);
        return file;
    }

    private static void putAscii(byte[] target, int offset, String text) {
        for (int i = 0; i < text.length(); i++) {
            target[offset + i] = (byte) text.charAt(i);
        }
    }

    private static void putLittleEndian32(byte[] target, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            target[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    /** Packs values least significant bit first, as VP8L reads them. */
    private static final class BitWriter {
        private byte[] bytes;
        private int length;
        private long pending;
        private int pendingBits;

        BitWriter(int capacity) {
            bytes = new byte[capacity];
        }

        void write(int value, int count) {
            pending |= (value & ((1L << count) - 1)) << pendingBits;
            pendingBits += count;
            while (pendingBits >= 8) {
                if (length == bytes.length) {
                    bytes = Arrays.copyOf(bytes, bytes.length * 2);
                }
                bytes[length++] = (byte) pending;
                pending >>>= 8;
                pendingBits -= 8;
            }
        }

        byte[] toByteArray() {
            if (pendingBits > 0) {
                write(0, 8 - pendingBits);
            }
            return Arrays.copyOf(bytes, length);
        }
    }
}
