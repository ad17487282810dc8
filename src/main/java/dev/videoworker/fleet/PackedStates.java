package dev.videoworker.fleet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Job states (the job topic's JSON) held compressed: deflated with a preset dictionary of that JSON's field names and
 * usual values, so that a state of ~700 bytes is held in ~200. Only in memory, never written: the dictionary may
 * change between versions. Thread-safe; one packing or unpacking at a time (each takes microseconds). The
 * compressors' native memory is freed with this object (their cleaners).
 */
final class PackedStates {

    /** The shape of a job state: what most states repeat. Values later in it cost the least to refer to. */
    private static final byte[] DICTIONARY = ("{\"error\":{\"code\":\"\",\"message\":\"\",\"field\":\"$.\","
            + "\"retryable\":false},\"video\":{\"bucket\":\"\",\"key\":\"\",\"uri\":\"s3://\",\"bytes\":0,"
            + "\"sha256\":\"\",\"contentType\":\"video/mp4\"},\"expiresAt\":\"\",\"metadata\":{},"
            + "\"actualCostUsd\":0.40,\"notice\":\"\",\"generatedAt\":\"\",\"storedAt\":\"\",\"finishedAt\":\"\","
            + "\"status\":\"queued\",\"status\":\"stored\",\"status\":\"failed\",\"status\":\"cancelled\","
            + "{\"jobId\":\"\",\"partition\":0,\"status\":\"in_progress\",\"request\":{\"jobId\":\"\",\"model\":"
            + "\"sora-2\",\"prompt\":\"\",\"size\":\"1280x720\",\"seconds\":\"4\",\"variants\":[]},\"videoId\":"
            + "\"video_\",\"progress\":0,\"costUsd\":0.40,\"variants\":{},\"timings\":{\"receivedAt\":\"\","
            + "\"submittedAt\":\"\"},\"deadline\":\"\",\"attempts\":1,\"updatedAt\":\"\",\"trace\":\"00-\","
            + "\"route\":{\"provider\":\"default\",\"model\":\"sora-2\",\"keyName\":\"default\"},\"version\":")
            .getBytes(StandardCharsets.US_ASCII);
    /** A working buffer beyond this is not kept between packings (one long state must not hold it for good). */
    private static final int KEPT_BUFFER = 64 * 1024;

    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final Inflater inflater = new Inflater();
    private byte[] buffer = new byte[8 * 1024];

    /** {@code json} compressed; {@link #unpack} with its length gives it back. */
    synchronized byte[] pack(byte[] json) {
        deflater.reset();
        deflater.setDictionary(DICTIONARY);
        deflater.setInput(json);
        deflater.finish();
        int n = 0;
        while (!deflater.finished()) {
            if (n == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
            n += deflater.deflate(buffer, n, buffer.length - n);
        }
        byte[] packed = Arrays.copyOf(buffer, n);
        if (buffer.length > KEPT_BUFFER) {
            buffer = new byte[8 * 1024];
        }
        return packed;
    }

    /** The {@code length} bytes {@link #pack} was given. */
    byte[] unpack(byte[] packed, int length) {
        byte[] json = new byte[length];
        synchronized (inflater) {
            inflater.reset();
            inflater.setInput(packed);
            try {
                int n = 0;
                while (n < length) {
                    int got = inflater.inflate(json, n, length - n);
                    if (got == 0) {
                        if (!inflater.needsDictionary()) {
                            throw new IllegalStateException("a packed state ended after " + n + " of " + length
                                    + " bytes");
                        }
                        inflater.setDictionary(DICTIONARY);
                    }
                    n += got;
                }
            } catch (DataFormatException e) {
                throw new IllegalStateException("a packed state is corrupt", e);
            }
        }
        return json;
    }
}
