package io.digitclassifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in README.md, CONTRIBUTING.md and docs/*.md resolves: the file exists, and an
 * {@code #anchor} is the slug of one of its headings by GitHub's rules (lowercase, spaces to '-',
 * punctuation other than '-' and '_' removed, a repeated slug numbered -1, -2, ...).
 */
class DocsLinksTest {
  private static final Pattern LINK =
      Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");

  @Test
  void everyRelativeLinkAndAnchorResolves() throws IOException {
    Path root = ReadmeOptions.root();
    List<Path> pages =
        new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("CONTRIBUTING.md")));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      assertThat(page).as("a page the links test reads").isRegularFile();
      Matcher m = LINK.matcher(prose(Files.readString(page)));
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) continue; // https:, mailto:
        checked++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        String where = root.relativize(page) + ": " + m.group();
        if (!Files.exists(resolved)) {
          broken.add(where + " (no file " + root.relativize(resolved) + ")");
        } else if (anchor != null && !anchors(resolved).contains(anchor)) {
          broken.add(
              where
                  + " (no heading with the anchor #"
                  + anchor
                  + " in "
                  + root.relativize(resolved)
                  + "; its anchors: "
                  + anchors(resolved)
                  + ")");
        }
      }
    }
    assertThat(checked).as("relative links found").isPositive();
    assertThat(broken).as("links that do not resolve").isEmpty();
  }

  @Test
  void slugsFollowGitHubsRules() {
    assertThat(slug("The model directory (`bin/train`)")).isEqualTo("the-model-directory-bintrain");
    assertThat(slug("Storage: local paths, HDFS and S3"))
        .isEqualTo("storage-local-paths-hdfs-and-s3");
    assertThat(slug("Slow, idle and many clients")).isEqualTo("slow-idle-and-many-clients");
    assertThat(slug("Where it stands (`PEER_DIR=../shared/peer bin/benchmark-nets`)"))
        .isEqualTo("where-it-stands-peer_dirsharedpeer-binbenchmark-nets");
    assertThat(prose("a\n```\n[x](nowhere.md)\n```\n`[y](nowhere.md)` [z](here.md)"))
        .doesNotContain("nowhere");
  }

  /** The anchors of a Markdown file's headings (none for other files). */
  static Set<String> anchors(Path file) {
    Set<String> anchors = new LinkedHashSet<>();
    if (!file.toString().endsWith(".md") || !Files.isRegularFile(file)) return anchors;
    Map<String, Integer> seen = new HashMap<>();
    boolean fence = false;
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.stripLeading().startsWith("```")) fence = !fence;
        Matcher h = HEADING.matcher(line);
        if (fence || !h.matches()) continue;
        String slug = slug(h.group(1));
        int n = seen.merge(slug, 1, Integer::sum) - 1;
        anchors.add(n == 0 ? slug : slug + "-" + n);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return anchors;
  }

  /**
   * GitHub's heading slug: lowercase, punctuation other than '-' and '_' removed, spaces to '-'.
   */
  static String slug(String heading) {
    return heading.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  /** The text outside fenced code blocks and inline code spans, where links are links. */
  static String prose(String markdown) {
    StringBuilder out = new StringBuilder();
    boolean fence = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.stripLeading().startsWith("```")) {
        fence = !fence;
        continue;
      }
      if (!fence) out.append(line.replaceAll("`[^`]*`", "``")).append('\n');
    }
    return out.toString();
  }
}
