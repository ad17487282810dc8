package dev.videoworker.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the worker's output topics from the beginning on a background thread and keeps every record by key, so tests
 * can wait for what a real downstream consumer would see.
 */
public final class TopicRecorder implements AutoCloseable {

    /** One record as a consumer sees it. */
    public record Seen(String topic, String key, byte[] value, Map<String, String> headers) {
        public String text() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name);
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<Seen>> byKey = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public TopicRecorder(String bootstrapServers, List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-recorder-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(topics);
        thread = new Thread(this::run, "topic-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Map<String, String> headers = new ConcurrentHashMap<>();
                    for (Header h : r.headers()) {
                        headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                    String key = r.key() == null ? "" : r.key();
                    byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>())
                            .add(new Seen(r.topic(), key, r.value(), headers));
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    public List<Seen> records(String topic, String key) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : byKey.getOrDefault(key, List.of())) {
            if (s.topic().equals(topic)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Every record of {@code topic} seen so far, whatever its key (in order per key). */
    public List<Seen> records(String topic) {
        List<Seen> out = new ArrayList<>();
        for (List<Seen> seen : byKey.values()) {
            for (Seen s : seen) {
                if (s.topic().equals(topic)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        consumer.wakeup();
        thread.join(10_000);
    }
}
