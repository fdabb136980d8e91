#!/usr/bin/env bash
# Installs what sanstls needs to build, test and fuzz on Debian 12, from Debian's archive only.
# Idempotent; runs as root or through sudo.
set -euo pipefail

packages=(
  bazel-bootstrap      # Bazel 4.2.3
  g++ clang            # g++ 12 for the build, clang 14 (with libFuzzer) for fuzzing
  libclang-rt-14-dev   # sanitizer and libFuzzer runtimes for clang
  libmbedtls-dev       # crypto: mbedTLS 2.28
  doctest-dev          # tests
  libssl-dev           # OpenSSL 3's libssl: the benchmark's reference stack
  libasio-dev          # the Asio adapter
  libboost-dev         # the Boost.Asio adapter and Boost.Beast (header-only parts of Boost 1.74)
  libuv1-dev           # the libuv example (tools/examples/uv_echo_server.cc)
  libpcap-dev          # reading packet captures
  pkgconf              # pkg-config: tools/check_consumers.sh builds against an installed copy
  openssl gnutls-bin curl libnss3-tools  # real peers in interop tests (NSS: selfserv, tstclnt)
  tcpdump tshark       # captures
  ca-certificates python3
)

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
else
  SUDO=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages already installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
