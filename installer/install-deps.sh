#!/usr/bin/env bash
# Installs every Debian 12 package that Imprint's build, tests and demo need.
# Idempotent: when every package is already present it returns in well under a second.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  clang libclang-rt-14-dev            # fuzz targets (libFuzzer) and sanitizer runtime
  # Qt 6.4 (Core, Network, Sql, Widgets, Test, Concurrent are in qt6-base-dev)
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-qpa-plugins libgl-dev
  qt6-serialport-dev
  qt6-charts-dev libqt6opengl6-dev     # Qt6Charts' CMake config needs the OpenGL module
  qt6-httpserver-dev qt6-websockets-dev # Qt6HttpServer's CMake config needs WebSockets
  # crypto and PKCS#11
  libssl-dev openssl libp11-dev libp11-kit-dev softhsm2 opensc
  # database
  sqlite3 libsqlite3-dev
  # cloud test peers: the real AWS CLI v2 and MQTT clients
  awscli mosquitto mosquitto-clients
  # headless display for the demo and GUI screenshots
  xvfb xauth x11-utils fonts-dejavu-core
  # the station's Debian package (cmake --target package) and its checks (installer/check-package)
  dpkg-dev fakeroot lintian file appstream desktop-file-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
