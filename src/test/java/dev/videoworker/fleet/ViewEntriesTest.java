package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.videoworker.job.JobStatus;
import dev.videoworker.job.JobSummary;

/** The view's table: found by key, ordered by last change, links kept right through growth, collisions and removal. */
class ViewEntriesTest {

    final ViewEntries table = new ViewEntries();

    static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    /** An entry of {@code id} on partition {@code partition}, with the table's hash or the one given. */
    FleetView.Entry entry(String id, int partition, Integer hash) {
        byte[] key = key(id);
        byte[] packed = new byte[key.length + 3];
        System.arraycopy(key, 0, packed, 0, key.length);
        JobSummary summary = new JobSummary(id, partition, JobStatus.IN_PROGRESS, "sora-2", "default",
                Instant.parse("2026-12-05T04:00:00Z"), null, null, null);
        return new FleetView.Entry(summary, null, id, packed, key.length, 10, hash == null ? table.hash(key) : hash);
    }

    List<String> order() {
        List<String> ids = new ArrayList<>();
        for (FleetView.Entry e : table.toArray()) {
            ids.add(e.jobId());
        }
        return ids;
    }

    FleetView.Entry get(String id) {
        return table.get(key(id), table.hash(key(id)));
    }

    @Test
    void entriesAreFoundByKeyAndKeptInTheOrderTheyLastChangedThroughGrowth() {
        int n = 10_000;
        IntStream.range(0, n).forEach(i -> table.add(entry("job-" + i, i % 3, null)));
        assertThat(table.size()).isEqualTo(n);
        assertThat(table.capacity()).isEqualTo(16_384);
        IntStream.range(0, n).forEach(i -> assertThat(get("job-" + i)).isNotNull()
                .extracting(FleetView.Entry::jobId).isEqualTo("job-" + i));
        assertThat(get("job-" + n)).isNull();
        assertThat(table.eldest().jobId()).isEqualTo("job-0");

        // a change is a removal and an add: the job becomes the youngest
        FleetView.Entry again = table.remove(key("job-0"), table.hash(key("job-0")));
        assertThat(again.jobId()).isEqualTo("job-0");
        assertThat(table.remove(key("job-0"), table.hash(key("job-0")))).isNull();
        table.add(entry("job-0", 0, null));
        assertThat(table.eldest().jobId()).isEqualTo("job-1");
        List<String> order = order();
        assertThat(order).hasSize(n).startsWith("job-1", "job-2").endsWith("job-9999", "job-0");
    }

    @Test
    void keysWhoseHashesCollideAreToldApartByTheirBytes() {
        for (String id : List.of("a", "b", "c", "d")) {
            table.add(entry(id, 0, 42));
        }
        assertThat(table.get(key("c"), 42).jobId()).isEqualTo("c");
        assertThat(table.get(key("e"), 42)).isNull();
        assertThat(table.get(key("ab"), 42)).as("a longer key sharing a prefix").isNull();
        // out of the middle of the bucket's chain and of the order
        assertThat(table.remove(key("b"), 42).jobId()).isEqualTo("b");
        assertThat(table.get(key("a"), 42).jobId()).isEqualTo("a");
        assertThat(table.get(key("d"), 42).jobId()).isEqualTo("d");
        assertThat(order()).containsExactly("a", "c", "d");
        table.unlink(table.eldest());
        table.unlink(table.get(key("d"), 42));
        assertThat(order()).containsExactly("c");
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void aPartitionsEntriesLeaveTogetherAndClearEmptiesTheTable() {
        IntStream.range(0, 100).forEach(i -> table.add(entry("job-" + i, i % 3, null)));
        List<String> removed = new ArrayList<>();
        table.removeIf(e -> e.partition == 1, e -> removed.add(e.jobId()));
        assertThat(removed).hasSize(33).allMatch(id -> Integer.parseInt(id.substring(4)) % 3 == 1);
        assertThat(table.size()).isEqualTo(67);
        assertThat(order()).hasSize(67).noneMatch(removed::contains);
        removed.forEach(id -> assertThat(get(id)).isNull());

        table.clear();
        assertThat(table.size()).isZero();
        assertThat(table.eldest()).isNull();
        assertThat(table.toArray()).isEmpty();
        assertThat(get("job-0")).isNull();
        table.add(entry("job-0", 0, null));
        assertThat(order()).containsExactly("job-0");
    }

    /**
     * A Thue-Morse string and its complement of 2^11 bytes have the same value under every polynomial hash modulo 2^64
     * with an odd multiplier (their difference is a product of eleven factors x^(2^i) - 1, divisible by 2^66), and
     * whatever its start; the table's hash is not one (a shift after each byte), so they do not collide.
     */
    @Test
    void keysEqualUnderAnyPolynomialHashDoNotCollide() {
        StringBuilder thueMorse = new StringBuilder();
        StringBuilder complement = new StringBuilder();
        for (int i = 0; i < 2048; i++) {
            boolean odd = Integer.bitCount(i) % 2 == 1;
            thueMorse.append(odd ? 'b' : 'a');
            complement.append(odd ? 'a' : 'b');
        }
        for (int t = 0; t < 4; t++) {
            ViewEntries fresh = new ViewEntries();
            assertThat(fresh.hash(key(thueMorse.toString()))).isNotEqualTo(fresh.hash(key(complement.toString())));
        }
    }

    @Test
    void eachTableHashesKeysItsOwnWay() {
        ViewEntries other = new ViewEntries();
        assertThat(IntStream.range(0, 16).mapToObj(i -> key("job-" + i))
                .anyMatch(k -> table.hash(k) != other.hash(k))).isTrue();
    }
}
