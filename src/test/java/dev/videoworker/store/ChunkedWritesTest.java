package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/** Large bodies reach the connection a chunk at a time, byte for byte as given. */
class ChunkedWritesTest {

    /** A body written from a stream, the way the store's SDK writes a part it was given as a buffer. */
    private static RequestBody streamed(byte[] bytes) {
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("application/octet-stream");
            }

            @Override
            public long contentLength() {
                return bytes.length;
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.write(Okio.source(new ByteArrayInputStream(bytes)), bytes.length);
            }
        };
    }

    /** What the connection's sink passes on: the size of each write, and the bytes. */
    private static final class Connection extends ForwardingSink {
        final List<Long> writes = new ArrayList<>();
        final Buffer received;

        Connection(Buffer received) {
            super(received);
            this.received = received;
        }

        @Override
        public void write(Buffer source, long byteCount) throws IOException {
            writes.add(byteCount);
            super.write(source, byteCount);
        }
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }

    @Test
    void aPartWrittenFromAStreamReachesTheConnectionInChunksNotSegments() throws IOException {
        byte[] part = randomBytes(5 * 1024 * 1024 + 12_345);

        Connection plain = new Connection(new Buffer());
        BufferedSink plainSink = Okio.buffer(plain);
        streamed(part).writeTo(plainSink);
        plainSink.flush();

        Connection chunked = new Connection(new Buffer());
        BufferedSink chunkedSink = Okio.buffer(chunked);
        new ChunkedWrites.Chunked(streamed(part)).writeTo(chunkedSink);
        chunkedSink.flush();

        assertThat(chunked.received.readByteArray()).isEqualTo(part);
        assertThat(plain.received.readByteArray()).isEqualTo(part);
        assertThat(plain.writes).as("writes without chunks (one per 8 KiB segment)").hasSizeGreaterThan(600);
        assertThat(chunked.writes).as("writes in chunks of about %d bytes", ChunkedWrites.CHUNK)
                .hasSizeBetween(6, 7)
                .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(ChunkedWrites.CHUNK + 8192));
        assertThat(chunked.writes.subList(0, 5))
                .allSatisfy(size -> assertThat(size).isGreaterThanOrEqualTo(ChunkedWrites.CHUNK));
    }

    @Test
    void theStoresClientSendsLargeBodiesInChunksAndSmallOnesAsTheyAre() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
        server.createContext("/", exchange -> {
            try (exchange) {
                received.add(exchange.getRequestBody().readAllBytes());
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            List<Class<?>> sent = Collections.synchronizedList(new ArrayList<>());
            OkHttpClient client = MinioClientProducer.storeClient(endpoint).newBuilder()
                    .addNetworkInterceptor(chain -> {
                        sent.add(chain.request().body().getClass());
                        return chain.proceed(chain.request());
                    }).build();
            byte[] large = randomBytes((int) ChunkedWrites.CHUNK + 1);
            byte[] small = randomBytes((int) ChunkedWrites.CHUNK);
            for (byte[] body : List.of(large, small)) {
                try (Response response = client.newCall(new Request.Builder().url(endpoint + "/part")
                        .put(streamed(body)).build()).execute()) {
                    assertThat(response.code()).isEqualTo(200);
                }
            }

            assertThat(sent).as("bodies as the connection got them").containsExactly(ChunkedWrites.Chunked.class,
                    streamed(small).getClass());
            assertThat(received).hasSize(2);
            assertThat(received.get(0)).isEqualTo(large);
            assertThat(received.get(1)).isEqualTo(small);
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theBodyKeepsItsLengthTypeAndOneShotness() throws IOException {
        RequestBody body = streamed(randomBytes(100));
        ChunkedWrites.Chunked chunked = new ChunkedWrites.Chunked(body);

        assertThat(chunked.contentLength()).isEqualTo(100);
        assertThat(chunked.contentType()).isEqualTo(body.contentType());
        assertThat(chunked.isOneShot()).isEqualTo(body.isOneShot());
    }
}
