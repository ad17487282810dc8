package dev.videoworker.start;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.videoworker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * The start that makes the class-data (AppCDS) archive of the image ({@code entrypoint.sh cds-archive}, under
 * {@code -XX:ArchiveClassesAtExit}): the whole worker starts without a broker, asks its own HTTP endpoints what the
 * probes and scrapers ask, then links every class the JVM's class-loading log names and exits.
 *
 * <p>The linking is the point of the last step: at its exit the JDK 17 JVM archives only the <em>linked</em> classes of
 * an application class loader such as Quarkus's, and a start loads many classes it never links (the verifier loads the
 * types it checks against). A real start loads them again, from the jars, unless the archive has them.
 *
 * <p>It is refused unless every Kafka bootstrap server is a loopback address where nothing accepts connections: without
 * a broker there is no request, so no job, no provider call and no upload.
 */
@ApplicationScoped
public class ClassDataTraining {

    /**
     * Health, metrics and job endpoints: what probes, scrapers and users ask first. Not {@code /fleet}: it asks the
     * broker and answers only after the admin client's timeout.
     */
    static final List<String> PATHS = List.of("/q/health/started", "/q/health/live", "/q/health/ready", "/q/health",
            "/q/metrics", "/jobs?limit=1", "/jobs/cds-training-unknown-job");

    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.[0-9]{1,3}){3}");

    private final WorkerConfig.ClassDataTraining training;
    private final String bootstrapServers;
    private final int httpPort;

    ClassDataTraining(WorkerConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
            @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort) {
        this.training = config.classDataTraining();
        this.bootstrapServers = bootstrapServers;
        this.httpPort = httpPort;
    }

    /** First of the start's observers (with the topic check, which training skips): before any consumer starts. */
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!training.enabled()) {
            return;
        }
        if (!onlyLoopback(bootstrapServers)) {
            throw new IllegalStateException("worker.class-data-training.enabled=true starts the worker only to record "
                    + "its classes, without a broker; kafka.bootstrap.servers must name loopback addresses only (it "
                    + "names " + bootstrapServers + "): a reachable broker would hand this start real requests");
        }
        answering(bootstrapServers).ifPresent(server -> {
            throw new IllegalStateException("worker.class-data-training.enabled=true starts the worker only to record "
                    + "its classes, without a broker, but " + server + " (kafka.bootstrap.servers) accepts "
                    + "connections: "
                    + "a broker there would hand this start real requests. Name a closed port (entrypoint.sh "
                    + "cds-archive uses 127.0.0.1:9).");
        });
        Thread thread = new Thread(this::train, "class-data-training");
        thread.setDaemon(true);
        thread.start();
    }

    private void train() {
        long end = System.nanoTime() + training.duration().toNanos();
        List<String> unanswered = askOwnEndpoints(end);
        sleepUntil(end);
        int linked = training.classLog().map(log -> linkLogged(Path.of(log))).orElse(0);
        String summary = String.format("class-data training: %d of %d endpoint requests answered%s, %d logged classes "
                + "linked", PATHS.size() - unanswered.size(), PATHS.size(),
                unanswered.isEmpty() ? "" : " (no answer: " + String.join(", ", unanswered) + ")", linked);
        // A start that answered nothing, or linked nothing from its log, would make an archive that saves little: fail
        // the image build rather than ship it.
        boolean failed = unanswered.size() == PATHS.size() || (training.classLog().isPresent() && linked == 0);
        if (failed) {
            Log.errorf("%s; failed", summary);
        } else {
            Log.infof("%s; exiting", summary);
        }
        // Not Quarkus's shutdown: with no broker, closing the Kafka admin client waits for its pending calls to time
        // out (a minute). A halt runs no shutdown hook, but the JVM still writes the archive
        // (-XX:ArchiveClassesAtExit).
        Runtime.getRuntime().halt(failed ? 1 : 0);
    }

    /**
     * Asks each path once (the HTTP server may not listen yet: connects again until the end); the paths not
     * answered. Plain HTTP/1.0 over a socket, as the image's health check asks: an HTTP client library would put its
     * own classes (and TLS's) in the archive, which every start then maps for nothing.
     */
    private List<String> askOwnEndpoints(long end) {
        List<String> unanswered = new ArrayList<>();
        for (String path : PATHS) {
            while (true) {
                try {
                    ask(path);
                    break;
                } catch (ConnectException e) {
                    if (System.nanoTime() >= end) {
                        unanswered.add(path + " (" + e.getClass().getSimpleName() + ")");
                        break;
                    }
                    sleepUntil(Math.min(end, System.nanoTime() + 100_000_000L));
                } catch (IOException e) {
                    // It listens but did not answer in time (readiness waits for the broker): the next path.
                    unanswered.add(path + " (" + e.getClass().getSimpleName() + ")");
                    break;
                }
            }
        }
        return unanswered;
    }

    private void ask(String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 1000);
            socket.setSoTimeout(2000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // HTTP/1.0: the server closes the connection after its answer
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        }
    }

    /**
     * Links every class the log names, through the application's class loader; the number linked. One pass: linking
     * verifies, which loads more classes, but those a real start does not load either, and every archived class costs
     * memory in every start (the JVM relocates the whole archive when it maps it).
     */
    static int linkLogged(Path log) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = ClassDataTraining.class.getClassLoader();
        }
        List<String> names;
        try (Stream<String> lines = Files.lines(log)) {
            names = lines.map(ClassDataTraining::loadedClass).flatMap(Optional::stream).distinct().toList();
        } catch (IOException | UncheckedIOException e) {
            Log.warnf("class-data training: cannot read the class-loading log %s (%s)", log, e);
            return 0;
        }
        int linked = 0;
        for (String name : names) {
            if (link(name, loader)) {
                linked++;
            }
        }
        return linked;
    }

    private static boolean link(String name, ClassLoader loader) {
        try {
            // Loads without initialising; asking for its declared constructors makes the JVM link (and verify) it.
            Class.forName(name, false, loader).getDeclaredConstructors();
            return true;
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            // Not visible from this loader, or not linkable (a missing optional dependency): it stays out.
            return false;
        }
    }

    /**
     * The class a line of {@code -Xlog:class+load} names ({@code [0.1s][info][class,load] a.b.C source: ...}), unless
     * it came from a class-data archive already or is a generated class no loader can find by name.
     */
    static Optional<String> loadedClass(String line) {
        int tag = line.indexOf("[class,load] ");
        if (tag < 0) {
            return Optional.empty();
        }
        int start = tag + "[class,load] ".length();
        int space = line.indexOf(' ', start);
        if (space < 0) {
            return Optional.empty();
        }
        String name = line.substring(start, space);
        String rest = line.substring(space);
        if (rest.startsWith(" source: shared objects file") || name.contains("$$Lambda") || name.contains("/0x")
                || name.startsWith("jdk.internal.reflect.Generated") || name.startsWith("jdk.proxy")) {
            return Optional.empty();
        }
        return Optional.of(name);
    }

    /** The first bootstrap server that accepts a TCP connection, if any. */
    static Optional<String> answering(String servers) {
        for (String server : servers.split(",")) {
            String hostPort = server.trim();
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                continue;
            }
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            int port;
            InetAddress[] addresses;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
                addresses = InetAddress.getAllByName(host);
            } catch (NumberFormatException | UnknownHostException e) {
                continue;
            }
            // Every address of the name, as a Kafka client tries them all.
            for (InetAddress address : addresses) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(address, port), 500);
                    return Optional.of(hostPort);
                } catch (IOException e) {
                    // closed: nothing answers there
                }
            }
        }
        return Optional.empty();
    }

    static boolean onlyLoopback(String servers) {
        for (String server : servers.split(",")) {
            String host = server.trim();
            int colon = host.lastIndexOf(':');
            if (colon > 0) {
                host = host.substring(0, colon);
            }
            if (!(host.equals("localhost") || LOOPBACK_V4.matcher(host).matches() || host.equals("[::1]"))) {
                return false;
            }
        }
        return true;
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
