#!/usr/bin/env bash
# Builds the release artefacts into dist/: acuhook_<version>_amd64.deb and
# acuhook-<version>-linux-x86_64.tar.gz (the same files under one folder). No Swift toolchain is
# needed where they are installed: the Swift runtime the binary links is shipped in
# lib/acuhook/ and found through the RUNPATH $ORIGIN/../lib/acuhook (packaging/README.md).
#
#   scripts/package.sh                      # release build (the artefacts to publish)
#   ACUHOOK_PACKAGE_CONFIGURATION=debug scripts/package.sh   # reuse the test build (CI)
#   ACUHOOK_PACKAGE_VERSION=0.2.0+test1 scripts/package.sh   # another version number (upgrade tests)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_tools patchelf:patchelf objcopy:binutils gzip:gzip

configuration="${ACUHOOK_PACKAGE_CONFIGURATION:-release}"
version="${ACUHOOK_PACKAGE_VERSION:-$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/acuhook/Acuhook.swift)}"
[ -n "$version" ] || { echo "package: cannot read the version from Sources/acuhook/Acuhook.swift" >&2; exit 1; }
started=$(date +%s)

# Only what is shipped (not the benchmarks), and swift-argument-parser's manual generator.
echo "== package: swift build -c $configuration" >&2
for product in acuhook CustomerSync OrderThreshold StockLog HttpForward generate-manual; do
  swift build -c "$configuration" --product "$product"
done
bin=".build/$configuration"
runtime="$(dirname "$(readlink -f "$(command -v swift)")")/../lib/swift/linux"
runtime="$(readlink -f "$runtime")"
compiler="$(swift --version 2>/dev/null | sed -n 's/.*\(Swift version [^)]*)\).*/\1/p' | head -1)"
[ -n "$compiler" ] || { echo "package: cannot read the Swift compiler version" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"          # the .deb's file system
mkdir -p "$root"/usr/bin "$root"/usr/lib/acuhook/plugins "$root"/usr/share/acuhook "$root"/usr/share/doc/acuhook \
  "$root"/usr/share/man/man1 "$root"/usr/share/bash-completion/completions "$root"/usr/share/zsh/vendor-completions \
  "$root"/usr/share/fish/vendor_completions.d "$root"/usr/share/lintian/overrides "$root"/lib/systemd/system "$root"/etc/acuhook

# Records the compiler in a section of its own: the plugin loader's toolchain check reads it
# when the debug information (which also names it) has been stripped.
record_compiler() {
  printf '%s\n' "$compiler" > "$stage/compiler"
  objcopy --add-section .acuhook.compiler="$stage/compiler" --set-section-flags .acuhook.compiler=noload,readonly "$1"
}

# The binary: debug information stripped (symbols kept for readable crash reports).
install -m 0755 "$bin/acuhook" "$root/usr/bin/acuhook"
strip --strip-debug --remove-section=.comment "$root/usr/bin/acuhook"
record_compiler "$root/usr/bin/acuhook"
patchelf --set-rpath '$ORIGIN/../lib/acuhook' "$root/usr/bin/acuhook"

# The example plugins: the Swift ones find the runtime one folder up (inside the host they use
# the copies the host has loaded anyway).
for plugin in CustomerSync OrderThreshold StockLog HttpForward PgUpsert; do
  install -m 0644 "$bin/lib$plugin.so" "$root/usr/lib/acuhook/plugins/"
  file="$root/usr/lib/acuhook/plugins/lib$plugin.so"
  strip --strip-unneeded --remove-section=.comment "$file"
  if readelf -d "$file" | grep -q 'libswiftCore.so'; then
    record_compiler "$file"
    patchelf --set-rpath '$ORIGIN/..' "$file"
  else
    patchelf --remove-rpath "$file"
  fi
done

# The Swift runtime: every library the binary and the plugins load from the toolchain.
libraries=$(for file in "$bin/acuhook" "$bin"/lib{CustomerSync,OrderThreshold}.so; do ldd "$file"; done |
  awk -v runtime="$runtime" '$3 ~ "^"runtime"/" {print $3}' | sort -u)
[ -n "$libraries" ] || { echo "package: found no Swift runtime libraries under $runtime" >&2; exit 1; }
for library in $libraries; do
  install -m 0644 "$(readlink -f "$library")" "$root/usr/lib/acuhook/$(basename "$library")"
  strip --strip-unneeded --remove-section=.comment "$root/usr/lib/acuhook/$(basename "$library")"
done

# What new-plugin and plugin authors use, and what operators copy.
install -m 0644 Sources/CAcuhookPlugin/include/acuhook_plugin.h "$root/usr/share/acuhook/"
tar -C . --exclude=.build --exclude=.swiftpm --exclude=Package.resolved -cf - PluginTemplate Plugins | tar -C "$root/usr/share/acuhook" -xf -
install -m 0644 examples/prometheus-alerts.yaml "$root/usr/share/acuhook/prometheus-alerts.yaml"
install -m 0644 examples/acuhook.yaml "$root/usr/share/acuhook/example-acuhook.yaml"
install -m 0644 packaging/acuhook.yaml "$root/etc/acuhook/acuhook.yaml"
install -m 0644 packaging/acuhook.service "$root/lib/systemd/system/acuhook.service"

# Manual page and completions, generated from the command definitions (swift-argument-parser).
man="$stage/man"
mkdir -p "$man"
"$bin/generate-manual" "$bin/acuhook" --output-directory "$man" --date "$(date -u +%Y-%m-%d)" >&2
gzip -9n -c "$man/acuhook.1" > "$root/usr/share/man/man1/acuhook.1.gz"
# (bash completions are sourced, not run: no #! line)
"$root/usr/bin/acuhook" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/acuhook"
"$root/usr/bin/acuhook" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_acuhook"
"$root/usr/bin/acuhook" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/acuhook.fish"

# Documentation.
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/acuhook/copyright"
install -m 0644 README.md "$root/usr/share/doc/acuhook/README.md"
for page in docs/*.md CHANGELOG.md; do gzip -9n -c "$page" > "$root/usr/share/doc/acuhook/$(basename "$page").gz"; done
python3 scripts/packaging/debian_changelog.py "$version" CHANGELOG.md | gzip -9n > "$root/usr/share/doc/acuhook/changelog.gz"
install -m 0644 packaging/lintian-overrides "$root/usr/share/lintian/overrides/acuhook"

# Nothing the binary needs may come from the toolchain.
if LD_LIBRARY_PATH= ldd "$root/usr/bin/acuhook" | grep -E "$runtime|not found"; then
  echo "package: the packaged binary still needs the toolchain (above)" >&2
  exit 1
fi

# The .deb: Depends on the Debian packages that own the system libraries its files link directly.
depends=$(find "$root" -type f \( -name '*.so' -o -path '*/usr/bin/*' \) -exec objdump -p {} \; 2>/dev/null |
  awk '/NEEDED/ {print $2}' | sort -u | while read -r soname; do
    [ -e "$root/usr/lib/acuhook/$soname" ] && continue
    library=$(ldconfig -p | awk -v soname="$soname" '$1 == soname && /x86-64/ {print $NF; exit}')
    [ -n "$library" ] || { echo "package: no system library $soname" >&2; exit 1; }
    dpkg -S "$library" 2>/dev/null || dpkg -S "$(readlink -f "$library")"
  done | cut -d: -f1 | sort -u | paste -sd, | sed 's/,/, /g')
mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<EOF
Package: acuhook
Version: $version
Architecture: amd64
Maintainer: Acuhook <maintainers@acuhook.dev>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: adduser, $depends
Section: net
Priority: optional
Homepage: https://github.com/acuhook/acuhook
Description: Acumatica ERP webhook receiver with handler plugins
 Acuhook receives Acumatica webhooks and push notifications over HTTPS,
 verifies and durably stores every delivery before answering, and runs your
 handler plugins (shared libraries behind a versioned C ABI, in Swift, C or
 Rust) on each event, each behind its own circuit breaker, timeout and
 concurrency limit, with retries and a dead-letter queue.
EOF
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
mkdir -p dist
deb="dist/acuhook_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

# The tarball: the same tree under one folder, the service and configuration as files to copy.
name="acuhook-$version-linux-x86_64"
tree="$stage/$name"
mkdir -p "$tree"
cp -a "$root/usr/." "$tree/"
mkdir -p "$tree/share/acuhook/packaging"
cp -a "$root/etc/acuhook/acuhook.yaml" "$root/lib/systemd/system/acuhook.service" "$tree/share/acuhook/packaging/"
rm -rf "$tree/share/lintian"
tar -C "$stage" --owner=0 --group=0 -czf "dist/$name.tar.gz" "$name"

echo "== package: $(( $(date +%s) - started )) s" >&2
ls -l "$deb" "dist/$name.tar.gz" >&2
