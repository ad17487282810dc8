package dev.videoworker.simulator;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Sora 2 catalog the simulator enforces: which sizes each model accepts, snapshots mapped to their family.
 */
final class VideoModels {

    static final String DEFAULT_MODEL = "sora-2";
    static final String DEFAULT_SIZE = "720x1280";
    static final String DEFAULT_SECONDS = "4";
    static final List<String> SECONDS = List.of("4", "8", "12");
    static final String SECONDS_LIST = "'4', '8', and '12'";
    static final String SECONDS_CHOICE = "one of '4', '8', or '12'";

    private static final List<String> SORA_2_SIZES = List.of("720x1280", "1280x720");
    private static final List<String> SORA_2_PRO_SIZES = List.of("720x1280", "1280x720", "1024x1792", "1792x1024");
    private static final Map<String, List<String>> SIZES_BY_MODEL = Map.of(
            "sora-2", SORA_2_SIZES,
            "sora-2-2025-10-06", SORA_2_SIZES,
            "sora-2-2025-12-08", SORA_2_SIZES,
            "sora-2-pro", SORA_2_PRO_SIZES,
            "sora-2-pro-2025-10-06", SORA_2_PRO_SIZES);
    static final String MODEL_LIST = "'sora-2', 'sora-2-pro', 'sora-2-2025-10-06', 'sora-2-pro-2025-10-06', "
            + "and 'sora-2-2025-12-08'";

    private VideoModels() {
    }

    /** Allowed sizes of {@code model}, or empty for a model the simulator does not know. */
    static Optional<List<String>> sizesOf(String model) {
        return Optional.ofNullable(SIZES_BY_MODEL.get(model));
    }

    /** {@code 'a', 'b', and 'c'}: how OpenAI lists supported values in its messages. */
    static String quotedList(List<String> values) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                text.append(values.size() == 2 ? " and " : i == values.size() - 1 ? ", and " : ", ");
            }
            text.append('\'').append(values.get(i)).append('\'');
        }
        return text.toString();
    }
}
