package dev.videoworker.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link LogText#safe}: what could forge, break or hide a log line comes out escaped; ordinary text, including
 * letters outside the BMP, comes out as it went in.
 */
class LogTextTest {

    @Test
    void keepsOrdinaryTextAsItIs() {
        String text = "job-42 Ein Fuchs im Schnee, 雪の中の狐 🦊 \\u202E";
        assertThat(LogText.safe(text)).isEqualTo(text);
    }

    @Test
    void escapesAJobIdThatWouldReverseOrBreakTheLogLine() {
        String jobId = "job-\u202Eexe.4pm\u2028forged: job x stored\u0085again";

        String line = String.format("job %s stored", LogText.safe(jobId));

        assertThat(line).isEqualTo("job job-\\u202Eexe.4pm\\u2028forged: job x stored\\u0085again stored");
        assertThat(line).doesNotContain("\u202E", "\u2028", "\u0085");
        assertThat(line.lines()).hasSize(1);
    }

    @Test
    void escapesControlCharactersIncludingLineBreaksAndTabs() {
        assertThat(LogText.safe("a\nb\rc\td\u0000e\u001Bf\u007Fg\u009Bh"))
                .isEqualTo("a\\u000Ab\\u000Dc\\u0009d\\u0000e\\u001Bf\\u007Fg\\u009Bh");
    }

    @Test
    void escapesFormatCharactersAndSeparators() {
        assertThat(LogText.safe("\uFEFF\u200B\u200D\u2066\u2029x"))
                .isEqualTo("\\uFEFF\\u200B\\u200D\\u2066\\u2029x");
        // U+E0001 LANGUAGE TAG, a format character outside the BMP: both halves escaped
        assertThat(LogText.safe("a" + new String(Character.toChars(0xE0001)) + "b")).isEqualTo("a\\uDB40\\uDC01b");
    }

    @Test
    void escapesUnpairedSurrogatesButKeepsPairs() {
        assertThat(LogText.safe("x\uD83Dy\uDE00z\uD83D\uDE00")).isEqualTo("x\\uD83Dy\\uDE00z\uD83D\uDE00");
        assertThat(LogText.safe("end\uD83D")).isEqualTo("end\\uD83D");
    }

    @Test
    void capsAbsurdlyLongValuesAndSaysHowLongTheyWere() {
        String prompt = "p".repeat(100_000);

        String safe = LogText.safe(prompt);

        assertThat(safe).isEqualTo("p".repeat(LogText.MAX_CHARS) + "…(100000 chars)");
    }

    @Test
    void neverCutsASurrogatePairInTwo() {
        String value = "a".repeat(LogText.MAX_CHARS - 1) + "🦊" + "tail";

        assertThat(LogText.safe(value)).isEqualTo("a".repeat(LogText.MAX_CHARS - 1) + "…(" + value.length()
                + " chars)");
    }

    @Test
    void writesNullAsTheWordNull() {
        assertThat(LogText.safe(null)).isEqualTo("null");
    }
}
