package dev.videoworker.bench;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/** Reads figures out of the Prometheus text format the worker serves at {@code /q/metrics}. */
final class PrometheusText {

    private final String text;

    PrometheusText(String text) {
        this.text = text;
    }

    /**
     * The sum of every sample of {@code metric} whose labels include all of {@code labels} (e.g. all heap pools of
     * {@code jvm_memory_used_bytes} with {@code area="heap"}); empty when none matches. A value starting with
     * {@code *} matches any value ending with the rest ({@code "*Old Gen"}: G1's and the parallel collector's pools).
     */
    OptionalDouble sum(String metric, Map<String, String> labels) {
        double total = 0;
        boolean found = false;
        for (String raw : text.split("\n")) {
            // A sample may be followed by an exemplar (" # {trace_id=...} value timestamp") once tracing is on.
            int exemplar = raw.indexOf(" # ");
            String line = exemplar >= 0 ? raw.substring(0, exemplar) : raw;
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
            if (!name.equals(metric) || space < 0) {
                continue;
            }
            String labelText = brace >= 0 ? line.substring(brace, line.indexOf('}', brace) + 1) : "";
            boolean matches = labels.entrySet().stream().allMatch(e -> e.getValue().startsWith("*")
                    ? Pattern.compile("[{,]" + Pattern.quote(e.getKey()) + "=\"[^\"]*"
                            + Pattern.quote(e.getValue().substring(1)) + "\"").matcher(labelText).find()
                    : labelText.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (matches) {
                total += Double.parseDouble(line.substring(space + 1).trim());
                found = true;
            }
        }
        return found ? OptionalDouble.of(total) : OptionalDouble.empty();
    }
}
