package dev.videoworker.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;

/**
 * A real single-node Kafka (KRaft broker and controller in one) running inside the current JVM on free loopback ports.
 *
 * <p>Used by tests and by {@link LocalStack}; there is no Docker on the build machines, so Testcontainers and
 * Dev Services are not an option. An instance either owns the server it started, or is a handle to a broker started
 * elsewhere in the JVM (see {@link #attach(String)}), in which case {@link #close()} leaves the broker running.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final int NODE_ID = 1;

    private final String bootstrapServers;
    private volatile KafkaRaftServer server;
    private final Properties props;
    private final Path dataDir;
    private final boolean deleteDataOnClose;

    private KafkaBroker(String bootstrapServers, KafkaRaftServer server, Properties props, Path dataDir,
            boolean deleteDataOnClose) {
        this.bootstrapServers = bootstrapServers;
        this.server = server;
        this.props = props;
        this.dataDir = dataDir;
        this.deleteDataOnClose = deleteDataOnClose;
    }

    /** Starts a broker whose log directory is a fresh temp directory, deleted on {@link #close()}. */
    public static KafkaBroker start() {
        try {
            return start(Files.createTempDirectory("kafka-kraft-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a broker with its data under {@code dataDir}; the directory is wiped first, because the formatted
     * metadata records the quorum's listener ports, which change on every start.
     */
    public static KafkaBroker start(Path dataDir, boolean deleteDataOnClose) {
        QuietLogs.apply();
        try {
            deleteRecursively(dataDir);
            Files.createDirectories(dataDir);
            int brokerPort = Ports.free();
            int controllerPort = Ports.free();
            Path logDir = dataDir.resolve("logs");
            Properties props = serverProperties(brokerPort, controllerPort, logDir);
            Path configFile = dataDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "single-node KRaft broker for tests and the local stack");
            }
            format(configFile);

            KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            KafkaBroker broker = new KafkaBroker(bootstrap, server, props, dataDir, deleteDataOnClose);
            try {
                broker.awaitReady();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A handle on a broker started elsewhere in this JVM (possibly by another class loader); close() is a no-op. */
    public static KafkaBroker attach(String bootstrapServers) {
        return new KafkaBroker(bootstrapServers, null, null, null, false);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates a topic with replication factor 1; an existing topic of that name is left as it is. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create topic " + name, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /** An admin client on this broker; the caller closes it. */
    public Admin admin() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-broker-admin");
        return Admin.create(props);
    }

    /**
     * Stops the broker as an operator's restart would (its data stays), then starts it again on the same ports, so
     * clients reconnect to the same address. Only for a broker this instance started.
     */
    public void restart() {
        if (server == null) {
            throw new IllegalStateException("only a broker started by this instance can be restarted");
        }
        server.shutdown();
        server.awaitShutdown();
        KafkaRaftServer again = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        again.startup();
        server = again;
        awaitReady();
    }

    /** Stops the broker (when this instance started it) and deletes its temp data. */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        if (deleteDataOnClose) {
            deleteRecursively(dataDir);
        }
    }

    private static Properties serverProperties(int brokerPort, int controllerPort, Path logDir) {
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", String.valueOf(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        // One node: every internal topic must make do with a single replica.
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // Few internal partitions: creating 50 of them on the first group join costs seconds in every test run.
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.num.partitions", "3");
        props.put("share.coordinator.state.topic.num.partitions", "3");
        // Tests join consumer groups constantly; the default 3 s delay would slow every one of them.
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "true");
        props.put("num.partitions", "3");
        // The cleaner allocates its dedupe buffer up front (128 MiB by default); compacted test topics are tiny.
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        return props;
    }

    private static void format(Path configFile) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        String[] args = {"format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString()};
        int exit;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            exit = StorageTool$.MODULE$.execute(args, out);
        }
        if (exit != 0) {
            throw new IllegalStateException("kafka storage format failed (" + exit + "): " + buffer.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady() {
        try (Admin admin = admin()) {
            int nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            if (nodes != 1) {
                throw new IllegalStateException("expected one broker, found " + nodes);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("kafka broker did not become ready at " + bootstrapServers, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
