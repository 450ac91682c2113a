#!/bin/sh
# Fetches the pinned restic release for the agent platforms and verifies each download against the digest pinned in
# restic.sha256 beside this script, then writes OUT/restic-<target>[.exe] for deploy/publish.sh --restic-dir OUT.
#
#   fetch-restic.sh OUT
#
# A platform whose archive has no pinned digest is not fetched (it is named on stderr); a digest that does not match
# fails the script, so a release never carries a restic nobody checked. To move to another restic, change VERSION and
# pin the new archives' digests from restic's signed SHA256SUMS (https://github.com/restic/restic/releases).
set -eu

VERSION=0.17.3
here=$(cd "$(dirname "$0")" && pwd)
die() { printf 'fetch-restic.sh: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch-restic.sh OUT"
out=$1
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

for target in linux-amd64 linux-arm64 windows-amd64; do
  os=${target%-*}
  arch=${target#*-}
  case "$os" in
    windows) archive="restic_${VERSION}_${os}_${arch}.zip" ;;
    *) archive="restic_${VERSION}_${os}_${arch}.bz2" ;;
  esac
  if ! grep -q "  $archive\$" "$here/restic.sha256"; then
    printf 'fetch-restic.sh: no pinned digest for %s; %s is not carried\n' "$archive" "$target" >&2
    continue
  fi
  curl -fsSL --retry 3 -o "$work/$archive" "https://github.com/restic/restic/releases/download/v$VERSION/$archive" \
    || die "cannot download $archive"
  (cd "$work" && grep "  $archive\$" "$here/restic.sha256" | sha256sum -c --strict --quiet -) \
    || die "$archive does not match its pinned SHA-256; refusing it"
  case "$archive" in
    *.zip) unzip -p "$work/$archive" "restic_${VERSION}_${os}_${arch}.exe" > "$out/restic-$target.exe" ;;
    *) bunzip2 -c "$work/$archive" > "$out/restic-$target" && chmod 0755 "$out/restic-$target" ;;
  esac
  printf 'fetch-restic.sh: restic %s for %s\n' "$VERSION" "$target"
done
