package dev.videoworker.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.fleet.FleetView;
import dev.videoworker.job.JobState;
import dev.videoworker.journal.JobStore;

/**
 * Every job this replica can answer for: its own partitions' from its store, the others' from its fleet view. A job
 * is listed once: while a partition moves to this replica, its jobs may be in both for a moment, and the store's
 * (committed here) wins.
 */
@ApplicationScoped
class KnownJobs {

    private final JobStore store;
    private final FleetView fleet;

    KnownJobs(JobStore store, FleetView fleet) {
        this.store = store;
        this.fleet = fleet;
    }

    /** A job and where its state came from (the fleet view's entry, or null for this replica's own). */
    record Known(JobState state, FleetView.Seen seen) {

        JobView view() {
            return seen == null ? JobView.of(state) : JobView.of(seen);
        }
    }

    List<Known> all() {
        List<JobState> local = store.all();
        List<FleetView.Seen> viewed = fleet.all();
        List<Known> out = new ArrayList<>(local.size() + viewed.size());
        Set<String> ids = new HashSet<>(local.size() * 2);
        for (JobState s : local) {
            out.add(new Known(s, null));
            ids.add(s.jobId());
        }
        for (FleetView.Seen seen : viewed) {
            if (!ids.contains(seen.state().jobId())) {
                out.add(new Known(seen.state(), seen));
            }
        }
        return out;
    }
}
