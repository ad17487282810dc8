package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

/** The group's status when the broker does not answer, and a partition's backlog from its offsets. */
class ConsumerGroupStatusTest {

    static ListOffsetsResultInfo at(long offset) {
        return new ListOffsetsResultInfo(offset, -1, Optional.empty());
    }

    @Test
    void theBacklogCountsFromTheCommittedOffsetOrTheFirstRecordStillThere() {
        assertThat(ConsumerGroupStatus.backlog(at(100), at(0), new OffsetAndMetadata(90))).isEqualTo(10);
        // Nothing committed yet: everything still in the partition, not everything ever written to it.
        assertThat(ConsumerGroupStatus.backlog(at(100), at(70), null)).isEqualTo(30);
        // Committed before records were deleted by retention: from the first record still there.
        assertThat(ConsumerGroupStatus.backlog(at(100), at(95), new OffsetAndMetadata(20))).isEqualTo(5);
        assertThat(ConsumerGroupStatus.backlog(null, at(0), null)).isZero();
        assertThat(ConsumerGroupStatus.backlog(at(5), at(0), new OffsetAndMetadata(7))).isZero();
    }

    /**
     * A broker that does not answer: the call fails after the 5-second deadline, not three times that, and the next
     * caller within a second gets the remembered failure at once instead of asking again.
     */
    @Test
    void aBrokerThatDoesNotAnswerFailsWithinTheDeadlineAndTheFailureIsRemembered() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        ConsumerGroupStatus status = new ConsumerGroupStatus(Map.of("bootstrap.servers", "127.0.0.1:" + port,
                "reconnect.backoff.max.ms", 200), "no-such-group", "video.requests");
        try {
            long started = System.nanoTime();
            assertThatThrownBy(status::describe).isInstanceOf(ExecutionException.class);
            long firstMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(firstMs).as("first call, ms").isLessThan(ConsumerGroupStatus.FRESH.toMillis() * 8);
            started = System.nanoTime();
            assertThatThrownBy(status::describe).isInstanceOf(ExecutionException.class);
            assertThat((System.nanoTime() - started) / 1_000_000).as("second call, ms").isLessThan(2_000);
        } finally {
            status.close();
        }
    }
}
