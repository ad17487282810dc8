package dev.videoworker.provider;

import jakarta.ws.rs.ext.ContextResolver;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.tracing.TracingPolicy;

/**
 * The provider REST clients' Vert.x HTTP client without Vert.x's tracing: {@link VideosClient} makes the span of each
 * call in the job's trace and sends its {@code traceparent} itself, where Quarkus' Vert.x tracer would add a second
 * span per call in a trace of its own (no job context is current when a poll fires) and send that one instead. The
 * rest of the options (timeouts, pools) are still the {@code quarkus.rest-client.*} configuration's, applied on top.
 */
public class UntracedHttpClient implements ContextResolver<HttpClientOptions> {

    @Override
    public HttpClientOptions getContext(Class<?> type) {
        return type == HttpClientOptions.class ? new HttpClientOptions().setTracingPolicy(TracingPolicy.IGNORE) : null;
    }
}
