package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.minio.Http;
import okhttp3.ConnectionSpec;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

class MinioClientProducerTest {

    @Test
    void plainHttpEndpointGetsTheSdkDefaultsWithoutTls() {
        OkHttpClient plain = MinioClientProducer.httpClientFor("http://127.0.0.1:9000");
        OkHttpClient sdk = Http.newDefaultClient();
        assertThat(plain.connectTimeoutMillis()).isEqualTo(sdk.connectTimeoutMillis());
        assertThat(plain.readTimeoutMillis()).isEqualTo(sdk.readTimeoutMillis());
        assertThat(plain.writeTimeoutMillis()).isEqualTo(sdk.writeTimeoutMillis());
        assertThat(plain.callTimeoutMillis()).isEqualTo(sdk.callTimeoutMillis());
        assertThat(plain.protocols()).isEqualTo(sdk.protocols());
        assertThat(plain.followRedirects()).isEqualTo(sdk.followRedirects());
        assertThat(plain.retryOnConnectionFailure()).isEqualTo(sdk.retryOnConnectionFailure());
        assertThat(plain.interceptors().stream().map(Interceptor::getClass).toList())
                .isEqualTo(sdk.interceptors().stream().map(Interceptor::getClass).toList());
        assertThat(plain.networkInterceptors()).isEqualTo(sdk.networkInterceptors());
        // never a TLS connection, where SSL_CERT_FILE / SSL_CERT_DIR would have mattered
        assertThat(plain.followSslRedirects()).isFalse();
        // and no TLS set up at all (OkHttp loads the CA certificates for a client that may speak TLS)
        assertThat(plain.connectionSpecs()).containsExactly(ConnectionSpec.CLEARTEXT);
        assertThatThrownBy(plain::sslSocketFactory).isInstanceOf(IllegalStateException.class);
        assertThat(MinioClientProducer.storeClient("http://127.0.0.1:9000").connectionSpecs())
                .containsExactly(ConnectionSpec.CLEARTEXT);
    }

    @Test
    void onlyAnExplicitHttpSchemeIsPlain() {
        assertThat(MinioClientProducer.plainHttp("http://minio:9000")).isTrue();
        assertThat(MinioClientProducer.plainHttp(" HTTP://minio:9000 ")).isTrue();
        assertThat(MinioClientProducer.plainHttp("https://s3.amazonaws.com")).isFalse();
        // the SDK takes an endpoint without a scheme for https
        assertThat(MinioClientProducer.plainHttp("minio:9000")).isFalse();
        assertThat(MinioClientProducer.plainHttp("s3.amazonaws.com")).isFalse();
        assertThat(MinioClientProducer.plainHttp("http://bad host")).isFalse();
    }
}
