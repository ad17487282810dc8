package dev.videoworker.provider;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.rest.client.reactive.Url;
import io.smallrye.mutiny.Uni;

/**
 * Reads and deletes at any provider, as a reactive REST client: the whole URL of each call is given ({@code @Url}:
 * the provider's base URL, its own path kept, then the dialect's path), so one client serves every configured
 * provider and dialect. Timeouts and the connection pool are the {@code videos-api} client's. Answers are read as
 * text and mapped by the provider's {@link Dialect} in {@link VideosClient}. {@code traceparent} names the worker's
 * span of the call in the job's trace (null: not sent); Vert.x's own client spans are off
 * ({@link UntracedHttpClient}): they would start a trace of their own for every call.
 */
@RegisterProvider(UntracedHttpClient.class)
@RegisterRestClient(configKey = "videos-api")
interface ProviderHttp {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<String>> get(@Url String url, @HeaderParam("Authorization") String authorization,
            @HeaderParam("api-key") String apiKey, @HeaderParam("traceparent") String traceparent);

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<String>> list(@Url String url, @HeaderParam("Authorization") String authorization,
            @HeaderParam("api-key") String apiKey, @HeaderParam("traceparent") String traceparent,
            @QueryParam("limit") Integer limit, @QueryParam("order") String order, @QueryParam("after") String after);

    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<String>> delete(@Url String url, @HeaderParam("Authorization") String authorization,
            @HeaderParam("api-key") String apiKey, @HeaderParam("traceparent") String traceparent);
}
