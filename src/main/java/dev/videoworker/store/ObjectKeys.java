package dev.videoworker.store;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders object keys from templates and refuses keys that could escape their prefix or confuse a store.
 */
public final class ObjectKeys {

    /** S3 allows 1024 bytes of UTF-8 per key. */
    static final int MAX_KEY_BYTES = 1024;

    private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z]+)}");
    /** A brace and what it encloses, up to the next brace: each must be a known {@link #VARIABLE}. */
    private static final Pattern BRACED = Pattern.compile("\\{[^{}]*}?|}");
    private static final int MAX_QUOTED_CHARS = 40;
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern UNSAFE_VALUE_CHARS = Pattern.compile("[^A-Za-z0-9._=-]");

    private ObjectKeys() {
    }

    /**
     * Substitutes {@code {name}} variables with sanitised values: anything outside {@code [A-Za-z0-9._=-]} becomes
     * {@code _}, and a value made only of dots cannot form a {@code ..} segment. Every brace must belong to a variable
     * of {@code variables}: text like {@code {jobId.class}} or a lone {@code {} is refused, not written literally.
     *
     * @throws IllegalArgumentException naming the first brace that is not a known variable
     */
    public static String render(String template, Map<String, String> variables) {
        Matcher m = BRACED.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Matcher variable = VARIABLE.matcher(m.group());
            String value = variable.matches() ? variables.get(variable.group(1)) : null;
            if (value == null) {
                throw new IllegalArgumentException(quote(m.group()) + " is not a variable");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(sanitise(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String quote(String braced) {
        String shown = braced.length() <= MAX_QUOTED_CHARS ? braced
                : braced.substring(0, MAX_QUOTED_CHARS - 1) + "…";
        return unsafeCharacter(shown).isPresent() ? "a brace enclosing unsafe characters" : "'" + shown + "'";
    }

    /** The template's text before its first variable: every key rendered from it starts with this. */
    static String literalPrefix(String template) {
        Matcher m = VARIABLE.matcher(template);
        return m.find() ? template.substring(0, m.start()) : template;
    }

    /**
     * A regular expression matching every key {@link #render} can make of {@code template}: its text as it is, each
     * variable one or more characters of those {@link #sanitise} lets through.
     */
    static String regex(String template) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        int literalFrom = 0;
        while (m.find()) {
            out.append(Pattern.quote(template.substring(literalFrom, m.start()))).append("[A-Za-z0-9._=-]+");
            literalFrom = m.end();
        }
        return out.append(Pattern.quote(template.substring(literalFrom))).toString();
    }

    static String sanitise(String value) {
        String safe = UNSAFE_VALUE_CHARS.matcher(value).replaceAll("_");
        if (safe.isEmpty() || safe.chars().allMatch(c -> c == '.')) {
            return safe.replace('.', '_') + "_";
        }
        return safe;
    }

    /** Returns why a rendered key is unsafe, or empty when it may be written. */
    public static Optional<String> problem(String key) {
        if (key == null || key.isEmpty()) {
            return Optional.of("the object key is empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            return Optional.of("the object key is longer than " + MAX_KEY_BYTES + " bytes");
        }
        if (key.startsWith("/")) {
            return Optional.of("the object key must not start with '/'");
        }
        if (key.indexOf('\\') >= 0) {
            return Optional.of("the object key must not contain a backslash");
        }
        Optional<String> unsafe = unsafeCharacter(key);
        if (unsafe.isPresent()) {
            return Optional.of("the object key must not contain " + unsafe.get());
        }
        for (String segment : key.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return Optional.of("the object key must not contain '.' or '..' segments");
            }
            if (segment.isEmpty()) {
                return Optional.of("the object key must not contain empty segments ('//' or a trailing '/')");
            }
        }
        return Optional.empty();
    }

    /**
     * The first character of {@code text} that has no place in an object key or a job id, named by its code point
     * (e.g. {@code U+202E (a format character)}), or empty. Control characters (C0, DEL, C1 such as U+0085), format
     * characters (Cf: U+200B, U+202E, U+FEFF, ...) and line or paragraph separators are invisible, reorder or break
     * lines, and an S3 request for such a key is not signed as the store expects; an unpaired surrogate has no UTF-8
     * encoding at all.
     */
    public static Optional<String> unsafeCharacter(String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            String kind = switch (Character.getType(c)) {
                case Character.CONTROL -> "a control character";
                case Character.FORMAT -> "a format character";
                case Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> "a line separator";
                case Character.SURROGATE -> "an unpaired surrogate";
                default -> null;
            };
            if (kind != null) {
                return Optional.of(codePoint(c) + " (" + kind + ")");
            }
            i += Character.charCount(c);
        }
        return Optional.empty();
    }

    /** A code point as {@code U+XXXX}: safe to show wherever the character itself is not. */
    public static String codePoint(int c) {
        return String.format(Locale.ROOT, "U+%04X", c);
    }

    /** Returns why a bucket name breaks the S3 naming rules, or empty when it is fine. */
    public static Optional<String> bucketProblem(String bucket) {
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            return Optional.of("bucket names are 3-63 characters of lowercase letters, digits, '.' and '-'");
        }
        return Optional.empty();
    }
}
