package dev.videoworker.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.fleet.FleetView;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobSummary;
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

    /**
     * A job: its summary at once, and its whole state from this replica's store ({@code local}) or, read on demand,
     * from the fleet view's entry ({@code seen}); exactly one of the two is set.
     */
    record Known(JobSummary summary, JobState local, FleetView.Seen seen) {

        JobState state() {
            return local != null ? local : seen.state();
        }

        JobView view() {
            return seen == null ? JobView.of(local) : JobView.of(seen);
        }

        /** Whether {@code lowerCaseText} is in the job id, the prompt or the error ({@link JobView} fields). */
        boolean mentions(String lowerCaseText) {
            if (seen != null && !seen.mayMention(lowerCaseText)) {
                return false;
            }
            JobState s = state();
            return s.jobId().toLowerCase(Locale.ROOT).contains(lowerCaseText)
                    || s.request() != null && s.request().prompt() != null
                            && s.request().prompt().toLowerCase(Locale.ROOT).contains(lowerCaseText)
                    || s.error() != null && (s.error().code() != null && s.error().code().contains(lowerCaseText)
                            || s.error().message() != null
                                    && s.error().message().toLowerCase(Locale.ROOT).contains(lowerCaseText));
        }
    }

    List<Known> all() {
        List<JobState> local = store.all();
        List<FleetView.Seen> viewed = fleet.all();
        List<Known> out = new ArrayList<>(local.size() + viewed.size());
        Set<String> ids = new HashSet<>(local.size() * 2);
        for (JobState s : local) {
            out.add(new Known(JobSummary.of(s), s, null));
            ids.add(s.jobId());
        }
        for (FleetView.Seen seen : viewed) {
            if (!ids.contains(seen.summary().jobId())) {
                out.add(new Known(seen.summary(), null, seen));
            }
        }
        return out;
    }
}
