package dev.videoworker.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Packing is lossless whatever the size and content, keeps the key first, and shrinks the usual job record. */
class PackedStatesTest {

    final PackedStates packing = new PackedStates();

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    byte[] roundTrip(byte[] json, String key) {
        byte[] k = utf8(key);
        byte[] packed = packing.pack(json, k);
        assertThat(Arrays.copyOf(packed, k.length)).as("the key comes first").isEqualTo(k);
        return packing.unpack(packed, k.length, json.length);
    }

    @Test
    void whatIsPackedComesBackByteForByte() {
        Random random = new Random(15);
        for (int size : new int[] {1, 100, 8 * 1024, 8 * 1024 + 1, 200_000}) {
            byte[] noise = new byte[size];
            random.nextBytes(noise);
            assertThat(roundTrip(noise, "job-" + size)).as("%d random bytes", size).isEqualTo(noise);
        }
        byte[] text = utf8("{\"prompt\":\"Ein Leuchtturm im Nebel, 灯台, маяк\"}");
        assertThat(roundTrip(text, "маяк-1")).isEqualTo(text);
        // after a large one, a small one again (the working buffer is not kept grown)
        assertThat(roundTrip(new byte[] {'{', '}'}, "")).containsExactly('{', '}');
        // a key longer than the working buffer
        String longKey = "k".repeat(20_000);
        assertThat(roundTrip(text, longKey)).isEqualTo(text);
    }

    @Test
    void aUsualJobRecordIsHeldInLessThanAThirdOfItsBytes() {
        byte[] record = utf8("{\"jobId\":\"bench-s-1733390000-5\",\"partition\":2,\"status\":\"in_progress\",\"request\":"
                + "{\"jobId\":\"bench-s-1733390000-5\",\"model\":\"sora-2\",\"prompt\":\"bench in-flight job 5\","
                + "\"size\":\"720x1280\",\"seconds\":\"4\",\"variants\":[]},\"videoId\":"
                + "\"video_b3fce16a0137496f993e86b0008c505c\",\"progress\":37,\"costUsd\":0.40,\"variants\":{},"
                + "\"timings\":{\"receivedAt\":\"2026-12-05T04:00:00.123456Z\",\"submittedAt\":"
                + "\"2026-12-05T04:00:00.128456Z\"},\"deadline\":\"2026-12-05T05:00:00.123456Z\",\"attempts\":1,"
                + "\"updatedAt\":\"2026-12-05T04:00:05.123456Z\",\"trace\":"
                + "\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"route\":{\"provider\":\"default\","
                + "\"model\":\"sora-2\",\"keyName\":\"default\"},\"version\":3}");
        byte[] id = utf8("bench-s-1733390000-5");
        byte[] packed = packing.pack(record, id);
        assertThat(packed.length).as("%d bytes packed, with the key", record.length).isLessThan(record.length / 3);
        assertThat(packing.unpack(packed, id.length, record.length)).isEqualTo(record);
        // the id it holds twice (2 x 20 bytes) costs a few bytes besides the key itself: it is in the dictionary
        byte[] noId = utf8(new String(record, StandardCharsets.UTF_8).replace("bench-s-1733390000-5", ""));
        assertThat(packed.length - id.length).isLessThanOrEqualTo(packing.pack(noId, new byte[0]).length + 12);
    }

    @Test
    void aStateIsUnpackedWithTheKeyItWasPackedWithEvenAfterALongOne() {
        byte[] record = utf8("{\"jobId\":\"a\",\"request\":{\"jobId\":\"a\"}}");
        String longId = "x".repeat(5_000);
        byte[] other = utf8("{\"jobId\":\"" + longId + "\"}");
        byte[] packedLong = packing.pack(other, utf8(longId));
        byte[] packed = packing.pack(record, utf8("a"));
        assertThat(packing.unpack(packedLong, longId.length(), other.length)).isEqualTo(other);
        assertThat(packing.unpack(packed, 1, record.length)).isEqualTo(record);
    }
}
