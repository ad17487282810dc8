package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.videoworker.config.TestConfig;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.simulator.TestImages;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PfxOptions;

/**
 * Downloads of https reference images from a real local HTTPS server with a certificate made for the test: allowed
 * hosts and networks, refused internal addresses (without a single request reaching the server), redirects, size and
 * time limits, and server errors.
 */
class ImageFetcherTest {

    static final String PASSWORD = "test-store-pass";
    static final long MAX_BYTES = 100_000;

    @TempDir
    static Path dir;
    static Path trustStore;
    static Vertx vertx;
    static HttpServer server;
    static int port;
    static byte[] png;
    static final AtomicInteger requests = new AtomicInteger();
    static final AtomicInteger connections = new AtomicInteger();

    @BeforeAll
    static void startHttpsServer() throws Exception {
        Path serverStore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "image-host", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", serverStore.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        trustStore = certificateOnly(serverStore);

        png = TestImages.png(640, 480);
        assertThat((long) png.length).isLessThan(MAX_BYTES);
        vertx = Vertx.vertx();
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new PfxOptions().setPath(serverStore.toString()).setPassword(PASSWORD)))
                .connectionHandler(c -> connections.incrementAndGet())
                .requestHandler(ImageFetcherTest::answer);
        server = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        port = server.actualPort();
    }

    /** A trust store holding only the server's certificate, the way an operator would ship it (no private key). */
    static Path certificateOnly(Path serverStore) throws Exception {
        KeyStore source = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
            source.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("image-host", source.getCertificate("image-host"));
        Path path = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(path)) {
            trust.store(out, PASSWORD.toCharArray());
        }
        return path;
    }

    static void answer(HttpServerRequest request) {
        requests.incrementAndGet();
        String path = request.path();
        switch (path) {
            case "/image.png" -> request.response().putHeader("Content-Type", "image/png").end(Buffer.buffer(png));
            case "/redirect-ok" -> redirect(request, "/image.png");
            case "/redirect-chain" -> redirect(request, "https://localhost:" + port + "/redirect-ok");
            case "/redirect-away" -> redirect(request, "https://images.not-allowed.example/image.png");
            case "/redirect-http" -> redirect(request, "http://localhost:" + port + "/image.png");
            case "/redirect-metadata" -> redirect(request, "https://169.254.169.254/latest/meta-data/");
            case "/loop" -> redirect(request, "/loop");
            case "/big.png" -> request.response().end(Buffer.buffer(new byte[(int) MAX_BYTES + 1]));
            case "/big-chunked.png" -> {
                request.response().setChunked(true);
                for (int i = 0; i < 4; i++) {
                    request.response().write(Buffer.buffer(new byte[(int) MAX_BYTES / 2]));
                }
                request.response().end();
            }
            case "/stall.png" -> {
                // Never answers: the download must give up at its time limit.
            }
            default -> request.response().setStatusCode(path.startsWith("/forbidden") ? 403 : 404).end();
        }
    }

    static void redirect(HttpServerRequest request, String location) {
        request.response().setStatusCode(302).putHeader("Location", location).end();
    }

    @AfterAll
    static void stopServer() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @BeforeEach
    void resetCounts() {
        requests.set(0);
        connections.set(0);
    }

    static ImageFetcher fetcher(String hosts, String networks) {
        return new ImageFetcher(TestConfig.worker(settings(hosts, networks)));
    }

    static Map<String, String> settings(String hosts, String networks) {
        Map<String, String> config = new HashMap<>();
        config.put("worker.input-images.allowed-hosts", hosts);
        if (networks != null) {
            config.put("worker.input-images.allowed-networks", networks);
        }
        config.put("worker.input-images.trust-store", trustStore.toString());
        config.put("worker.input-images.trust-store-password", PASSWORD);
        // Generous, so a cold TLS stack on a busy machine does not fail the other tests; the stall test sets 1s.
        config.put("worker.input-images.download-timeout", "10s");
        config.put("worker.input-images.max-redirects", "3");
        config.put("worker.storage.max-input-image-bytes", Long.toString(MAX_BYTES));
        return config;
    }

    /** Allowed: the host localhost and the loopback networks it resolves to. */
    static ImageFetcher local() {
        return fetcher("localhost,169.254.169.254", "127.0.0.1/32,::1/128");
    }

    static String url(String path) {
        return "https://localhost:" + port + path;
    }

    static AbstractThrowableAssert<?, ? extends Throwable> refusedWith(ImageFetcher fetcher, String uri, String code) {
        return assertThatThrownBy(() -> fetcher.fetch(uri))
                .isInstanceOf(InputImages.Unusable.class)
                .satisfies(e -> assertThat(((InputImages.Unusable) e).error().code()).as(e.getMessage())
                        .isEqualTo(code));
    }

    @Test
    void downloadsAndFitsAnImageFromAnAllowedHostInAnAllowedNetwork() throws Exception {
        ImageFetcher fetcher = local();
        assertThat(fetcher.fetch(url("/image.png"))).isEqualTo(png);

        InputImages images = new InputImages(null, fetcher, TestConfig.worker(settings("localhost", "127.0.0.1/32")));
        InputImages.Prepared prepared = images.prepare(new VideoRequest.InputReference(url("/image.png"), "cover"),
                "1280x720");
        BufferedImage fitted = ImageIO.read(new ByteArrayInputStream(prepared.bytes()));
        assertThat(fitted.getWidth()).isEqualTo(1280);
        assertThat(fitted.getHeight()).isEqualTo(720);
        assertThat(prepared.contentType()).isEqualTo("image/png");
    }

    @Test
    void refusesLocalhostWithoutAnAllowedNetworkBeforeAnyRequest() {
        refusedWith(fetcher("localhost", null), url("/image.png"), "input_reference_address_refused")
                .hasMessageContaining("localhost").hasMessageContaining("loopback")
                .hasMessageContaining("worker.input-images.allowed-networks")
                .hasMessageNotContaining("127.0.0.1");
        assertThat(requests).hasValue(0);
        assertThat(connections).as("not even a TCP connection").hasValue(0);
    }

    @Test
    void refusesALoopbackIpLiteralEvenWhenItIsAnAllowedHost() {
        refusedWith(fetcher("127.0.0.1", null), "https://127.0.0.1:" + port + "/image.png",
                "input_reference_address_refused").hasMessageContaining("loopback");
        assertThat(requests).hasValue(0);
        assertThat(connections).hasValue(0);
    }

    @Test
    void followsRedirectsWithinTheAllowList() throws Exception {
        assertThat(local().fetch(url("/redirect-ok"))).isEqualTo(png);
        assertThat(local().fetch(url("/redirect-chain"))).isEqualTo(png);
    }

    @Test
    void refusesARedirectToAHostNotOnTheAllowList() {
        refusedWith(local(), url("/redirect-away"), "input_reference_host_not_allowed")
                .hasMessageContaining("redirected to https://images.not-allowed.example/image.png")
                .hasMessageContaining("worker.input-images.allowed-hosts");
    }

    @Test
    void refusesARedirectToPlainHttp() {
        refusedWith(local(), url("/redirect-http"), "input_reference_redirect_refused")
                .hasMessageContaining("only https://");
        assertThat(requests).as("the http URL is never requested").hasValue(1);
    }

    @Test
    void refusesARedirectToTheMetadataAddressEvenWhenItsHostIsAllowed() {
        refusedWith(local(), url("/redirect-metadata"), "input_reference_address_refused")
                .hasMessageContaining("cloud metadata");
    }

    @Test
    void stopsAfterTheMaximumNumberOfRedirects() {
        refusedWith(local(), url("/loop"), "input_reference_redirect_refused")
                .hasMessageContaining("more than 3").hasMessageContaining("worker.input-images.max-redirects");
        assertThat(requests).hasValue(4);
    }

    @Test
    void rejectsABodyLargerThanTheLimitWithOrWithoutContentLength() {
        refusedWith(local(), url("/big.png"), "input_reference_too_large")
                .hasMessageContaining(Long.toString(MAX_BYTES));
        refusedWith(local(), url("/big-chunked.png"), "input_reference_too_large");
    }

    @Test
    void givesUpOnAStalledServerAtTheConfiguredTimeLimit() {
        Map<String, String> config = new HashMap<>(settings("localhost", "127.0.0.1/32"));
        config.put("worker.input-images.download-timeout", "1s");
        ImageFetcher fetcher = new ImageFetcher(TestConfig.worker(config));
        long start = System.nanoTime();
        refusedWith(fetcher, url("/stall.png"), "input_reference_timeout")
                .hasMessageContaining("1000 ms").hasMessageContaining("worker.input-images.download-timeout");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void reportsAMissingImageWithoutItsQueryString() {
        refusedWith(local(), url("/missing.png?X-Amz-Signature=deadbeefsignature"), "input_reference_not_found")
                .hasMessageContaining("https://localhost:" + port + "/missing.png")
                .hasMessageNotContaining("deadbeefsignature");
        refusedWith(local(), url("/forbidden.png"), "input_reference_unavailable").hasMessageContaining("HTTP 403");
    }

    @Test
    void refusesAServerWhoseCertificateIsNotTrusted() {
        Map<String, String> config = new HashMap<>(settings("localhost", "127.0.0.1/32"));
        config.remove("worker.input-images.trust-store");
        config.remove("worker.input-images.trust-store-password");
        refusedWith(new ImageFetcher(TestConfig.worker(config)), url("/image.png"), "input_reference_unreachable")
                .hasMessageContaining("TLS");
    }

    /** The client is made on the first download, but a trust store that cannot be used still stops the start. */
    @Test
    void aTrustStoreThatCannotBeReadStopsTheStart() {
        Map<String, String> missing = new HashMap<>(settings("localhost", "127.0.0.1/32"));
        missing.put("worker.input-images.trust-store", trustStore + ".missing");
        assertThatThrownBy(() -> new ImageFetcher(TestConfig.worker(missing)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be read as a PKCS12 trust store");
        Map<String, String> wrongPassword = new HashMap<>(settings("localhost", "127.0.0.1/32"));
        wrongPassword.put("worker.input-images.trust-store-password", "not-" + PASSWORD);
        assertThatThrownBy(() -> new ImageFetcher(TestConfig.worker(wrongPassword)))
                .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("not-" + PASSWORD);
    }

    @Test
    void refusesEveryHostWhenTheAllowListIsEmpty() {
        refusedWith(new ImageFetcher(TestConfig.worker(Map.of())), url("/image.png"),
                "input_reference_host_not_allowed").hasMessageContaining("worker.input-images.allowed-hosts is empty");
        assertThat(requests).hasValue(0);
        assertThat(connections).hasValue(0);
    }
}
