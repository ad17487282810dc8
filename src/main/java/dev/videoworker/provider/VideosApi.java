package dev.videoworker.provider;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.client.api.ClientMultipartForm;

import io.smallrye.mutiny.Uni;

/**
 * The OpenAI Videos API protocol as a reactive REST client. Base URL and timeouts come from the {@code videos-api}
 * client configuration; {@link VideosClient} owns keys, retries and error mapping.
 */
@RegisterRestClient(configKey = "videos-api")
@Path("/v1/videos")
interface VideosApi {

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<VideoResource>> create(@HeaderParam("Authorization") String authorization,
            ClientMultipartForm form);

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<VideoResource>> retrieve(@HeaderParam("Authorization") String authorization,
            @PathParam("id") String id);

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<VideoResource.Page>> list(@HeaderParam("Authorization") String authorization,
            @QueryParam("limit") Integer limit, @QueryParam("order") String order, @QueryParam("after") String after);

    @DELETE
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    Uni<RestResponse<VideoResource.Deleted>> delete(@HeaderParam("Authorization") String authorization,
            @PathParam("id") String id);
}
