package dev.videoworker.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The hosts a download may reach ({@code worker.input-images.allowed-hosts} for reference images,
 * {@code worker.provider.result-urls.allowed-hosts} for result URLs): exact names, case-insensitive, and
 * {@code *.example.com} entries that match every subdomain of example.com (not example.com itself).
 */
public final class HostAllowList {

    private final List<String> exact;
    private final List<String> suffixes;
    private final String described;

    private HostAllowList(List<String> exact, List<String> suffixes, String described) {
        this.exact = List.copyOf(exact);
        this.suffixes = List.copyOf(suffixes);
        this.described = described;
    }

    /**
     * The allow-list of the given entries of {@code worker.input-images.allowed-hosts}.
     *
     * @throws IllegalArgumentException naming the bad entry and the setting
     */
    public static HostAllowList of(List<String> entries) {
        return of("worker.input-images.allowed-hosts", entries);
    }

    /**
     * The allow-list of the given entries of {@code setting}.
     *
     * @throws IllegalArgumentException naming the bad entry and the setting
     */
    public static HostAllowList of(String setting, List<String> entries) {
        List<String> exact = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (String entry : entries) {
            String e = normalise(entry.trim());
            if (e.isEmpty()) {
                continue;
            }
            if (e.startsWith("*.")) {
                String suffix = e.substring(1);
                if (suffix.length() < 2 || suffix.contains("*")) {
                    throw bad(setting, entry);
                }
                suffixes.add(suffix);
            } else if (e.contains("*") || e.contains("/") || e.contains("@")) {
                throw bad(setting, entry);
            } else {
                exact.add(e);
            }
            shown.add(e);
        }
        return new HostAllowList(exact, suffixes, String.join(", ", shown));
    }

    public boolean isEmpty() {
        return exact.isEmpty() && suffixes.isEmpty();
    }

    /** Whether the host (as the HTTP client will use it: IDN in ASCII form, IPv6 without brackets) is allowed. */
    public boolean permits(String host) {
        String h = normalise(host);
        if (h.isEmpty()) {
            return false;
        }
        if (exact.contains(h)) {
            return true;
        }
        for (String suffix : suffixes) {
            if (h.endsWith(suffix) && h.length() > suffix.length()) {
                return true;
            }
        }
        return false;
    }

    /** The entries, for messages. */
    public String describe() {
        return described;
    }

    private static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        // "example.com." is the same host as "example.com".
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static IllegalArgumentException bad(String setting, String entry) {
        return new IllegalArgumentException(setting + ": '" + entry
                + "' is neither a host name nor a *.domain wildcard");
    }
}
