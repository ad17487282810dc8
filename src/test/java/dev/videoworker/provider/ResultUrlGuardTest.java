package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

/** The rules of downloads off a provider's origin (result URLs and their redirects), without any network. */
class ResultUrlGuardTest {

    private static final ResultUrlGuard ANY_PUBLIC = new ResultUrlGuard(List.of(), List.of());

    @Test
    void allowsAnyPublicHttpsHostWhileNoHostIsListed() {
        assertThatCode(() -> ANY_PUBLIC.check(URI.create("https://cdn.example.com/v/1.mp4?sig=x")))
                .doesNotThrowAnyException();
        assertThatCode(() -> ANY_PUBLIC.check(URI.create("https://93.184.216.34/v.mp4"))).doesNotThrowAnyException();
    }

    @Test
    void refusesHostsOutsideTheAllowList() {
        ResultUrlGuard guard = new ResultUrlGuard(List.of("*.storage.example.com"), List.of());
        assertThatCode(() -> guard.check(URI.create("https://eu.storage.example.com/v.mp4")))
                .doesNotThrowAnyException();
        refused(guard, "https://storage.example.org/v.mp4").hasMessageContaining("storage.example.org")
                .hasMessageContaining("worker.provider.result-urls.allowed-hosts");
    }

    @Test
    void wantsHttpsUnlessTheHostIsNamedOrItsAddressPermitted() {
        refused(ANY_PUBLIC, "http://cdn.example.com/v.mp4").hasMessageContaining("only https://");
        ResultUrlGuard named = new ResultUrlGuard(List.of("cdn.example.com"), List.of());
        assertThatCode(() -> named.check(URI.create("http://cdn.example.com/v.mp4"))).doesNotThrowAnyException();
        ResultUrlGuard network = new ResultUrlGuard(List.of(), List.of("10.20.0.0/16"));
        assertThatCode(() -> network.check(URI.create("http://10.20.3.4:9000/v.mp4"))).doesNotThrowAnyException();
        refused(network, "http://10.21.3.4/v.mp4").hasMessageContaining("private");
    }

    @Test
    void refusesOtherSchemesAndUserInformation() {
        refused(ANY_PUBLIC, "file:///etc/passwd");
        refused(ANY_PUBLIC, "ftp://cdn.example.com/v.mp4").hasMessageContaining("only https://");
        refused(ANY_PUBLIC, "https://user:pw@cdn.example.com/v.mp4").hasMessageContaining("user information")
                .hasMessageNotContaining("pw");
    }

    @Test
    void refusesInternalAddressesWrittenAsLiterals() {
        refused(ANY_PUBLIC, "https://169.254.169.254/latest/meta-data/").hasMessageContaining("cloud metadata");
        refused(ANY_PUBLIC, "https://127.0.0.1/v.mp4").hasMessageContaining("loopback");
        refused(ANY_PUBLIC, "https://10.0.0.5/v.mp4").hasMessageContaining("private");
        refused(ANY_PUBLIC, "https://192.168.1.10/v.mp4").hasMessageContaining("private");
        refused(ANY_PUBLIC, "https://169.254.10.1/v.mp4").hasMessageContaining("link-local");
        refused(ANY_PUBLIC, "https://[::1]/v.mp4").hasMessageContaining("loopback");
        refused(ANY_PUBLIC, "https://[fe80::1]/v.mp4").hasMessageContaining("link-local");
        refused(ANY_PUBLIC, "https://[fd12:3456::1]/v.mp4").hasMessageContaining("unique-local");
        refused(ANY_PUBLIC, "https://[fd00:ec2::254]/v.mp4").hasMessageContaining("cloud metadata");
        // IPv4-mapped and NAT64 forms reach the IPv4 address they carry
        refused(ANY_PUBLIC, "https://[::ffff:10.0.0.1]/v.mp4").hasMessageContaining("private");
        refused(ANY_PUBLIC, "https://[::ffff:169.254.169.254]/v.mp4").hasMessageContaining("cloud metadata");
        refused(ANY_PUBLIC, "https://[64:ff9b::7f00:1]/v.mp4").hasMessageContaining("loopback");
    }

    @Test
    void permitsTheNetworksAnOperatorListed() {
        ResultUrlGuard guard = new ResultUrlGuard(List.of(), List.of("127.0.0.0/8", "fd12::/16"));
        assertThatCode(() -> guard.check(URI.create("https://127.0.0.1:8443/v.mp4"))).doesNotThrowAnyException();
        assertThatCode(() -> guard.check(URI.create("https://[fd12::5]/v.mp4"))).doesNotThrowAnyException();
        refused(guard, "https://169.254.169.254/").hasMessageContaining("cloud metadata");
    }

    @Test
    void judgesResolvedAddressesWithTheSameNetworks() throws Exception {
        ResultUrlGuard guard = new ResultUrlGuard(List.of(), List.of("10.20.0.0/16"));
        assertThat(guard.refusal(InetAddress.getByName("10.20.1.1"))).isEmpty();
        assertThat(guard.refusal(InetAddress.getByName("10.21.1.1"))).contains("private");
        assertThat(guard.refusal(InetAddress.getByName("::ffff:127.0.0.1"))).contains("loopback");
        assertThat(guard.refusal(InetAddress.getByName("93.184.216.34"))).isEmpty();
        // any other ResultUrls refuses every internal address by default
        VideosClient.ResultUrls strictest = VideosClient::refuseForeignResult;
        assertThat(strictest.refusal(InetAddress.getByName("169.254.169.254"))).contains("cloud metadata");
    }

    @Test
    void aRefusalIsFinalAndSaysWhichHost() {
        assertThatThrownBy(() -> ANY_PUBLIC.check(URI.create("https://10.1.2.3/v.mp4")))
                .isInstanceOfSatisfying(ProviderException.class, p -> {
                    assertThat(p.code()).isEqualTo("result_url_refused");
                    assertThat(p.retryable()).isFalse();
                    assertThat(p.getMessage()).contains("10.1.2.3");
                });
    }

    @Test
    void namesTheSettingOfABadEntry() {
        assertThatThrownBy(() -> new ResultUrlGuard(List.of(), List.of("intranet.local/24")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker.provider.result-urls.allowed-networks");
        assertThatThrownBy(() -> new ResultUrlGuard(List.of("cdn.*.com"), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker.provider.result-urls.allowed-hosts");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refused(ResultUrlGuard guard, String url) {
        return assertThatThrownBy(() -> guard.check(URI.create(url))).isInstanceOf(ProviderException.class)
                .hasMessageContaining("was refused");
    }
}
