package dev.videoworker.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the embedded servers' INFO chatter down to WARN, which otherwise buries test output under thousands of lines.
 *
 * <p>Only loggers nobody configured are touched, so a Quarkus test's {@code quarkus.log.category} settings win.
 * Set {@code -Dvideoworker.testing.verbose=true} to keep everything.
 */
final class QuietLogs {

    private static final List<String> CATEGORIES =
            List.of("kafka", "org.apache.kafka", "state.change.logger", "org.gaul.s3proxy", "org.eclipse.jetty");

    /** JUL holds loggers weakly; a collected logger would forget the level set here. */
    private static final List<Logger> KEPT = new CopyOnWriteArrayList<>();

    private QuietLogs() {
    }

    static void apply() {
        if (Boolean.getBoolean("videoworker.testing.verbose")) {
            return;
        }
        for (String category : CATEGORIES) {
            Logger logger = Logger.getLogger(category);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
                KEPT.add(logger);
            }
        }
    }
}
