package dev.videoworker.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of measured samples (start-up times, latencies) for the benchmark's figures. */
final class Percentiles {

    private Percentiles() {
    }

    /**
     * The nearest-rank {@code p}-th percentile (0 &lt; p &lt;= 100) of {@code samples}: the smallest sample such that at
     * least p % of the samples are no larger; NaN for no samples.
     */
    static double of(double[] samples, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (samples.length == 0) {
            return Double.NaN;
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
