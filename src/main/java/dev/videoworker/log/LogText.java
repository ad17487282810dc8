package dev.videoworker.log;

/**
 * Makes a user-given string (job id, prompt, object key, the provider's ids and messages) safe to put in a log line:
 * characters that could forge or hide log content are escaped as <code>&#92;uXXXX</code> and very long values are cut.
 *
 * <p>Escaped: control characters (tab, line feed, carriage return and U+0085 too), Unicode format characters (such
 * as U+202E, which reverses the rest of a line in a terminal, or U+200B and U+FEFF, which are invisible), the line and
 * paragraph separators U+2028 and U+2029, and surrogates that are not part of a pair. A backslash stays as it is, so
 * an escape can be told from the same six characters typed by a user only by context; a log line is for reading, not
 * parsing back.
 */
public final class LogText {

    /** Longest value kept whole; a longer one is cut here and its full length given. */
    public static final int MAX_CHARS = 200;

    private LogText() {
    }

    /** {@code value} with every unsafe character escaped and cut at {@value #MAX_CHARS} characters; "null" for null. */
    public static String safe(String value) {
        if (value == null) {
            return "null";
        }
        int length = value.length();
        int end = Math.min(length, MAX_CHARS);
        if (end < length && Character.isHighSurrogate(value.charAt(end - 1))
                && Character.isLowSurrogate(value.charAt(end))) {
            end--; // do not cut a pair in two
        }
        StringBuilder out = null;
        for (int i = 0; i < end; ) {
            int codePoint = value.codePointAt(i);
            int chars = Character.charCount(codePoint);
            if (unsafe(codePoint)) {
                if (out == null) {
                    out = new StringBuilder(end + 32).append(value, 0, i);
                }
                for (int j = i; j < i + chars; j++) {
                    out.append(String.format("\\u%04X", (int) value.charAt(j)));
                }
            } else if (out != null) {
                out.appendCodePoint(codePoint);
            }
            i += chars;
        }
        String text = out == null ? value.substring(0, end) : out.toString();
        return end < length ? text + "…(" + length + " chars)" : text;
    }

    /** A lone surrogate comes here as itself (codePointAt gives it back unpaired). */
    private static boolean unsafe(int codePoint) {
        return Character.isISOControl(codePoint) || codePoint == '\u2028' || codePoint == '\u2029'
                || Character.getType(codePoint) == Character.FORMAT
                || Character.getType(codePoint) == Character.SURROGATE;
    }
}
