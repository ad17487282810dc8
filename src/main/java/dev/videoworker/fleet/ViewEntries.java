package dev.videoworker.fleet;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The fleet view's entries by their record key, in the order they last changed (the eldest first). A hash table whose
 * links live in the entries themselves ({@link FleetView.Entry#next}, {@code older}, {@code newer}) and whose keys are
 * the first bytes of each entry's packed array: no map node and no key {@code String} per entry, ~70 bytes less for
 * each of the other replicas' jobs than a {@code LinkedHashMap<String, Entry>} (measured; the entry itself grew by 16).
 * <p>
 * Keys are job ids clients chose, so the hash is seeded per table (a random start and odd multiplier, and a shift
 * after each byte, so that it is not a polynomial in them): keys are not made to collide without knowing the seed. It
 * is not a cryptographic hash; a chain is in any case bounded by the view's own bound on jobs. The table grows, and
 * shrinks only when cleared. Not thread-safe (the view guards it).
 */
final class ViewEntries {

    private static final int INITIAL = 16;

    private final long seed;
    private final long multiplier;
    private FleetView.Entry[] buckets = new FleetView.Entry[INITIAL];
    private int size;
    /** The entry changed least recently, and most recently. */
    private FleetView.Entry eldest;
    private FleetView.Entry youngest;

    ViewEntries() {
        SplittableRandom random = new SplittableRandom();
        seed = random.nextLong();
        multiplier = random.nextLong() | 1;
    }

    /** The hash of a key (its UTF-8 bytes) in this table. */
    int hash(byte[] key) {
        long h = seed ^ key.length;
        for (byte b : key) {
            h = (h ^ (b & 0xff)) * multiplier;
            h ^= h >>> 29;
        }
        h *= 0xbf58476d1ce4e5b9L;
        return (int) (h ^ (h >>> 32));
    }

    int size() {
        return size;
    }

    /** The entry of {@code key} (UTF-8 bytes, {@code hash} from {@link #hash}), or null. */
    FleetView.Entry get(byte[] key, int hash) {
        for (FleetView.Entry e = buckets[hash & (buckets.length - 1)]; e != null; e = e.next) {
            if (e.hash == hash && e.hasKey(key)) {
                return e;
            }
        }
        return null;
    }

    /** Adds {@code entry} as the youngest; the caller has removed any entry of the same key. */
    void add(FleetView.Entry entry) {
        if (size + 1 > buckets.length - (buckets.length >>> 2)) {
            resize(buckets.length * 2);
        }
        int i = entry.hash & (buckets.length - 1);
        entry.next = buckets[i];
        buckets[i] = entry;
        entry.older = youngest;
        entry.newer = null;
        if (youngest == null) {
            eldest = entry;
        } else {
            youngest.newer = entry;
        }
        youngest = entry;
        size++;
    }

    /** Removes and returns the entry of {@code key}, or null. */
    FleetView.Entry remove(byte[] key, int hash) {
        FleetView.Entry e = get(key, hash);
        if (e != null) {
            unlink(e);
        }
        return e;
    }

    /** The entry changed least recently, or null. */
    FleetView.Entry eldest() {
        return eldest;
    }

    /** Removes {@code entry}, which this table holds. */
    void unlink(FleetView.Entry entry) {
        int i = entry.hash & (buckets.length - 1);
        if (buckets[i] == entry) {
            buckets[i] = entry.next;
        } else {
            FleetView.Entry before = buckets[i];
            while (before.next != entry) {
                before = before.next;
            }
            before.next = entry.next;
        }
        if (entry.older == null) {
            eldest = entry.newer;
        } else {
            entry.older.newer = entry.newer;
        }
        if (entry.newer == null) {
            youngest = entry.older;
        } else {
            entry.newer.older = entry.older;
        }
        entry.next = null;
        entry.older = null;
        entry.newer = null;
        size--;
    }

    /** Every entry, the eldest first. */
    FleetView.Entry[] toArray() {
        FleetView.Entry[] out = new FleetView.Entry[size];
        int n = 0;
        for (FleetView.Entry e = eldest; e != null; e = e.newer) {
            out[n++] = e;
        }
        return out;
    }

    /** Removes the entries {@code which} accepts, calling {@code removed} with each. */
    void removeIf(Predicate<FleetView.Entry> which, Consumer<FleetView.Entry> removed) {
        FleetView.Entry e = eldest;
        while (e != null) {
            FleetView.Entry newer = e.newer;
            if (which.test(e)) {
                unlink(e);
                removed.accept(e);
            }
            e = newer;
        }
    }

    void clear() {
        for (FleetView.Entry e = eldest; e != null;) {
            FleetView.Entry newer = e.newer;
            e.next = null;
            e.older = null;
            e.newer = null;
            e = newer;
        }
        buckets = new FleetView.Entry[INITIAL];
        size = 0;
        eldest = null;
        youngest = null;
    }

    /** How many buckets the table has (tests). */
    int capacity() {
        return buckets.length;
    }

    private void resize(int capacity) {
        FleetView.Entry[] old = buckets;
        buckets = new FleetView.Entry[capacity];
        for (FleetView.Entry head : old) {
            for (FleetView.Entry e = head; e != null;) {
                FleetView.Entry next = e.next;
                int i = e.hash & (capacity - 1);
                e.next = buckets[i];
                buckets[i] = e;
                e = next;
            }
        }
        Arrays.fill(old, null);
    }
}
