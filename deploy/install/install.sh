#!/bin/sh
# Installs (or upgrades, or removes) the restic-manager agent on a Linux host with systemd.
# The server serves this script with its own URL filled in, so one line is enough:
#
#   curl -fsSL <server>/install/install.sh | sudo sh -s -- --token <enrollment-token>
#
# Options:
#   --token T      enrollment token from the server (needed on first install)
#   --server URL   server to use (default: the one that served this script)
#   --hostname N   name this host is known by on the server (default: its hostname)
#   --reenroll     enroll again although this host already has an agent credential
#   --uninstall    stop the agent and remove everything this script installed
#   --prefix DIR   install below DIR instead of / (for tests; systemctl is still called)
set -eu

server_url="@@RM_SERVER_URL@@"
token=""
hostname=""
prefix=""
reenroll=0
uninstall=0

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --token) [ $# -ge 2 ] || die "--token needs a value"; token=$2; shift 2 ;;
    --server) [ $# -ge 2 ] || die "--server needs a value"; server_url=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a value"; prefix=$2; shift 2 ;;
    --hostname) [ $# -ge 2 ] || die "--hostname needs a value"; hostname=$2; shift 2 ;;
    --reenroll) reenroll=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

bin_dir="$prefix/usr/local/bin"
binary="$bin_dir/restic-manager-agent"
config_dir="$prefix/etc/restic-manager"
config="$config_dir/agent.json"
unit_dir="$prefix/etc/systemd/system"
unit="$unit_dir/restic-manager-agent.service"
state_dir="$prefix/var/lib/restic-manager-agent"

[ "$(id -u)" -eq 0 ] || die "run as root (for example: curl -fsSL $server_url/install/install.sh | sudo sh -s -- --token <T>)"
command -v systemctl >/dev/null 2>&1 || die "systemd (systemctl) is required; this host has none"

if [ "$uninstall" -eq 1 ]; then
  systemctl disable --now restic-manager-agent.service >/dev/null 2>&1 || true
  rm -f "$unit" "$binary"
  rm -rf "$config_dir" "$state_dir"
  systemctl daemon-reload || true
  say "removed the agent, its service, its configuration and its state (results not yet reported are lost)"
  exit 0
fi

case "$server_url" in
  http://*|https://*) ;;
  *) die "no server URL: pass --server https://your-server" ;;
esac
server_url=${server_url%/}

case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported architecture $(uname -m); agents exist for amd64 and arm64" ;;
esac

served() { # served URL: whether the server has it (a HEAD request)
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -I -o /dev/null "$1" 2>/dev/null
  else
    wget -q --spider "$1" 2>/dev/null
  fi
}

# The agent runs the host's restic, or the one the server provides (it downloads and verifies that one itself).
if ! command -v restic >/dev/null 2>&1; then
  if served "$server_url/restic/binary?os=linux&arch=$arch"; then
    say "restic is not on PATH: the agent will use the restic $server_url provides"
  else
    die "restic is not installed and $server_url provides none; install it first (Debian/Ubuntu: apt-get install restic; Fedora/RHEL: dnf install restic; or see https://restic.readthedocs.io/en/stable/020_installation.html)"
  fi
fi

if [ -f "$config" ] && [ -n "$token" ] && [ "$reenroll" -eq 0 ]; then
  die "this host is already enrolled ($config); pass --reenroll to enroll it again, or drop --token to upgrade"
fi
if [ ! -f "$config" ] && [ -z "$token" ]; then
  die "this host is not enrolled yet: pass --token <enrollment-token> (create one on the server)"
fi

fetch() { # fetch URL FILE HEADERS
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -D "$3" -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -S -O "$2" "$1" 2>"$3"
  else
    die "curl or wget is required"
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

say "downloading the agent for linux/$arch from $server_url"
fetch "$server_url/agent/binary?os=linux&arch=$arch" "$work/agent" "$work/headers" \
  || die "cannot download the agent from $server_url (is the server reachable, and is the linux/$arch agent published?)"
expected=$(tr -d '\r' < "$work/headers" | sed -n 's/^ *[Xx]-[Cc]hecksum-[Ss]ha256: *//p' | tail -n 1)
[ -n "$expected" ] || die "the server sent no X-Checksum-Sha256 header; refusing to install an unverified binary"
actual=$(sha256sum "$work/agent" | cut -d ' ' -f 1)
[ "$actual" = "$expected" ] || die "checksum mismatch (expected $expected, got $actual); nothing was installed"

fetch "$server_url/install/restic-manager-agent.service" "$work/unit" "$work/unit-headers" \
  || die "cannot download the service unit from $server_url"

mkdir -p "$bin_dir" "$unit_dir"
chmod 0755 "$work/agent"
"$work/agent" --version >/dev/null || die "the downloaded agent does not run on this host"

upgrading=0
[ -f "$binary" ] && upgrading=1
cp "$work/agent" "$binary.new" && mv -f "$binary.new" "$binary"

if [ -n "$token" ]; then
  mkdir -p "$config_dir"
  chmod 0700 "$config_dir"
  set -- enroll --server "$server_url" --token "$token" --config "$config"
  [ "$reenroll" -eq 1 ] && set -- "$@" --force
  [ -n "$hostname" ] && set -- "$@" --hostname "$hostname"
  "$binary" "$@" \
    || die "enrollment failed (see the message above); the agent binary is installed but not enrolled"
fi

# The host's allowlist: what plans may run here (hooks, database dumps), by name. Only root may write it; the agent
# refuses an entry that anyone else could have changed. The sample is not an entry until copied to <name>.json.
hooks_dir="$config_dir/hooks.d"
if [ ! -d "$hooks_dir" ]; then
  mkdir -p "$hooks_dir"
  chown 0:0 "$hooks_dir"
  chmod 0755 "$hooks_dir"
  cat > "$hooks_dir/app-db.json.sample" <<'SAMPLE'
{"kind": "postgres", "database": "app", "host": "/var/run/postgresql", "port": 5432, "user": "backup", "passwordFile": "/etc/restic-manager/app-db.password"}
SAMPLE
  chmod 0644 "$hooks_dir/app-db.json.sample"
  say "created $hooks_dir (the allowlist of hooks and database sources; see app-db.json.sample)"
fi

cp "$work/unit" "$unit"
chmod 0644 "$unit"
systemctl daemon-reload
systemctl enable restic-manager-agent.service >/dev/null
if [ "$upgrading" -eq 1 ]; then
  systemctl restart restic-manager-agent.service
  say "upgraded to $("$binary" --version)"
else
  systemctl start restic-manager-agent.service
  say "installed $("$binary" --version); the service is enabled and running"
fi
