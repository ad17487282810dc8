package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Packing is lossless whatever the size and content, and shrinks the usual job record. */
class PackedStatesTest {

    final PackedStates packing = new PackedStates();

    @Test
    void whatIsPackedComesBackByteForByte() {
        Random random = new Random(15);
        for (int size : new int[] {1, 100, 8 * 1024, 8 * 1024 + 1, 200_000}) {
            byte[] noise = new byte[size];
            random.nextBytes(noise);
            String id = "job-" + size;
            assertThat(packing.unpack(packing.pack(noise, id), size, id)).as("%d random bytes", size).isEqualTo(noise);
        }
        byte[] text = "{\"prompt\":\"Ein Leuchtturm im Nebel, 灯台, маяк\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(packing.unpack(packing.pack(text, "маяк-1"), text.length, "маяк-1")).isEqualTo(text);
        // after a large one, a small one again (the working buffer is not kept grown)
        assertThat(packing.unpack(packing.pack(new byte[] {'{', '}'}, ""), 2, "")).containsExactly('{', '}');
    }

    @Test
    void aUsualJobRecordIsHeldInLessThanAThirdOfItsBytes() {
        byte[] record = ("{\"jobId\":\"bench-s-1733390000-5\",\"partition\":2,\"status\":\"in_progress\",\"request\":"
                + "{\"jobId\":\"bench-s-1733390000-5\",\"model\":\"sora-2\",\"prompt\":\"bench in-flight job 5\","
                + "\"size\":\"720x1280\",\"seconds\":\"4\",\"variants\":[]},\"videoId\":"
                + "\"video_b3fce16a0137496f993e86b0008c505c\",\"progress\":37,\"costUsd\":0.40,\"variants\":{},"
                + "\"timings\":{\"receivedAt\":\"2026-12-05T04:00:00.123456Z\",\"submittedAt\":"
                + "\"2026-12-05T04:00:00.128456Z\"},\"deadline\":\"2026-12-05T05:00:00.123456Z\",\"attempts\":1,"
                + "\"updatedAt\":\"2026-12-05T04:00:05.123456Z\",\"trace\":"
                + "\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"route\":{\"provider\":\"default\","
                + "\"model\":\"sora-2\",\"keyName\":\"default\"},\"version\":3}").getBytes(StandardCharsets.UTF_8);
        String id = "bench-s-1733390000-5";
        byte[] packed = packing.pack(record, id);
        assertThat(packed.length).as("%d bytes packed", record.length).isLessThan(record.length / 3);
        assertThat(packing.unpack(packed, record.length, id)).isEqualTo(record);
        // the id it holds twice (2 x 20 bytes) costs a few bytes: it is in the dictionary
        byte[] noId = new String(record, StandardCharsets.UTF_8).replace(id, "").getBytes(StandardCharsets.UTF_8);
        assertThat(packed.length).isLessThanOrEqualTo(packing.pack(noId, "").length + 12);
    }

    @Test
    void aStateIsUnpackedWithTheIdItWasPackedWithEvenAfterALongOne() {
        byte[] record = "{\"jobId\":\"a\",\"request\":{\"jobId\":\"a\"}}".getBytes(StandardCharsets.UTF_8);
        String longId = "x".repeat(5_000);
        byte[] other = ("{\"jobId\":\"" + longId + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] packedLong = packing.pack(other, longId);
        byte[] packed = packing.pack(record, "a");
        assertThat(packing.unpack(packedLong, other.length, longId)).isEqualTo(other);
        assertThat(packing.unpack(packed, record.length, "a")).isEqualTo(record);
    }
}
