package dev.videoworker.provider;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;

/** Lenient reads of a provider's JSON: a missing, null or oddly typed field is null, never an exception. */
final class Fields {

    private Fields() {
    }

    /** The node at a dotted path ({@code outputs.video_url}), or null. */
    static JsonNode at(JsonNode node, String path) {
        JsonNode current = node;
        for (String part : path.split("\\.")) {
            if (current == null || !current.isObject()) {
                return null;
            }
            current = current.get(part);
        }
        return current == null || current.isNull() || current.isMissingNode() ? null : current;
    }

    static String text(JsonNode node, String path) {
        JsonNode value = at(node, path);
        return value == null || value.isContainerNode() ? null : value.asText();
    }

    static Integer integer(JsonNode node, String path) {
        JsonNode value = at(node, path);
        if (value == null) {
            return null;
        }
        if (value.isNumber()) {
            return value.intValue();
        }
        String s = value.asText().trim();
        if (s.endsWith("%")) {
            s = s.substring(0, s.length() - 1).trim();
        }
        try {
            return (int) Math.round(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static BigDecimal decimal(JsonNode node, String path) {
        JsonNode value = at(node, path);
        if (value == null) {
            return null;
        }
        if (value.isNumber()) {
            return value.decimalValue();
        }
        try {
            return new BigDecimal(value.asText().trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Epoch seconds (number or numeric string) or an ISO-8601 timestamp. */
    static Instant instant(JsonNode node, String path) {
        JsonNode value = at(node, path);
        if (value == null) {
            return null;
        }
        if (value.isNumber()) {
            return Instant.ofEpochSecond(value.longValue());
        }
        String s = value.asText().trim();
        try {
            return Instant.ofEpochSecond(Long.parseLong(s));
        } catch (NumberFormatException notSeconds) {
            try {
                return OffsetDateTime.parse(s).toInstant();
            } catch (DateTimeParseException notIso) {
                return null;
            }
        }
    }

    /** The {@code error} of a video or an error envelope: an object with code and message, or a plain string. */
    static Dialect.ErrorWords errorWords(JsonNode error) {
        if (error == null || error.isNull()) {
            return new Dialect.ErrorWords(null, null);
        }
        if (error.isTextual()) {
            return new Dialect.ErrorWords(null, error.asText());
        }
        return new Dialect.ErrorWords(text(error, "code"), text(error, "message"));
    }
}
