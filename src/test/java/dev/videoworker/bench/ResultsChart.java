package dev.videoworker.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import dev.videoworker.bench.BenchResults.Metric;

/**
 * Draws the metrics that have a target as horizontal bars, measured value over target (the dashed line at 1× is the
 * target): green where the target is met, red where it is missed. For "at most" targets a shorter bar is better.
 */
final class ResultsChart {

    private static final int WIDTH = 1100;
    private static final int ROW = 46;
    private static final int LABEL_WIDTH = 330;
    private static final int TOP = 60;
    private static final double MAX_RATIO = 4;
    private static final Color MET = new Color(0x2e, 0x9e, 0x4f);
    private static final Color MISSED = new Color(0xd0, 0x3b, 0x3b);

    private ResultsChart() {
    }

    static void render(List<Metric> metrics, Path png) throws IOException {
        List<Metric> targeted = metrics.stream().filter(m -> m.target() != null).toList();
        int height = TOP + Math.max(1, targeted.size()) * ROW + 50;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString("sora-video-worker benchmark: measured / target (dashed line = target)", 12, 26);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString("≥ targets: longer is better; ≤ targets: shorter is better; bars cut at " + (int) MAX_RATIO
                    + "×", 12, 44);
            int plotLeft = LABEL_WIDTH;
            int plotWidth = WIDTH - LABEL_WIDTH - 30;
            int y = TOP;
            for (Metric m : targeted) {
                g.setColor(Color.BLACK);
                g.drawString(m.phase() + ": " + m.name(), 12, y + 16);
                g.drawString(BenchResults.Goal.AT_LEAST == m.goal() ? "target ≥ " + BenchResults.format(m.target())
                        + " " + m.unit() : "target ≤ " + BenchResults.format(m.target()) + " " + m.unit(), 12, y + 32);
                if (Double.isNaN(m.value())) {
                    g.setColor(Color.GRAY);
                    g.drawString("not measured", plotLeft + 6, y + 22);
                } else {
                    double ratio = m.value() / m.target();
                    int length = (int) Math.round(Math.min(ratio, MAX_RATIO) / MAX_RATIO * plotWidth);
                    g.setColor(Boolean.TRUE.equals(m.met()) ? MET : MISSED);
                    g.fillRect(plotLeft, y + 6, Math.max(2, length), ROW - 16);
                    g.setColor(Color.BLACK);
                    String label = BenchResults.format(m.value()) + " " + m.unit()
                            + (ratio > MAX_RATIO ? " (" + BenchResults.format(ratio) + "×)" : "");
                    int labelX = Math.min(plotLeft + length + 6, WIDTH - 10 - g.getFontMetrics().stringWidth(label));
                    g.drawString(label, labelX, y + 26);
                }
                y += ROW;
            }
            int targetX = plotLeft + (int) Math.round(plotWidth / MAX_RATIO);
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4},
                    0));
            g.drawLine(targetX, TOP - 4, targetX, y + 4);
            g.drawString("target", targetX - 16, y + 20);
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IOException("no PNG writer");
        }
    }
}
