package dev.videoworker.fleet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Job states (the job topic's JSON) held compressed, each after its record's key: raw deflate (no header or checksum:
 * it never leaves this process) with a preset dictionary of that JSON's field names and usual values followed by the
 * key (the job's id, which each state holds twice), so that a state of ~700 bytes is held in under 200 and its key
 * needs no array of its own. Only in memory, never written: the dictionary may change between versions. Thread-safe:
 * one packing and one unpacking at a time (each takes microseconds). The compressors' native memory is freed with this
 * object (their cleaners).
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
    /** Nor a dictionary grown for an id longer than a usual one (any key may name a rejected job). */
    private static final int KEPT_DICTIONARY = DICTIONARY.length + 256;

    private final Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    private final Inflater inflater = new Inflater(true);
    private byte[] buffer = new byte[8 * 1024];
    /** The dictionary then a job's id, for packing. Guarded by {@code this}. */
    private byte[] packDictionary = DICTIONARY.clone();
    /** The same for unpacking. Guarded by {@link #inflater}. */
    private byte[] unpackDictionary = DICTIONARY.clone();

    /**
     * {@code key} (a job's id, the record's key) followed by {@code json}, that job's state, compressed with the key
     * in the dictionary; {@link #unpack} with the key's length and the state's length gives the state back.
     */
    synchronized byte[] pack(byte[] json, byte[] key) {
        deflater.reset();
        byte[] dictionary = withId(packDictionary, key, key.length);
        if (dictionary.length <= KEPT_DICTIONARY) {
            packDictionary = dictionary;
        }
        deflater.setDictionary(dictionary, 0, DICTIONARY.length + key.length);
        deflater.setInput(json);
        deflater.finish();
        int n = key.length;
        if (buffer.length < n + 64) {
            buffer = new byte[n + 8 * 1024];
        }
        System.arraycopy(key, 0, buffer, 0, n);
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

    /** The {@code length} bytes of state {@link #pack} was given with a key of {@code keyLength} bytes. */
    byte[] unpack(byte[] packed, int keyLength, int length) {
        byte[] json = new byte[length];
        synchronized (inflater) {
            inflater.reset();
            // raw deflate says nothing of a dictionary: it is set before the first byte
            byte[] dictionary = withId(unpackDictionary, packed, keyLength);
            if (dictionary.length <= KEPT_DICTIONARY) {
                unpackDictionary = dictionary;
            }
            inflater.setDictionary(dictionary, 0, DICTIONARY.length + keyLength);
            inflater.setInput(packed, keyLength, packed.length - keyLength);
            try {
                int n = 0;
                while (n < length) {
                    int got = inflater.inflate(json, n, length - n);
                    if (got == 0) {
                        throw new IllegalStateException("a packed state ended after " + n + " of " + length
                                + " bytes");
                    }
                    n += got;
                }
            } catch (DataFormatException e) {
                throw new IllegalStateException("a packed state is corrupt", e);
            }
        }
        return json;
    }

    /**
     * {@code dictionary} (or a longer copy when the id needs it) with the first {@code length} bytes of {@code id} after
     * the shared part.
     */
    private static byte[] withId(byte[] dictionary, byte[] id, int length) {
        byte[] out = dictionary.length >= DICTIONARY.length + length ? dictionary
                : Arrays.copyOf(DICTIONARY, DICTIONARY.length + length);
        System.arraycopy(id, 0, out, DICTIONARY.length, length);
        return out;
    }
}
