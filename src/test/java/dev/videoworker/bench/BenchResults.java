package dev.videoworker.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The figures of one benchmark run: each metric with its unit and, where the issue sets one, its target; plus the
 * run's context (machine, command, date) and details. Written as JSON, as a markdown table and (through
 * {@link ResultsChart}) as a PNG.
 */
final class BenchResults {

    /** A target: the measured value must be at least ({@code AT_LEAST}) or at most ({@code AT_MOST}) the bound. */
    enum Goal {
        AT_LEAST("≥"), AT_MOST("≤");

        final String symbol;

        Goal(String symbol) {
            this.symbol = symbol;
        }
    }

    /**
     * One figure. {@code value} is NaN when it was not measured (phase skipped or failed); {@code target} and
     * {@code goal} are null for figures reported without a target.
     */
    record Metric(String id, String phase, String name, double value, String unit, Double target, Goal goal,
            String note) {

        /** Whether the target is met; null without a target or without a value. */
        Boolean met() {
            if (target == null || Double.isNaN(value)) {
                return null;
            }
            return goal == Goal.AT_LEAST ? value >= target : value <= target;
        }

        /** How far from the target, as a share of it (0.25: a quarter short or over); null when met or no target. */
        Double missBy() {
            Boolean met = met();
            if (met == null || met) {
                return null;
            }
            return Math.abs(value - target) / target;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final List<Metric> metrics = new ArrayList<>();
    private final Map<String, Object> context = new LinkedHashMap<>();
    private final Map<String, Object> details = new LinkedHashMap<>();
    private JsonNode polling;

    void add(Metric metric) {
        metrics.add(metric);
    }

    void add(String id, String phase, String name, double value, String unit, Double target, Goal goal, String note) {
        add(new Metric(id, phase, name, value, unit, target, goal, note));
    }

    List<Metric> metrics() {
        return List.copyOf(metrics);
    }

    void context(String key, Object value) {
        context.put(key, value);
    }

    void detail(String key, Object value) {
        details.put(key, value);
    }

    /** (d), measured elsewhere ({@code PollingEfficiency}); null leaves a placeholder. */
    void polling(JsonNode value) {
        polling = value;
    }

    String toJson() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.set("context", JSON.valueToTree(context));
        ArrayNode list = root.putArray("metrics");
        for (Metric m : metrics) {
            ObjectNode node = list.addObject();
            node.put("id", m.id());
            node.put("phase", m.phase());
            node.put("name", m.name());
            if (Double.isNaN(m.value())) {
                node.putNull("value");
            } else {
                node.put("value", m.value());
            }
            node.put("unit", m.unit());
            if (m.target() != null) {
                node.put("target", m.target());
                node.put("goal", m.goal() == Goal.AT_LEAST ? "at_least" : "at_most");
            }
            Boolean met = m.met();
            if (met != null) {
                node.put("met", met);
            }
            if (m.note() != null) {
                node.put("note", m.note());
            }
        }
        if (polling != null) {
            root.set("polling", polling);
        } else {
            root.putObject("polling").put("status", "not measured: target/bench/polling.json (written by "
                    + "PollingEfficiency) was not there when this run ended");
        }
        root.set("details", JSON.valueToTree(details));
        return JSON.writeValueAsString(root);
    }

    String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("| phase | metric | measured | target | met |\n|---|---|---|---|---|\n");
        for (Metric m : metrics) {
            Boolean met = m.met();
            md.append("| ").append(m.phase()).append(" | ").append(m.name());
            if (m.note() != null) {
                md.append(" (").append(m.note()).append(')');
            }
            md.append(" | ").append(Double.isNaN(m.value()) ? "not measured" : format(m.value()) + " " + m.unit())
                    .append(" | ")
                    .append(m.target() == null ? "–" : m.goal().symbol + " " + format(m.target()) + " " + m.unit())
                    .append(" | ")
                    .append(met == null ? "–" : met ? "yes" : String.format(Locale.ROOT, "**no** (%s by %.0f %%)",
                            m.goal() == Goal.AT_LEAST ? "short" : "over", m.missBy() * 100))
                    .append(" |\n");
        }
        if (polling == null) {
            md.append("| d | polling efficiency | not measured (no target/bench/polling.json) | – | – |\n");
        } else {
            md.append("| d | polling efficiency | see `polling` in results.json | – | – |\n");
        }
        return md.toString();
    }

    /** Writes {@code results.json}, {@code results.md} and {@code results.png} into {@code dir}. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("results.json"), toJson());
        Files.writeString(dir.resolve("results.md"), toMarkdown());
        ResultsChart.render(metrics, dir.resolve("results.png"));
    }

    /** Three significant digits or so: enough for figures of a noisy machine. */
    static String format(double value) {
        double abs = Math.abs(value);
        if (abs >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    /** Reads a results file back (for merging and tests). */
    static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }
}
