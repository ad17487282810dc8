package dev.videoworker.simulator;

/** The simulated API's operations, for counting calls and aiming faults. */
public enum Endpoint {
    CREATE,
    RETRIEVE,
    LIST,
    DELETE,
    CONTENT,
    REMIX
}
