#!/usr/bin/env bash
# Publishes the server and lays out the bundled distribution tree (agents, install assets,
# SHA256SUMS) exactly as ../shared/DESIGN.md gives it. The Dockerfile and the tests run this
# script; there is no second recipe.
#
#   deploy/publish.sh --out DIR [--targets linux-amd64,linux-arm64,windows-amd64|none]
#                     [--server linux-amd64|linux-arm64|none]
#                     [--version V] [--commit C] [--date D] [--restic-dir DIR]
#
# --restic-dir DIR: restic executables for hosts without one, named restic-<target>[.exe] (deploy/release/fetch-restic.sh
# fetches and verifies the pinned release into such a directory); each one found goes to dist/restic/.
#
# Writes DIR/dist (the tree the image bakes at /opt/restic-manager/dist) and DIR/server (the
# framework-dependent server for the chosen architecture). Both are replaced on every run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=""
targets="linux-amd64,linux-arm64,windows-amd64"
server="linux-amd64"
version="0.0.0-dev"
commit="none"
date="unknown"
restic_dir=""

die() { printf 'publish.sh: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --targets) targets=${2:?--targets needs a list}; shift 2 ;;
    --server) server=${2:?--server needs an architecture}; shift 2 ;;
    --version) version=${2:?}; shift 2 ;;
    --commit) commit=${2:?}; shift 2 ;;
    --date) date=${2:?}; shift 2 ;;
    --restic-dir) restic_dir=${2:?--restic-dir needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required"
for value in "$version" "$commit" "$date"; do
  case "$value" in *[[:space:]]*|"") die "version, commit and date must be non-empty words, got '$value'" ;; esac
done

rid_of() {
  case "$1" in
    linux-amd64) echo linux-x64 ;;
    linux-arm64) echo linux-arm64 ;;
    windows-amd64) echo win-x64 ;;
    *) die "unknown target '$1' (known: linux-amd64, linux-arm64, windows-amd64)" ;;
  esac
}

target_list=()
[ "$targets" = none ] || IFS=',' read -r -a target_list <<< "$targets"
for target in ${target_list[@]+"${target_list[@]}"}; do rid_of "$target" > /dev/null; done
case "$server" in linux-amd64|linux-arm64|none) ;; *) die "--server must be linux-amd64, linux-arm64 or none, got '$server'" ;; esac
restic_files=()
if [ -n "$restic_dir" ]; then
  [ -d "$restic_dir" ] || die "--restic-dir $restic_dir is not a directory"
  for name in restic-linux-amd64 restic-linux-arm64 restic-windows-amd64.exe; do
    [ -f "$restic_dir/$name" ] && restic_files+=("$restic_dir/$name")
  done
  [ ${#restic_files[@]} -gt 0 ] || die "--restic-dir $restic_dir holds none of restic-linux-amd64, restic-linux-arm64, restic-windows-amd64.exe"
fi

stamp=(-p:Version="$version" -p:SourceRevisionId="$commit" -p:BuildDate="$date")
mkdir -p "$out"
out=$(cd "$out" && pwd)
dist="$out/dist"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
rm -rf "$dist" "$out/server"
mkdir -p "$dist/agent-binaries" "$dist/install"

# The publishes build in an artifacts directory of their own, never in the checkout's bin/ and obj/ (a restore for a
# runtime rewrites obj/project.assets.json, which a build or a `dotnet run` beside it may be reading). One after the
# other: they share the compiler server and the libraries' builds, so side by side is not faster on a few cores.
# Analyzers are off here: they judge the source, and every build of it (the checks, the tests) already ran them.
artifacts="$stage/artifacts"
publish() { dotnet publish "$@" --artifacts-path "$artifacts" -p:RunAnalyzers=false --nologo -v quiet; }

for target in ${target_list[@]+"${target_list[@]}"}; do
  rid=$(rid_of "$target")
  echo "publish.sh: agent $target ($rid)"
  publish "$repo/RestikManager.Agent/RestikManager.Agent.csproj" -c Release -r "$rid" --self-contained "${stamp[@]}" -o "$stage/$target"
done

if [ "$server" != none ]; then
  echo "publish.sh: server $server"
  publish "$repo/RestikManager.Server/RestikManager.Server.csproj" -c Release -r "$(rid_of "$server")" \
    --no-self-contained -p:PublishReadyToRun=true -p:DebugType=none "${stamp[@]}" -o "$out/server"
fi

for target in ${target_list[@]+"${target_list[@]}"}; do
  exe=""
  [ "$target" = windows-amd64 ] && exe=".exe"
  install -m 0755 "$stage/$target/restic-manager-agent$exe" "$dist/agent-binaries/restic-manager-agent-$target$exe"
  # The version the server offers hosts of this platform (self-update); an override in the data directory brings its own.
  printf '%s\n' "$version" > "$stage/version"
  install -m 0644 "$stage/version" "$dist/agent-binaries/restic-manager-agent-$target$exe.version"
done

for file in ${restic_files[@]+"${restic_files[@]}"}; do
  mkdir -p "$dist/restic"
  install -m 0755 "$file" "$dist/restic/$(basename "$file")"
done

install -m 0755 "$repo/deploy/install/install.sh" "$dist/install/install.sh"
install -m 0644 "$repo/deploy/install/install.ps1" "$dist/install/install.ps1"
install -m 0644 "$repo/deploy/install/restic-manager-agent.service" "$dist/install/restic-manager-agent.service"

(cd "$dist" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) > "$stage/SHA256SUMS"
install -m 0644 "$stage/SHA256SUMS" "$dist/SHA256SUMS"

if [ "$server" = none ]; then echo "publish.sh: done: $dist"; else echo "publish.sh: done: $dist and $out/server"; fi
