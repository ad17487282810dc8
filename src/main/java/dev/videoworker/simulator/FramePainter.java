package dev.videoworker.simulator;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * Draws the simulator's frames: a drifting gradient, a moving ball and the frame counter, so a player (or a human
 * looking at a thumbnail) can see that time passes and which clip it is.
 */
final class FramePainter {

    private FramePainter() {
    }

    /** Frame {@code index} (0-based) of a clip of {@code size} at {@code fps}. */
    static BufferedImage paint(VideoSize size, int index, int totalFrames, int fps) {
        int width = size.width();
        int height = size.height();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            double phase = totalFrames <= 1 ? 0.0 : (double) index / (totalFrames - 1);
            float hue = (float) (0.55 + 0.35 * phase);
            Color from = Color.getHSBColor(hue, 0.65f, 0.85f);
            Color to = Color.getHSBColor(hue + 0.3f, 0.75f, 0.35f);
            float shift = (float) (phase * width);
            g.setPaint(new GradientPaint(shift - width, 0, from, shift, height, to, true));
            g.fillRect(0, 0, width, height);

            int ball = Math.min(width, height) / 6;
            int x = (int) ((width - ball) * phase);
            int y = (int) ((height - ball) * (0.5 + 0.35 * Math.sin(phase * 2 * Math.PI * 2)));
            g.setColor(new Color(255, 255, 255, 210));
            g.fillOval(x, y, ball, ball);

            int fontSize = Math.max(12, Math.min(width, height) / 14);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, fontSize));
            g.setColor(Color.WHITE);
            g.drawString("SIMULATED", fontSize, fontSize * 2);
            g.setFont(new Font(Font.MONOSPACED, Font.BOLD, fontSize * 2 / 3));
            g.drawString(String.format(Locale.ROOT, "%s  frame %d/%d  t=%.2fs", size, index + 1, totalFrames,
                    (double) index / fps), fontSize, fontSize * 3);

            // a progress bar along the bottom edge
            int barHeight = Math.max(4, height / 60);
            g.setColor(new Color(0, 0, 0, 120));
            g.fillRect(0, height - barHeight, width, barHeight);
            g.setColor(Color.WHITE);
            g.fillRect(0, height - barHeight, (int) (width * (index + 1L) / Math.max(1, totalFrames)), barHeight);
            g.setStroke(new BasicStroke(Math.max(2, width / 320f)));
            g.drawRect(0, 0, width - 1, height - 1);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** {@code source} scaled to {@code width} pixels wide, keeping the aspect ratio. */
    static BufferedImage scaleToWidth(BufferedImage source, int width) {
        int height = Math.max(1, Math.round((float) source.getHeight() * width / source.getWidth()));
        BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scaled.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return scaled;
    }
}
