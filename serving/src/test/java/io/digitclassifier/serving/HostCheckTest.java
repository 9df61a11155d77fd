package io.digitclassifier.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which Host names the server answers (the requests themselves: HostileClientsTest). */
class HostCheckTest {
  @Test
  void loopbackAndTheConfiguredNamesAreAllowedAndNothingElse() {
    var allowed =
        Connections.HostCheck.allowed(
            new InetSocketAddress("127.0.0.1", 8080), List.of("Digits.Example.", "[fe80::1]"));
    assertThat(allowed)
        .contains("localhost", "127.0.0.1", "::1", "digits.example", "fe80::1")
        .doesNotContain("evil.example", "0.0.0.0");
  }

  @Test
  void listeningOnEveryAddressAllowsThisMachinesAddresses() throws Exception {
    var allowed = Connections.HostCheck.allowed(new InetSocketAddress("0.0.0.0", 8080), List.of());
    assertThat(allowed)
        .contains(
            java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT));
    for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      for (var a : java.util.Collections.list(nic.getInetAddresses())) {
        assertThat(allowed).contains(Connections.HostCheck.normalise(a.getHostAddress()));
      }
    }
  }
}
