package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** /web/'s choice of gzip from the request's Accept-Encoding. */
class WebHandlerTest {
  @Test
  void gzipOnlyWhereTheClientAcceptsItWithAQualityAboveZero() {
    assertThat(WebHandler.acceptsGzip("gzip, deflate, br")).isTrue();
    assertThat(WebHandler.acceptsGzip("br, GZIP;q=0.5")).isTrue();
    assertThat(WebHandler.acceptsGzip("gzip;q=0")).isFalse();
    // a space before the parameter: the earlier substring check sent gzip here
    assertThat(WebHandler.acceptsGzip("gzip; q=0")).isFalse();
    assertThat(WebHandler.acceptsGzip("gzip;q=0.0, br")).isFalse();
    assertThat(WebHandler.acceptsGzip("x-gzip, identity")).isTrue();
    assertThat(WebHandler.acceptsGzip("identity, deflate")).isFalse();
    assertThat(WebHandler.acceptsGzip(null)).isFalse();
  }
}
