package dev.videoworker.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Summarises {@code jfr print --events jdk.ExecutionSample} output: the methods most often on top of the stack (self
 * time), and the worker's own methods most often anywhere on it, for the benchmark's "where does the time go".
 */
final class JfrTopFrames {

    private JfrTopFrames() {
    }

    /** Share of samples (0..1) by top frame, highest first, at most {@code limit}. */
    static Map<String, Double> topFrames(String jfrPrint, int limit) {
        return rank(stacks(jfrPrint), limit, false);
    }

    /** Share of samples (0..1) whose stack contains a frame of {@code dev.videoworker}, by the topmost such frame. */
    static Map<String, Double> topOwnFrames(String jfrPrint, int limit) {
        return rank(stacks(jfrPrint), limit, true);
    }

    static int sampleCount(String jfrPrint) {
        return stacks(jfrPrint).size();
    }

    private static Map<String, Double> rank(List<List<String>> stacks, int limit, boolean ownOnly) {
        Map<String, Integer> counts = new HashMap<>();
        for (List<String> stack : stacks) {
            String frame = null;
            for (String candidate : stack) {
                if (!ownOnly || candidate.startsWith("dev.videoworker.")) {
                    frame = candidate;
                    break;
                }
            }
            if (frame != null) {
                counts.merge(frame, 1, Integer::sum);
            }
        }
        Map<String, Double> ranked = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(limit)
                .forEach(e -> ranked.put(e.getKey(), e.getValue() / (double) Math.max(1, stacks.size())));
        return ranked;
    }

    /** Each sample's frames, top first, as {@code class.method} (line numbers and bytecode indexes dropped). */
    private static List<List<String>> stacks(String text) {
        List<List<String>> stacks = new ArrayList<>();
        List<String> current = null;
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (line.startsWith("stackTrace = [")) {
                current = new ArrayList<>();
            } else if (current != null && (line.equals("]") || line.startsWith("]"))) {
                stacks.add(current);
                current = null;
            } else if (current != null && !line.isEmpty() && !line.equals("...")) {
                int paren = line.indexOf('(');
                current.add(paren > 0 ? line.substring(0, paren) : line);
            }
        }
        return stacks;
    }
}
