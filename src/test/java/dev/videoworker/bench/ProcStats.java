package dev.videoworker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What Linux says about a process in {@code /proc}: CPU time used and resident memory. */
final class ProcStats {

    /** {@code getconf CLK_TCK} on Linux x86-64 and arm64; /proc/[pid]/stat counts CPU time in these ticks. */
    static final long TICKS_PER_SECOND = 100;

    private ProcStats() {
    }

    /** User plus system CPU time of the process so far, in milliseconds. */
    static long cpuMillis(long pid) throws IOException {
        return cpuTicks(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"))) * 1000 / TICKS_PER_SECOND;
    }

    /**
     * utime + stime (fields 14 and 15) of a {@code /proc/[pid]/stat} line. The command name (field 2) is in
     * parentheses and may contain spaces, so fields are counted after its closing parenthesis.
     */
    static long cpuTicks(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        // fields[0] is field 3 (state): utime is field 14, stime field 15
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * CPU milliseconds so far of each group of the process's live threads, by thread name without its trailing number
     * ({@code vert.x-eventloop-thread-0} and {@code -1} are one group; Linux cuts names to 15 characters).
     */
    static Map<String, Long> cpuMillisByThreadGroup(long pid) throws IOException {
        Map<String, Long> groups = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException ended) {
                    continue;
                }
                groups.merge(threadGroup(stat), cpuTicks(stat) * 1000 / TICKS_PER_SECOND, Long::sum);
            }
        }
        return groups;
    }

    /** The thread's name (field 2, in parentheses) without its trailing number. */
    static String threadGroup(String stat) {
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        return name.replaceAll("[-#_ ]*[0-9]+$", "");
    }

    /** Resident set size of the process now, in bytes. */
    static long rssBytes(long pid) throws IOException {
        return vmRssBytes(Files.readString(Path.of("/proc", String.valueOf(pid), "status")));
    }

    /** {@code VmRSS: 123456 kB} of a {@code /proc/[pid]/status} text, in bytes. */
    static long vmRssBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                return Long.parseLong(parts[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("no VmRSS line");
    }
}
