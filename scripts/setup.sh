#!/usr/bin/env bash
# Makes sure this machine can build and test Acuhook. Idempotent; run by run.sh and test.sh.
# Installs what is missing from Debian's packages; defines ensure_tools for the test script.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.1 or later) is required and was not found on PATH" >&2
  exit 1
fi

# Installs Debian packages (none when called with none).
apt_install() {
  [ $# -gt 0 ] || return 0
  echo "setup: installing $*" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs the Debian packages that provide the tools named `tool:package`, for those of the
# tools not on PATH yet.
ensure_tools() {
  local packages=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || packages+=(${pair#*:})
  done
  apt_install "${packages[@]}"
}

# Installs the Debian packages named, for those not installed yet (libraries: no command tells).
ensure_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  apt_install "${missing[@]}"
}

# What the build needs; the http-forward plugin links libcurl and OpenSSL, pg-upsert libpq.
ensure_tools "cc:gcc libc6-dev" git:git make:make
ensure_packages libcurl4-openssl-dev libssl-dev libpq-dev
