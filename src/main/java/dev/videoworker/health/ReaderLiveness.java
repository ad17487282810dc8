package dev.videoworker.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import dev.videoworker.fleet.FleetView;
import dev.videoworker.request.CancelScanner;

/**
 * Live while the reader threads of the fleet view and the cancel scanner run (when they are on). Each restarts itself
 * after a failure; one that died anyway (an {@code Error}) would leave this replica answering from a view that no
 * longer moves, and forwarded cancels waiting behind the request backlog: a restart is the remedy.
 */
@Liveness
@ApplicationScoped
public class ReaderLiveness implements HealthCheck {

    private final FleetView view;
    private final CancelScanner scanner;

    public ReaderLiveness(FleetView view, CancelScanner scanner) {
        this.view = view;
        this.scanner = scanner;
    }

    @Override
    public HealthCheckResponse call() {
        boolean viewAlive = view.readerAlive();
        boolean scannerAlive = scanner.readerAlive();
        String problem = problem(viewAlive, scannerAlive);
        var response = HealthCheckResponse.named("readers").withData("fleetView", viewAlive)
                .withData("cancelScanner", scannerAlive);
        return problem == null ? response.up().build() : response.down().withData("error", problem).build();
    }

    /** What died, or null. */
    static String problem(boolean viewAlive, boolean scannerAlive) {
        if (viewAlive && scannerAlive) {
            return null;
        }
        String which = !viewAlive && !scannerAlive ? "the fleet view's and the cancel scanner's reader threads have"
                : !viewAlive ? "the fleet view's reader thread has" : "the cancel scanner's reader thread has";
        return which + " died (see the log)";
    }
}
