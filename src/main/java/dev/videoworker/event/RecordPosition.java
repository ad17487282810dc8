package dev.videoworker.event;

/**
 * Where a request record sits in Kafka; it names a job that has no other id, stably across redeliveries.
 */
public record RecordPosition(String topic, int partition, long offset) {

    public String derivedJobId() {
        return topic + "-" + partition + "-" + offset;
    }
}
