package dev.videoworker.config;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * The Kafka clients' metrics reporter in place of the default {@code JmxReporter} ({@code kafka.metric.reporters}):
 * reports nothing. Every client the worker makes (producers per journal partition, consumers, admin clients) would
 * otherwise register each of its metrics as a JMX MBean, a share of a cold start's CPU for something the worker does
 * not expose: the Prometheus endpoint reads the clients' metrics directly (Micrometer's Kafka binder), not over JMX.
 */
public class NoJmxReporter implements MetricsReporter {

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to set up
    }

    @Override
    public void init(List<KafkaMetric> metrics) {
        // nothing reported
    }

    @Override
    public void metricChange(KafkaMetric metric) {
        // nothing reported
    }

    @Override
    public void metricRemoval(KafkaMetric metric) {
        // nothing reported
    }

    @Override
    public void close() {
        // nothing held
    }
}
