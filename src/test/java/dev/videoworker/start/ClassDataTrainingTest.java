package dev.videoworker.start;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassDataTrainingTest {

    /** Set by its static initialiser: linking must not run it. */
    static volatile boolean initialised;

    static final class LinkedNotInitialised {
        static {
            initialised = true;
        }
    }

    @Test
    void readsTheClassesOfAClassLoadingLogThatAnArchiveCanTake() {
        assertThat(ClassDataTraining.loadedClass("[1.027s][info][class,load] org.apache.kafka.clients.NetworkClient "
                + "source: file:/deployments/lib/main/org.apache.kafka.kafka-clients-4.1.2.jar"))
                .contains("org.apache.kafka.clients.NetworkClient");
        assertThat(ClassDataTraining.loadedClass("[0.2s][info][class,load] a.B$Inner source: jrt:/java.base"))
                .contains("a.B$Inner");
        // already in an archive, generated, or not a class-loading line
        assertThat(ClassDataTraining.loadedClass("[0.041s][info][class,load] java.lang.Object source: shared objects "
                + "file")).isEmpty();
        assertThat(ClassDataTraining.loadedClass("[0.9s][info][class,load] a.B source: shared objects file (top)"))
                .isEmpty();
        assertThat(ClassDataTraining.loadedClass("[1.1s][info][class,load] a.B$$Lambda$123/0x0000000800c4b000 "
                + "source: a.B")).isEmpty();
        assertThat(ClassDataTraining.loadedClass("[1.1s][info][class,load] jdk.internal.reflect."
                + "GeneratedMethodAccessor3 source: __JVM_DefineClass__")).isEmpty();
        assertThat(ClassDataTraining.loadedClass("[1.1s][info][class,load] jdk.proxy1.$Proxy4 source: "
                + "jdk.proxy1")).isEmpty();
        assertThat(ClassDataTraining.loadedClass("[1.1s][info][cds] Skipping a/B: Not linked")).isEmpty();
        assertThat(ClassDataTraining.loadedClass("")).isEmpty();
    }

    static class Base {
    }

    static class Sub extends Base {
    }

    /** Verifying {@link #pick} checks that a {@link Sub} is a {@link Base}: the verifier loads both. */
    static final class Returns {
        static Base pick(Sub sub) {
            return sub;
        }
    }

    @Test
    void linksTheLoggedClassesWithoutInitialisingThem(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("classes.log");
        Files.write(log, List.of(
                "[0.5s][info][class,load] " + Returns.class.getName() + " source: file:/x.jar",
                "[0.5s][info][class,load] " + Returns.class.getName() + " source: file:/x.jar",
                "[0.5s][info][class,load] " + LinkedNotInitialised.class.getName() + " source: file:/x.jar",
                "[0.6s][info][class,load] no.such.Clazz source: file:/x.jar",
                "[0.7s][info][class,load] java.lang.String source: shared objects file"));
        // Loading alone does not verify: the loader is not asked for Sub.
        RecordingLoader loadOnly = new RecordingLoader();
        Class.forName(Returns.class.getName(), false, loadOnly);
        assertThat(loadOnly.asked).doesNotContain(Sub.class.getName());

        RecordingLoader loader = new RecordingLoader();
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        int linked;
        Thread.currentThread().setContextClassLoader(loader);
        try {
            linked = ClassDataTraining.linkLogged(log);
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }

        assertThat(linked).as("the two loadable classes, once each").isEqualTo(2);
        assertThat(loader.asked).as("verified, so linked").contains(Sub.class.getName(), Base.class.getName());
        assertThat(initialised).as("linked, not initialised").isFalse();
    }

    /** Defines this test's nested classes itself (the rest from its parent) and records which it was asked for. */
    static final class RecordingLoader extends ClassLoader {
        final Set<String> asked = ConcurrentHashMap.newKeySet();

        RecordingLoader() {
            super(ClassDataTrainingTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(ClassDataTrainingTest.class.getName() + "$")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                asked.add(name);
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }

    @Test
    void aLogThatCannotBeReadLinksNothing(@TempDir Path dir) {
        assertThat(ClassDataTraining.linkLogged(dir.resolve("missing.log"))).isZero();
    }

    @Test
    void onlyLoopbackBootstrapServersAreAccepted() {
        assertThat(ClassDataTraining.onlyLoopback("127.0.0.1:9")).isTrue();
        assertThat(ClassDataTraining.onlyLoopback("localhost:9092, 127.0.0.2:9093")).isTrue();
        assertThat(ClassDataTraining.onlyLoopback("[::1]:9")).isTrue();
        assertThat(ClassDataTraining.onlyLoopback("kafka:9092")).isFalse();
        assertThat(ClassDataTraining.onlyLoopback("127.0.0.1:9,10.0.0.7:9092")).isFalse();
        assertThat(ClassDataTraining.onlyLoopback("127.0.0.1.example.com:9092")).isFalse();
    }

    @Test
    void aBootstrapServerThatAcceptsConnectionsIsFound() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        assertThat(ClassDataTraining.answering("127.0.0.1:" + closed)).isEmpty();
        try (ServerSocket open = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String listening = "127.0.0.1:" + open.getLocalPort();
            assertThat(ClassDataTraining.answering("127.0.0.1:" + closed + "," + listening)).contains(listening);
        }
    }
}
