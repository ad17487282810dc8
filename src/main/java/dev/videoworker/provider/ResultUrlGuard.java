package dev.videoworker.provider;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.net.AddressGuard;
import dev.videoworker.net.HostAllowList;

/**
 * The rules for downloads from another host than the provider's (result URLs, redirects of the content endpoint),
 * which go out without the key: the same SSRF rules as reference images ({@link AddressGuard}, {@link HostAllowList})
 * with settings of their own ({@code worker.provider.result-urls.*}). https only, unless the host is named in the
 * allowed hosts or is an IP address inside the allowed networks; no user information; no internal address unless
 * permitted. The URL is checked here, each resolved and each connected address through {@link #refusal}.
 */
public final class ResultUrlGuard implements VideosClient.ResultUrls {

    static final String HOSTS = "worker.provider.result-urls.allowed-hosts";
    static final String NETWORKS = "worker.provider.result-urls.allowed-networks";

    private final HostAllowList hosts;
    private final AddressGuard addresses;

    ResultUrlGuard(List<String> allowedHosts, List<String> allowedNetworks) {
        this.hosts = HostAllowList.of(HOSTS, allowedHosts);
        this.addresses = AddressGuard.permitting(NETWORKS, allowedNetworks);
    }

    static ResultUrlGuard of(WorkerConfig.Provider.ResultUrls config) {
        return new ResultUrlGuard(config.allowedHosts().orElse(List.of()), config.allowedNetworks().orElse(List.of()));
    }

    @Override
    public void check(URI url) throws ProviderException {
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw refused("(none)", "it names no host");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw refused(host, "only https:// URLs are followed");
        }
        if (url.getRawUserInfo() != null) {
            throw refused(host, "URLs with user information are not followed");
        }
        if (!hosts.isEmpty() && !hosts.permits(host)) {
            throw refused(host, "the host is not in " + HOSTS + " (" + hosts.describe() + ")");
        }
        InetAddress literal = literal(host);
        if (literal != null) {
            Optional<String> kind = addresses.refusal(literal);
            if (kind.isPresent()) {
                throw refused(host, "it is a " + kind.get() + " address (" + NETWORKS + " may permit a network)");
            }
        }
        if (scheme.equals("http") && !hosts.permits(host) && (literal == null || !addresses.permitted(literal))) {
            throw refused(host, "only https:// URLs are followed, unless the host is in " + HOSTS
                    + " or its address in " + NETWORKS);
        }
    }

    @Override
    public Optional<String> refusal(InetAddress address) {
        return addresses.refusal(address);
    }

    /** The host as an address when it is written as one (parsed without a lookup), else null. */
    private static InetAddress literal(String host) {
        if (!AddressGuard.isLiteral(host)) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw refused(host, "its address is not valid");
        }
    }

    /** A refusal for good: the same URL is refused however often it is tried. */
    static ProviderException refused(String host, String why) {
        return new ProviderException(0, VideosClient.RESULT_URL_REFUSED, "The result URL's host " + host
                + " was refused: " + why + ".", false, false, null, null);
    }
}
