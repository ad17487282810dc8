package dev.videoworker.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.jboss.logmanager.Level;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.Test;

class UnconfiguredLoggingTest {

    @Test
    void debugAndTraceAreOffAndInfoStaysOnUnlessACategorySaysOtherwise() {
        LogContext context = LogContext.create();
        // what an unconfigured log manager's root is in the simulator's and the benchmark's JVMs
        context.getLogger("").setLevel(Level.ALL);
        Logger jetty = context.getLogger("org.eclipse.jetty.server.HttpConnection");
        Logger chatty = context.getLogger("dev.videoworker.chatty");
        chatty.setLevel(Level.DEBUG);
        assertThat(jetty.isLoggable(Level.TRACE)).isTrue();

        UnconfiguredLogging.infoAndAbove(context);

        assertThat(jetty.isLoggable(Level.DEBUG)).isFalse();
        assertThat(jetty.isLoggable(Level.TRACE)).isFalse();
        assertThat(jetty.isLoggable(Level.INFO)).isTrue();
        assertThat(jetty.isLoggable(Level.WARN)).isTrue();
        assertThat(chatty.isLoggable(Level.DEBUG)).isTrue();
    }
}
