package dev.videoworker.provider;

/**
 * A paid call (create, delete) dropped just before it would have been sent, because whoever asked for it no longer
 * wants it: the job moved on or its partition moved to another replica while the call waited for a permit, a rate
 * limit or a back-off. Nothing reached the provider.
 */
public class CallNotSent extends RuntimeException {

    public CallNotSent(String call, String target) {
        super("the " + call + " call for " + target + " was not sent: it is no longer wanted", null, false, false);
    }
}
