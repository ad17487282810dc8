package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

class SharedValuesTest {

    @Test
    void equalValuesShareTheFirstInstanceUntilTheBoundThenNewOnesPassThrough() {
        SharedValues<BigDecimal> shared = new SharedValues<>(2);
        BigDecimal first = new BigDecimal("0.40");
        assertThat(shared.of(first)).isSameAs(first);
        assertThat(shared.of(new BigDecimal("0.40"))).isSameAs(first);
        assertThat(shared.of(new BigDecimal("0.4"))).as("another scale is another value").isNotSameAs(first);
        BigDecimal beyond = new BigDecimal("1.20");
        assertThat(shared.of(beyond)).isSameAs(beyond);
        assertThat(shared.of(new BigDecimal("1.20"))).as("not kept beyond the bound").isNotSameAs(beyond);
        assertThat(shared.of(null)).isNull();
    }
}
