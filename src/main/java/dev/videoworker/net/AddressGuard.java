package dev.videoworker.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether the worker may connect to an address when it downloads from a URL it was given (a reference image,
 * a provider's result URL): public addresses yes; loopback, private, link-local, carrier-grade NAT, multicast, cloud
 * metadata and other internal or reserved ranges no, unless an operator listed them in the setting the guard was made
 * from ({@code worker.input-images.allowed-networks}, {@code worker.provider.result-urls.allowed-networks}).
 */
public final class AddressGuard {

    /** A refused range and the words a rejection uses for it. */
    private record Refused(Cidr range, String kind) {
    }

    // Order matters: the first match names the refusal, so the specific metadata addresses come before their ranges.
    private static final List<Refused> REFUSED = List.of(
            refused("169.254.169.254/32", "cloud metadata"),
            refused("100.100.100.200/32", "cloud metadata"),
            refused("fd00:ec2::254/128", "cloud metadata"),
            refused("0.0.0.0/8", "unspecified (this-network)"),
            refused("127.0.0.0/8", "loopback"),
            refused("10.0.0.0/8", "private"),
            refused("172.16.0.0/12", "private"),
            refused("192.168.0.0/16", "private"),
            refused("100.64.0.0/10", "carrier-grade NAT"),
            refused("169.254.0.0/16", "link-local"),
            refused("192.0.0.0/24", "reserved (IETF protocol assignments)"),
            refused("192.0.2.0/24", "reserved (documentation)"),
            refused("198.51.100.0/24", "reserved (documentation)"),
            refused("203.0.113.0/24", "reserved (documentation)"),
            refused("198.18.0.0/15", "reserved (benchmarking)"),
            refused("224.0.0.0/4", "multicast"),
            refused("240.0.0.0/4", "reserved"),
            refused("::/128", "unspecified"),
            refused("::1/128", "loopback"),
            refused("fe80::/10", "link-local"),
            refused("fec0::/10", "site-local"),
            refused("fc00::/7", "unique-local (private)"),
            refused("ff00::/8", "multicast"),
            refused("100::/64", "reserved (discard)"),
            refused("2001:db8::/32", "reserved (documentation)"));

    private final List<Cidr> allowed;

    private AddressGuard(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /**
     * A guard that also permits the given CIDR blocks, read from {@code worker.input-images.allowed-networks}.
     *
     * @throws IllegalArgumentException naming the bad entry and the setting
     */
    public static AddressGuard permitting(List<String> allowedNetworks) {
        return permitting("worker.input-images.allowed-networks", allowedNetworks);
    }

    /**
     * A guard that also permits the given CIDR blocks, read from {@code setting}.
     *
     * @throws IllegalArgumentException naming the bad entry and the setting
     */
    public static AddressGuard permitting(String setting, List<String> allowedNetworks) {
        List<Cidr> allowed = new ArrayList<>();
        for (String entry : allowedNetworks) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                allowed.add(Cidr.parse(entry.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + ": '" + entry
                        + "' is not a CIDR block such as 10.1.0.0/16 or fd12::/48 (" + e.getMessage() + ")", e);
            }
        }
        return new AddressGuard(allowed);
    }

    /** Whether the address is inside one of the networks an operator permitted. */
    public boolean permitted(InetAddress address) {
        byte[] raw = address.getAddress();
        byte[] embedded = embeddedIpv4(raw);
        for (Cidr network : allowed) {
            if (network.contains(raw) || embedded != null && network.contains(embedded)) {
                return true;
            }
        }
        return false;
    }

    /** Why the address is refused (e.g. {@code "loopback"}), or empty when the worker may connect to it. */
    public Optional<String> refusal(InetAddress address) {
        if (permitted(address)) {
            return Optional.empty();
        }
        byte[] raw = address.getAddress();
        byte[] embedded = embeddedIpv4(raw);
        if (embedded != null) {
            // Mapped, compatible, NAT64 and 6to4 forms reach the IPv4 address they carry: judge that one.
            Optional<String> inner = classify(embedded);
            if (inner.isPresent()) {
                return inner;
            }
        }
        return classify(raw);
    }

    private static Optional<String> classify(byte[] raw) {
        for (Refused r : REFUSED) {
            if (r.range().contains(raw)) {
                return Optional.of(r.kind());
            }
        }
        return Optional.empty();
    }

    /**
     * The IPv4 address inside an IPv6 one that carries it: IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible
     * {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d} and 6to4 {@code 2002:aabb:ccdd::}; else null.
     */
    static byte[] embeddedIpv4(byte[] raw) {
        if (raw.length != 16) {
            return null;
        }
        if (raw[0] == 0x20 && raw[1] == 0x02) {
            return new byte[] { raw[2], raw[3], raw[4], raw[5] };
        }
        boolean zeroPrefix = allZero(raw, 0, 10);
        boolean mapped = zeroPrefix && raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
        boolean compatible = zeroPrefix && raw[10] == 0 && raw[11] == 0 && !allZero(raw, 12, 15);
        boolean nat64 = raw[0] == 0x00 && raw[1] == 0x64 && raw[2] == (byte) 0xff && raw[3] == (byte) 0x9b
                && allZero(raw, 4, 12);
        if (mapped || compatible || nat64) {
            return new byte[] { raw[12], raw[13], raw[14], raw[15] };
        }
        return null;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Refused refused(String cidr, String kind) {
        return new Refused(Cidr.parse(cidr), kind);
    }

    /** An address block: network bytes and prefix length; IPv4 and IPv6 blocks never contain each other's addresses. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String host = slash < 0 ? text : text.substring(0, slash);
            if (!isLiteral(host)) {
                throw new IllegalArgumentException("not an IP address: " + host);
            }
            byte[] network;
            try {
                // A literal: parsed without any DNS lookup.
                network = InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + host, e);
            }
            int bits = network.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length", e);
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix length must be 0-" + bits);
            }
            return new Cidr(network, prefix);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    /** Whether a host is written as an IP address (dotted IPv4 or IPv6, with or without brackets). */
    public static boolean isLiteral(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.matches("[0-9.]+") || h.contains(":") && h.matches("[0-9A-Fa-f:.]+");
    }
}
