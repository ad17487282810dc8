package dev.videoworker.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import okhttp3.Dns;
import okhttp3.Interceptor;

/**
 * Name resolution for OkHttp clients that download from URLs someone else chose: resolves through the system resolver
 * and refuses the whole answer if any address is refused, and checks the socket actually connected again before the
 * request is sent.
 * <p>
 * OkHttp connects only to the addresses this lookup returns, so a DNS answer that changes between a check and the
 * connection (DNS rebinding) cannot slip an internal address in: there is no second, unchecked lookup. The connection
 * check also covers hosts written as IP addresses, which OkHttp connects to without asking the Dns.
 */
public final class GuardedDns implements Dns {

    private final Function<InetAddress, Optional<String>> refusal;

    /** {@code refusal}: why an address is refused (e.g. {@code "loopback"}), empty when it may be connected to. */
    public GuardedDns(Function<InetAddress, Optional<String>> refusal) {
        this.refusal = refusal;
    }

    /** Thrown by the lookup and the connection check; the whole lookup fails, not only the bad address. */
    public static final class RefusedAddressException extends UnknownHostException {
        private final String host;
        private final String kind;

        public RefusedAddressException(String host, InetAddress address, String kind) {
            super(host + " resolves to " + address.getHostAddress() + ", a " + kind + " address");
            this.host = host;
            this.kind = kind;
        }

        public String host() {
            return host;
        }

        /** What kind of address it is, e.g. {@code loopback}: words for messages that must not map the network. */
        public String kind() {
            return kind;
        }
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> addresses = Dns.SYSTEM.lookup(hostname);
        for (InetAddress address : addresses) {
            Optional<String> kind = refusal.apply(address);
            if (kind.isPresent()) {
                throw new RefusedAddressException(hostname, address, kind.get());
            }
        }
        return addresses;
    }

    /** A network interceptor that refuses a connected socket whose remote address is refused. */
    public Interceptor connectionCheck() {
        return chain -> {
            InetAddress remote = chain.connection().route().socketAddress().getAddress();
            Optional<String> kind = refusal.apply(remote);
            if (kind.isPresent()) {
                throw new RefusedAddressException(chain.request().url().host(), remote, kind.get());
            }
            return chain.proceed(chain.request());
        };
    }

    /** The refusal in a failure's causes or suppressed exceptions (OkHttp may report a failed route either way). */
    public static RefusedAddressException refusedAddress(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RefusedAddressException r) {
                return r;
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof RefusedAddressException r) {
                    return r;
                }
            }
        }
        return null;
    }
}
