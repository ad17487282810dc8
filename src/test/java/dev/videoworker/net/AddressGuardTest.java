package dev.videoworker.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Which addresses a reference image may be downloaded from: every internal class refused, IPv6 and IPv4-in-IPv6 forms
 * included, public addresses allowed, operator-listed networks permitted.
 */
class AddressGuardTest {

    static final AddressGuard GUARD = AddressGuard.permitting(List.of());

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    /** {@code ::ffff:a.b.c.d} as an IPv6 address object (InetAddress.getByName would turn it into an IPv4 one). */
    static InetAddress mapped(String ipv4) throws Exception {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(ip(ipv4).getAddress(), 0, b, 12, 4);
        return Inet6Address.getByAddress(null, b, -1);
    }

    @Test
    void refusesEveryInternalIpv4Class() throws Exception {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("127.0.0.1", "loopback"),
                Map.entry("127.255.0.9", "loopback"),
                Map.entry("0.0.0.0", "unspecified (this-network)"),
                Map.entry("10.0.0.1", "private"),
                Map.entry("172.16.0.1", "private"),
                Map.entry("172.31.255.254", "private"),
                Map.entry("192.168.1.1", "private"),
                Map.entry("169.254.1.1", "link-local"),
                Map.entry("100.64.0.1", "carrier-grade NAT"),
                Map.entry("100.127.255.254", "carrier-grade NAT"),
                Map.entry("224.0.0.1", "multicast"),
                Map.entry("239.255.255.250", "multicast"),
                Map.entry("255.255.255.255", "reserved"),
                Map.entry("169.254.169.254", "cloud metadata"),
                Map.entry("100.100.100.200", "cloud metadata"));
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(GUARD.refusal(ip(e.getKey()))).as(e.getKey()).contains(e.getValue());
        }
    }

    @Test
    void refusesEveryInternalIpv6Class() throws Exception {
        Map<String, String> expected = Map.of(
                "::1", "loopback",
                "::", "unspecified",
                "fe80::1", "link-local",
                "febf::1", "link-local",
                "fc00::1", "unique-local (private)",
                "fd12:3456::1", "unique-local (private)",
                "ff02::1", "multicast",
                "fd00:ec2::254", "cloud metadata");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(GUARD.refusal(ip(e.getKey()))).as(e.getKey()).contains(e.getValue());
        }
    }

    @Test
    void judgesIpv4InsideIpv6ByTheIpv4Address() throws Exception {
        assertThat(GUARD.refusal(mapped("127.0.0.1"))).as("::ffff:127.0.0.1").contains("loopback");
        assertThat(GUARD.refusal(mapped("169.254.169.254"))).as("::ffff:169.254.169.254").contains("cloud metadata");
        assertThat(GUARD.refusal(mapped("10.1.2.3"))).as("::ffff:10.1.2.3").contains("private");
        assertThat(GUARD.refusal(ip("::ffff:192.168.0.1"))).as("parsed mapped literal").contains("private");
        assertThat(GUARD.refusal(ip("::127.0.0.1"))).as("IPv4-compatible").contains("loopback");
        assertThat(GUARD.refusal(ip("64:ff9b::a9fe:a9fe"))).as("NAT64 of 169.254.169.254").contains("cloud metadata");
        assertThat(GUARD.refusal(ip("2002:0a00:0001::1"))).as("6to4 of 10.0.0.1").contains("private");
        assertThat(GUARD.refusal(mapped("93.184.216.34"))).as("::ffff:93.184.216.34").isEmpty();
    }

    @Test
    void allowsPublicAddresses() throws Exception {
        for (String address : List.of("93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1",
                "2606:2800::1", "2a00:1450:4001::200e", "64:ff9b::808:808")) {
            assertThat(GUARD.refusal(ip(address))).as(address).isEmpty();
        }
    }

    @Test
    void permitsOnlyTheListedNetworks() throws Exception {
        AddressGuard guard = AddressGuard.permitting(List.of("127.0.0.1/32", "10.20.0.0/16", "fd12::/16"));
        assertThat(guard.refusal(ip("127.0.0.1"))).isEmpty();
        assertThat(guard.refusal(mapped("127.0.0.1"))).as("mapped form of a permitted address").isEmpty();
        assertThat(guard.refusal(ip("127.0.0.2"))).contains("loopback");
        assertThat(guard.refusal(ip("10.20.255.1"))).isEmpty();
        assertThat(guard.refusal(ip("10.21.0.1"))).contains("private");
        assertThat(guard.refusal(ip("fd12:ab::1"))).isEmpty();
        assertThat(guard.refusal(ip("fd13::1"))).contains("unique-local (private)");
        assertThat(guard.refusal(ip("169.254.169.254"))).contains("cloud metadata");
    }

    @Test
    void rejectsAMalformedNetworkNamingTheSetting() {
        assertThatThrownBy(() -> AddressGuard.permitting(List.of("intranet.local/24")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker.input-images.allowed-networks").hasMessageContaining("intranet.local");
        assertThatThrownBy(() -> AddressGuard.permitting(List.of("10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0-32");
    }

    @Test
    void matchesHostsExactlyOrBySubdomainWildcard() {
        HostAllowList hosts = HostAllowList.of(List.of("Images.Example.com", "*.cdn.example.net"));
        assertThat(hosts.permits("images.example.com")).isTrue();
        assertThat(hosts.permits("IMAGES.EXAMPLE.COM.")).isTrue();
        assertThat(hosts.permits("evil-images.example.com")).isFalse();
        assertThat(hosts.permits("images.example.com.evil.org")).isFalse();
        assertThat(hosts.permits("a.cdn.example.net")).isTrue();
        assertThat(hosts.permits("a.b.cdn.example.net")).isTrue();
        assertThat(hosts.permits("cdn.example.net")).as("the wildcard means subdomains only").isFalse();
        assertThat(hosts.permits("evilcdn.example.net")).isFalse();
        assertThat(HostAllowList.of(List.of()).isEmpty()).isTrue();
        assertThatThrownBy(() -> HostAllowList.of(List.of("images.*.com")))
                .hasMessageContaining("worker.input-images.allowed-hosts");
    }
}
