package dev.videoworker.store;

import java.nio.charset.StandardCharsets;
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
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern UNSAFE_VALUE_CHARS = Pattern.compile("[^A-Za-z0-9._=-]");

    private ObjectKeys() {
    }

    /**
     * Substitutes {@code {name}} variables with sanitised values: anything outside {@code [A-Za-z0-9._=-]} becomes
     * {@code _}, and a value made only of dots cannot form a {@code ..} segment.
     */
    public static String render(String template, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("unknown variable {" + m.group(1) + "} in key template");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(sanitise(value)));
        }
        m.appendTail(out);
        return out.toString();
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
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return Optional.of("the object key must not contain control characters");
            }
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

    /** Returns why a bucket name breaks the S3 naming rules, or empty when it is fine. */
    public static Optional<String> bucketProblem(String bucket) {
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            return Optional.of("bucket names are 3-63 characters of lowercase letters, digits, '.' and '-'");
        }
        return Optional.empty();
    }
}
