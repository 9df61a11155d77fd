package io.digitclassifier.report;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page: inline CSS, images embedded as {@code data:image/png;base64} URLs, no
 * script and nothing fetched, so it opens offline, from a mail attachment or a copied file alike.
 * Every text is escaped.
 */
public final class HtmlPage {
  private static final String CSS =
      String.join(
          "\n",
          "body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;",
          "  max-width:1180px;margin:24px auto;padding:0 20px;line-height:1.45}",
          "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;",
          "  padding-bottom:.2em}",
          ".sub{color:#666;margin-top:0}.note{color:#666;font-size:.9em}",
          "table{border-collapse:collapse;margin:.6em 0;font-size:.92em}",
          "th,td{border:1px solid #ddd;padding:3px 9px;text-align:left;vertical-align:top}",
          "th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}",
          ".figs{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}",
          // display:table with a table-caption: the caption wraps at the image's width instead of
          // widening it
          "figure{margin:0 0 12px 0;display:table}figure img{max-width:100%;border:1px solid #e4e4e4}",
          "figcaption{display:table-caption;caption-side:bottom;color:#555;font-size:.9em;padding-top:4px}",
          "code{background:#f4f4f4;padding:0 3px}");

  private final StringBuilder body = new StringBuilder();
  private final String title;
  private boolean inRow;

  public HtmlPage(String title, String subtitle) {
    this.title = title;
    body.append("<h1>").append(escape(title)).append("</h1>\n");
    if (subtitle != null)
      body.append("<p class=\"sub\">").append(escape(subtitle)).append("</p>\n");
  }

  public HtmlPage heading(String text) {
    endRow();
    body.append("<h2>").append(escape(text)).append("</h2>\n");
    return this;
  }

  public HtmlPage paragraph(String text) {
    endRow();
    body.append("<p>").append(escape(text)).append("</p>\n");
    return this;
  }

  /** A smaller grey paragraph: how to read what is above or below it. */
  public HtmlPage note(String text) {
    endRow();
    body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
    return this;
  }

  /** A two-column table of names and values. */
  public HtmlPage facts(Map<String, String> facts) {
    endRow();
    body.append("<table>\n");
    facts.forEach(
        (k, v) ->
            body.append("<tr><th>")
                .append(escape(k))
                .append("</th><td>")
                .append(escape(v))
                .append("</td></tr>\n"));
    body.append("</table>\n");
    return this;
  }

  /** A table; cells that parse as numbers are right-aligned. */
  public HtmlPage table(List<String> header, List<List<String>> rows) {
    endRow();
    body.append("<table>\n<tr>");
    for (String h : header) body.append("<th>").append(escape(h)).append("</th>");
    body.append("</tr>\n");
    for (List<String> row : rows) {
      body.append("<tr>");
      for (String cell : row) {
        body.append(isNumber(cell) ? "<td class=\"n\">" : "<td>")
            .append(escape(cell))
            .append("</td>");
      }
      body.append("</tr>\n");
    }
    body.append("</table>\n");
    return this;
  }

  /**
   * Starts a row of figures side by side (wrapping when the window is narrow); a heading or text
   * ends it.
   */
  public HtmlPage figureRow() {
    endRow();
    body.append("<div class=\"figs\">\n");
    inRow = true;
    return this;
  }

  /** A PNG embedded in the page, with its alternative text and a caption. */
  public HtmlPage figure(byte[] png, String alt, String caption) {
    body.append("<figure><img alt=\"")
        .append(escape(alt))
        .append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png))
        .append("\">");
    if (caption != null)
      body.append("<figcaption>").append(escape(caption)).append("</figcaption>");
    body.append("</figure>\n");
    return this;
  }

  public String html() {
    endRow();
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        + escape(title)
        + "</title>\n<style>\n"
        + CSS
        + "\n</style>\n</head>\n<body>\n"
        + body
        + "</body>\n</html>\n";
  }

  /** Writes the page through a temporary sibling renamed into place. */
  public void write(Path file) {
    io.digitclassifier.storage.LocalFiles.writeAtomically(
        file, html().getBytes(StandardCharsets.UTF_8));
  }

  private void endRow() {
    if (inRow) {
      body.append("</div>\n");
      inRow = false;
    }
  }

  static boolean isNumber(String s) {
    return s != null && s.matches("[-+]?[0-9][0-9,]*(\\.[0-9]+)?%?");
  }

  /** HTML-escapes text for element content and attribute values. */
  public static String escape(String s) {
    if (s == null) return "";
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  /** A share as a percentage with two decimals, or "-" when not a number. */
  public static String percent(double v) {
    return Double.isFinite(v) ? String.format(java.util.Locale.ROOT, "%.2f%%", 100 * v) : "-";
  }

  /** A number with thousands separators and {@code decimals} decimals, or "-" when not a number. */
  public static String num(double v, int decimals) {
    return Double.isFinite(v)
        ? String.format(java.util.Locale.ROOT, "%,." + decimals + "f", v)
        : "-";
  }
}
