package dev.videoworker.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.videoworker.log.LogText;
import io.minio.ByteBuffer;
import io.minio.CompleteMultipartUploadArgs;
import io.minio.CreateMultipartUploadArgs;
import io.minio.Http;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectAPIArgs;
import io.minio.PutObjectArgs;
import io.minio.UploadPartArgs;
import io.minio.UploadPartResponse;
import io.minio.errors.MinioException;
import io.minio.messages.Part;
import io.quarkus.logging.Log;

/**
 * Writes a stream of unknown length to the object store holding at most {@code parallelism + 1} parts in memory: a
 * stream that ends within the first part is one PUT of exactly its bytes; a longer one is a multipart upload with up
 * to {@code parallelism} parts being sent at once while the next is read (parallelism 1: the next part is read while
 * the last is sent). A small video (the common case) never allocates a
 * whole part: the array starts at {@value #FIRST_BUFFER} bytes and grows only while the stream goes on. A failed
 * multipart upload is aborted, also when its thread was interrupted, so it leaves nothing behind; while it runs it is
 * listed in {@link OpenUploads}, which aborts it if the worker shuts down first.
 *
 * <p>Why not {@code putObject} with a stream of unknown size: the SDK collects each part in a growing
 * {@code ByteArrayOutputStream} (copied at every doubling, then again for the request), which for a 2 GiB video meant
 * hundreds of MiB of short-lived arrays, most of them large enough to go straight to the old generation.
 */
final class ObjectUploader {

    static final int FIRST_BUFFER = 64 * 1024;
    static final String CONTENT_SHA256 = "X-Amz-Content-Sha256";
    /** S3's limit on the parts of one upload. */
    static final int MAX_PARTS = 10_000;

    /** Longest wait for a part still being sent when its upload failed, before the upload is aborted anyway. */
    static final Duration PART_SETTLE_WAIT = Duration.ofSeconds(60);

    private final MinioAsyncClient minio;
    private final int partSize;
    private final int parallelism;
    private final OpenUploads open;

    ObjectUploader(MinioAsyncClient minio, long partSize, OpenUploads open) {
        this(minio, partSize, 1, open);
    }

    /** {@code parallelism}: parts of one upload sent at once, at least 1. */
    ObjectUploader(MinioAsyncClient minio, long partSize, int parallelism, OpenUploads open) {
        if (partSize < 5L * 1024 * 1024 || partSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("part size must be at least 5 MiB (S3's minimum) and below 2 GiB");
        }
        if (parallelism < 1 || parallelism > 64) {
            throw new IllegalArgumentException("upload parallelism must be between 1 and 64");
        }
        this.minio = minio;
        this.partSize = (int) partSize;
        this.parallelism = parallelism;
        this.open = open;
    }

    /**
     * Blocking: uploads everything {@code in} gives until its end. Metadata values are sent as HTTP header values,
     * with every byte outside printable ASCII (and {@code %}) percent-encoded as UTF-8 ({@link #headerValue}). Once
     * the worker is shutting down ({@link OpenUploads#closed}) nothing more is written: an IOException instead.
     */
    void upload(InputStream in, String bucket, String key, String contentType, Map<String, String> metadata)
            throws IOException, MinioException {
        Map<String, String> userMetadata = new LinkedHashMap<>();
        metadata.forEach((name, value) -> userMetadata.put(name, headerValue(value)));
        byte[] buffer = new byte[Math.min(FIRST_BUFFER, partSize)];
        int filled = fill(in, buffer, 0);
        while (filled == buffer.length && buffer.length < partSize) {
            buffer = Arrays.copyOf(buffer, (int) Math.min(4L * buffer.length, partSize));
            filled = fill(in, buffer, filled);
        }
        int next = filled < buffer.length ? -1 : in.read();
        if (next < 0) {
            if (open.closed()) {
                // Read while the worker began to stop (a slow provider): the next owner stores the job; a stopping
                // replica writes nothing it would not announce.
                throw new IOException("the worker is shutting down");
            }
            if (in instanceof HashingInputStream hashed) {
                // The stream has ended, so its hash is the hash of exactly these bytes. Sent as the payload's hash
                // (signed with the request, and turned by the SDK into the x-amz-checksum-sha256 the store checks),
                // it spares the SDK's own SHA-256 and CRC32C passes over the same bytes: the low-level PUT takes it as
                // given, where putObject(PutObjectArgs) computes both again.
                Map<String, String> headers = objectHeaders(userMetadata);
                headers.put(CONTENT_SHA256, hashed.sha256Hex());
                await(minio.putObject(PutObjectAPIArgs.builder().bucket(bucket).object(key).data(buffer, filled)
                        .contentType(contentType).headers(new Http.Headers(headers)).build()));
            } else {
                await(minio.putObject(PutObjectArgs.builder().bucket(bucket).object(key).data(buffer, filled)
                        .contentType(contentType).userMetadata(userMetadata).build()));
            }
            return;
        }
        multipart(in, bucket, key, contentType, userMetadata, buffer, next);
    }

    /** A part being sent, and the buffer that holds it (free again once the part is sent). */
    private record Sending(CompletableFuture<UploadPartResponse> call, ByteBuffer part) {
    }

    /**
     * {@code first} holds the first part (full); {@code next} is the byte after it. Each part is read into one array,
     * then copied into a part buffer of the SDK's ({@link ByteBuffer}) and sent from there while the next part is read:
     * up to {@code parallelism} parts are sent at once, so the download and the uploads overlap and
     * {@code parallelism + 1} parts are the most held. Parts are collected in the order they were sent (the oldest is
     * waited for first), so the list given to the completion is in part-number order.
     *
     * <p>Why the SDK's buffer and not the array itself: a part given as an array is written to the connection in one
     * call, which makes OkHttp copy the whole part into its own segments before any of it reaches the socket (one
     * more part-sized copy per part in flight); a part given as a buffer is written from a stream, a segment at a
     * time. The extra copy here (one array copy per part) costs far less than the memory it saves.
     */
    private void multipart(InputStream in, String bucket, String key, String contentType,
            Map<String, String> userMetadata, byte[] first, int next) throws IOException, MinioException {
        Map<String, String> headers = objectHeaders(userMetadata);
        headers.put("Content-Type", contentType);
        String uploadId = await(minio.createMultipartUpload(CreateMultipartUploadArgs.builder().bucket(bucket)
                .object(key).headers(new Http.Headers(headers)).build())).result().uploadId();
        OpenUploads.Upload upload = new OpenUploads.Upload(bucket, key, uploadId);
        Deque<Sending> sending = new ArrayDeque<>();
        try {
            if (!open.add(upload)) {
                throw new IOException("the worker is shutting down");
            }
            List<Part> parts = new ArrayList<>();
            byte[] reading = first;
            int filled = first.length;
            int number = 0;
            while (true) {
                number++;
                ByteBuffer part;
                if (sending.size() < parallelism) {
                    part = new ByteBuffer(partSize);
                } else {
                    // still listed while waited for: an interrupted wait leaves it to settle() before the abort
                    Sending oldest = sending.peek();
                    parts.add(await(oldest.call()).part());
                    sending.poll();
                    part = oldest.part();
                    part.reset();
                }
                part.write(reading, 0, filled);
                sending.add(new Sending(part(upload, number, part), part));
                if (next < 0) {
                    break;
                }
                if (number + 1 > MAX_PARTS) {
                    throw new IOException("the video is larger than " + MAX_PARTS + " parts of " + partSize
                            + " bytes (worker.storage.part-size)");
                }
                reading[0] = (byte) next;
                filled = fill(in, reading, 1);
                next = filled < reading.length ? -1 : in.read();
            }
            while (!sending.isEmpty()) {
                parts.add(await(sending.peek().call()).part());
                sending.poll();
            }
            await(minio.completeMultipartUpload(CompleteMultipartUploadArgs.builder().bucket(bucket).object(key)
                    .uploadId(uploadId).parts(parts.toArray(Part[]::new)).build()));
            open.remove(upload);
        } catch (IOException | MinioException | RuntimeException | Error e) {
            // let the parts in flight end before the upload is aborted (an abort first could be undone by them)
            for (Sending part : sending) {
                settle(part.call());
            }
            abort(upload, e);
            throw e;
        }
    }

    /**
     * The next part, unless the worker is shutting down: its shutdown aborts the upload, and a part sent after that
     * could be stored again under an upload nobody aborts any more.
     */
    private CompletableFuture<UploadPartResponse> part(OpenUploads.Upload upload, int number, ByteBuffer part)
            throws IOException, MinioException {
        if (open.closed()) {
            throw new IOException("the worker is shutting down");
        }
        return minio.uploadPart(UploadPartArgs.builder().bucket(upload.bucket()).object(upload.key())
                .uploadId(upload.uploadId()).partNumber(number).buffer(part).build());
    }

    /**
     * Waits, even on an interrupted thread, for a part to end: cancelling the SDK's future does not stop its HTTP call.
     */
    private static void settle(CompletableFuture<UploadPartResponse> sending) {
        boolean interrupted = Thread.interrupted();
        try {
            sending.handle((done, failed) -> null).get(PART_SETTLE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
            // the abort goes ahead all the same
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void abort(OpenUploads.Upload upload, Throwable cause) {
        try {
            open.abort(upload);
        } catch (IOException | MinioException | RuntimeException e) {
            // The next start's sweep (worker.storage.abort-uploads-older-than) aborts what this could not; the upload's
            // own failure is what counts here.
            cause.addSuppressed(e);
            Log.warnf("could not abort the multipart upload of %s/%s (%s)", LogText.safe(upload.bucket()),
                    LogText.safe(upload.key()),
                    e.getClass().getSimpleName());
        } finally {
            open.remove(upload);
        }
    }

    /**
     * A metadata value as it can travel in a signed header: S3 signs header values as they are sent, and a value with
     * bytes outside printable ASCII (any non-ASCII job id, even U+00A0) never matches its signature, so such bytes,
     * and {@code %} itself, are percent-encoded (UTF-8). Printable ASCII values without {@code %} are unchanged.
     */
    static String headerValue(String value) {
        if (value == null) {
            return null;
        }
        StringBuilder out = null;
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = b >= 0x20 && b < 0x7f && b != '%';
            if (!plain && out == null) {
                out = new StringBuilder(bytes.length + 16).append(new String(bytes, 0, i, StandardCharsets.US_ASCII));
            }
            if (out != null) {
                if (plain) {
                    out.append((char) b);
                } else {
                    out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
                }
            }
        }
        return out == null ? value : out.toString();
    }

    private static Map<String, String> objectHeaders(Map<String, String> userMetadata) {
        Map<String, String> headers = new LinkedHashMap<>();
        userMetadata.forEach((name, value) -> headers.put("x-amz-meta-" + name, value));
        return headers;
    }

    /** Reads until {@code buffer} is full or the stream ends; returns how many bytes it holds now. */
    static int fill(InputStream in, byte[] buffer, int from) throws IOException {
        int filled = from;
        while (filled < buffer.length) {
            int n = in.read(buffer, filled, buffer.length - filled);
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled;
    }

    /** The SDK's futures, waited for, with its own exceptions given back as they are. */
    private static <T> T await(CompletableFuture<T> call) throws IOException, MinioException {
        try {
            return call.get();
        } catch (InterruptedException e) {
            // Not cancelled: that would not stop the SDK's HTTP call, only hide when it ends (see settle).
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while talking to the object "
                    + "store");
            interrupted.initCause(e);
            throw interrupted;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MinioException m) {
                throw m;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(cause);
        }
    }
}
