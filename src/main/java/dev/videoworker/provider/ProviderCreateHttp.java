package dev.videoworker.provider;

import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.rest.client.reactive.Url;
import io.smallrye.mutiny.Uni;

/**
 * The paid call on a client (and connection pool) of its own, {@code videos-create-api}: with thousands of jobs
 * being polled, a create must not wait behind polls for a connection, where its read timeout would run out before
 * it was even sent (and turn into an "unknown outcome" that only reconciliation can settle). The body (multipart or
 * JSON, per dialect) is built by the provider's {@link Dialect}; its type is given with it.
 */
@RegisterProvider(UntracedHttpClient.class)
@RegisterRestClient(configKey = "videos-create-api")
interface ProviderCreateHttp {

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<String>> create(@Url String url, @HeaderParam("Authorization") String authorization,
            @HeaderParam("api-key") String apiKey, @HeaderParam("traceparent") String traceparent,
            @HeaderParam("Content-Type") String contentType, byte[] body);
}
