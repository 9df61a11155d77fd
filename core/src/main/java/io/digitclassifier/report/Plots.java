package io.digitclassifier.report;

import io.digitclassifier.data.Digits;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The reports' charts, drawn with XChart into PNG bytes: values per epoch, bars per class, a
 * confusion matrix as a heat map. One look for all of them (white background, legend inside, the
 * same colours for the same meaning: training blue, held-out orange).
 */
public final class Plots {
  public static final int WIDTH = 560;
  public static final int HEIGHT = 400;
  public static final Color BLUE = new Color(0x1f, 0x77, 0xb4);
  public static final Color ORANGE = new Color(0xff, 0x7f, 0x0e);
  public static final Color GREEN = new Color(0x2c, 0xa0, 0x2c);
  public static final Color RED = new Color(0xd6, 0x27, 0x28);
  public static final Color GREY = new Color(0x7f, 0x7f, 0x7f);
  private static final Color[] PALETTE = {BLUE, ORANGE, GREEN, RED, GREY};

  static {
    Headless.ensure();
  }

  private Plots() {}

  /**
   * One line per series over epochs 1..n; NaN values (epochs restored from a checkpoint without
   * metrics) are left out rather than drawn as zero.
   */
  public static XYChart perEpoch(
      String title, String yTitle, int[] epochs, Map<String, double[]> series) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("epoch")
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    chart.getStyler().setXAxisDecimalPattern("0");
    // with few epochs XChart puts ticks at the data's own values: keep their labels short
    chart.getStyler().setYAxisDecimalPattern("0.###");
    // below the plot: inside, it would cover a curve wherever the curves happen to go
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    if (epochs.length == 1) {
      // one point: XChart would make a zero-width axis; give the point some room either side
      chart.getStyler().setXAxisMin(epochs[0] - 1.0);
      chart.getStyler().setXAxisMax(epochs[0] + 1.0);
    }
    int colour = 0;
    for (Map.Entry<String, double[]> e : series.entrySet()) {
      List<Integer> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < epochs.length; i++) {
        double y = e.getValue()[i];
        if (Double.isFinite(y)) {
          xs.add(epochs[i]);
          ys.add(y);
        }
      }
      Color c = PALETTE[colour++ % PALETTE.length];
      if (xs.isEmpty()) continue;
      XYSeries s = chart.addSeries(e.getKey(), xs, ys);
      s.setLineColor(c);
      s.setMarkerColor(c);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    return chart;
  }

  /** Grouped (or stacked) bars: one group per category, one bar per series. */
  public static CategoryChart bars(
      String title,
      String xTitle,
      String yTitle,
      List<String> categories,
      Map<String, ? extends Number[]> series,
      boolean stacked) {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    chart.getStyler().setStacked(stacked);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
    chart.getStyler().setLegendVisible(series.size() > 1);
    chart.getStyler().setOverlapped(false);
    int colour = 0;
    List<Color> colours = new ArrayList<>();
    for (Map.Entry<String, ? extends Number[]> e : series.entrySet()) {
      chart.addSeries(e.getKey(), categories, List.of(e.getValue()));
      colours.add(PALETTE[colour++ % PALETTE.length]);
    }
    chart.getStyler().setSeriesColors(colours.toArray(new Color[0]));
    return chart;
  }

  /**
   * The confusion matrix {@code cm[actual][predicted]} as a 10x10 heat map, actual 0 at the top as
   * in every textbook, each non-empty cell showing its count. The colour follows log(1 + count): on
   * a linear scale the diagonal's thousands would wash out the handful of mistakes that the chart
   * is for. XChart maps values to colours linearly through its range colours, so the log scale is
   * built into a long list of those.
   */
  public static HeatMapChart confusionMatrix(String title, long[][] cm) {
    int k = cm.length;
    HeatMapChart chart =
        new HeatMapChartBuilder()
            .width(560)
            .height(540)
            .title(title)
            .xAxisTitle("predicted")
            .yAxisTitle("actual")
            .build();
    style(chart.getStyler());
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setShowValue(true);
    chart.getStyler().setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    chart.getStyler().setValueFontColor(Color.BLACK);
    chart.getStyler().setHeatMapValueDecimalPattern("#,##0");
    chart.getStyler().setPlotGridLinesVisible(false);
    chart.getStyler().setDrawBorder(true);
    List<String> xs = new ArrayList<>();
    List<String> ys = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      xs.add(Integer.toString(i));
      ys.add(Integer.toString(k - 1 - i));
    }
    long max = 1;
    List<Number[]> cells = new ArrayList<>();
    for (int actual = 0; actual < k; actual++) {
      for (int predicted = 0; predicted < k; predicted++) {
        long n = cm[actual][predicted];
        max = Math.max(max, n);
        // empty cells stay blank: zeros everywhere would hide the few cells that matter
        if (n > 0) cells.add(new Number[] {predicted, k - 1 - actual, n});
      }
    }
    chart.getStyler().setMin(0);
    chart.getStyler().setMax(max);
    chart.getStyler().setRangeColors(logRamp(max, 128));
    chart.addSeries("count", xs, ys, cells);
    return chart;
  }

  /**
   * {@code stops} colours evenly spaced over counts 0..max whose shade follows log(1 + count) /
   * log(1 + max), from a pale blue (one image) to a deep blue (the largest cell).
   */
  static Color[] logRamp(long max, int stops) {
    Color low = new Color(0xde, 0xeb, 0xf7);
    Color high = new Color(0x42, 0x92, 0xc6);
    Color[] out = new Color[stops];
    for (int i = 0; i < stops; i++) {
      double count = (double) max * i / (stops - 1);
      double t = count < 1 ? count : Math.log1p(count) / Math.log1p(max);
      out[i] =
          new Color(
              mix(low.getRed(), high.getRed(), t),
              mix(low.getGreen(), high.getGreen(), t),
              mix(low.getBlue(), high.getBlue(), t));
    }
    return out;
  }

  private static int mix(int a, int b, double t) {
    return (int) Math.round(a + (b - a) * Math.max(0, Math.min(1, t)));
  }

  /** The class names 0-9, the x axis of every per-class chart. */
  public static List<String> classes() {
    List<String> out = new ArrayList<>(Digits.CLASSES);
    for (int c = 0; c < Digits.CLASSES; c++) out.add(Integer.toString(c));
    return out;
  }

  /** Boxes {@code long[]} for {@link #bars}. */
  public static Long[] boxed(long[] values) {
    Long[] out = new Long[values.length];
    for (int i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }

  /** Boxes {@code double[]} for {@link #bars}. */
  public static Double[] boxed(double[] values) {
    Double[] out = new Double[values.length];
    for (int i = 0; i < values.length; i++) out[i] = values[i];
    return out;
  }

  /** The chart as PNG bytes. */
  public static byte[] png(Chart<?, ?> chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot draw chart '" + chart.getTitle() + "': " + e.getMessage(), e);
    }
  }

  private static void style(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderVisible(true);
    s.setPlotBorderColor(Color.LIGHT_GRAY);
    s.setPlotGridLinesColor(new Color(0xe5, 0xe5, 0xe5));
    s.setLegendBorderColor(Color.LIGHT_GRAY);
    s.setChartTitleBoxVisible(false);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setAntiAlias(true);
  }
}
