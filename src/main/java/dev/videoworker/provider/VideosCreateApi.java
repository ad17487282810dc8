package dev.videoworker.provider;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;

import io.smallrye.mutiny.Uni;

/**
 * The paid call on a client (and connection pool) of its own, {@code videos-create-api}: with thousands of jobs
 * being polled, a create must not wait behind polls for a connection, where its read timeout would run out before
 * it was even sent (and turn into an "unknown outcome" that only the list can settle). The multipart body is built
 * by {@link MultipartBody} (its boundary is in the {@code Content-Type} given).
 */
@RegisterRestClient(configKey = "videos-create-api")
@Path("/v1/videos")
interface VideosCreateApi {

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<VideoResource>> create(@HeaderParam("Authorization") String authorization,
            @HeaderParam("Content-Type") String contentType, byte[] multipartBody);
}
