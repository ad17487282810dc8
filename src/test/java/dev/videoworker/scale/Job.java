package dev.videoworker.scale;

/**
 * A request sent to the workers: its job id, its unique prompt (the key of the simulator's create count) and the
 * partition it landed on.
 */
record Job(String id, String prompt, int partition) {
}
