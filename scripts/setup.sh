#!/usr/bin/env bash
# Makes sure this machine can build and test Acuhook. Idempotent; run by run.sh and test.sh.
# Installs what is missing from Debian's packages (nothing beyond the Swift toolchain is needed yet).
set -euo pipefail

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.1 or later) is required and was not found on PATH" >&2
  exit 1
fi

# Debian packages the build and tests need; installed only when missing.
needed=()
for tool in cc git; do
  command -v "$tool" >/dev/null 2>&1 || needed+=("$tool")
done
if [ ${#needed[@]} -gt 0 ]; then
  packages=()
  for tool in "${needed[@]}"; do
    case "$tool" in
      cc) packages+=(gcc libc6-dev) ;;
      *) packages+=("$tool") ;;
    esac
  done
  echo "setup: installing ${packages[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq "${packages[@]}"
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${packages[@]}"; fi
fi
