package dev.videoworker.simulator;

/** Output resolution as the API writes it ({@code 1280x720}: width x height). */
public record VideoSize(int width, int height) {

    public VideoSize {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("Size must be positive: " + width + "x" + height);
        }
    }

    /** Parses {@code WIDTHxHEIGHT}; callers check the result against the model's allowed sizes. */
    public static VideoSize parse(String text) {
        int x = text.indexOf('x');
        if (x <= 0 || x == text.length() - 1) {
            throw new IllegalArgumentException("Not a size: " + text);
        }
        return new VideoSize(Integer.parseInt(text.substring(0, x)), Integer.parseInt(text.substring(x + 1)));
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
