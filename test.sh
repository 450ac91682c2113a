#!/usr/bin/env bash
# The whole test suite: unit, integration (real server, real restic, real SQLite), process tests and
# browser tests (Debian's Chromium driven by Playwright).
# Installs what it needs from Debian's packages when it can (root or sudo); otherwise says exactly
# what is missing. Ends with one line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"

need_packages=()
command -v restic >/dev/null 2>&1 || need_packages+=(restic)
command -v shellcheck >/dev/null 2>&1 || need_packages+=(shellcheck)
command -v rclone >/dev/null 2>&1 || need_packages+=(rclone)
[ -x /usr/bin/chromium ] || need_packages+=(chromium)
command -v setpriv >/dev/null 2>&1 || need_packages+=(util-linux)
command -v sha256sum >/dev/null 2>&1 || need_packages+=(coreutils)
command -v git >/dev/null 2>&1 || need_packages+=(git)
# Database sources are tested against real servers the tests start themselves in temp folders (initdb/pg_ctl as the
# postgres user, mariadbd as mysql), and SQLite's own shell.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_packages+=(postgresql)
command -v psql >/dev/null 2>&1 || need_packages+=(postgresql-client)
[ -x /usr/sbin/mariadbd ] || need_packages+=(mariadb-server)
command -v sqlite3 >/dev/null 2>&1 || need_packages+=(sqlite3)
# Server replicas are tested behind a real load balancer.
[ -x /usr/sbin/haproxy ] || need_packages+=(haproxy)
# A real OpenID provider for the single sign-on tests (the npm package oidc-provider, on Node.js).
command -v node >/dev/null 2>&1 || need_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || need_packages+=(npm)
# A real SMTP server for the alert emails (Debian's python3, whatever python3 is first on PATH).
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need_packages+=(python3-aiosmtpd)
# The linux-arm64 agent is smoke-tested under emulation, with the arm64 C/C++ runtime as its sysroot.
[ -x /usr/bin/qemu-aarch64-static ] || need_packages+=(qemu-user-static)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need_packages+=(libc6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || need_packages+=(libstdc++6-arm64-cross)

if [ ${#need_packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "test.sh: missing packages: ${need_packages[*]}; install them with: apt-get install ${need_packages[*]}" >&2
    exit 1
  fi
  echo "test.sh: installing ${need_packages[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "test.sh: the .NET SDK is missing (global.json asks for 10.0.100 or a later 10.0 feature band)" >&2
  exit 1
fi

# PowerShell, to run install.ps1 for real: a .NET tool in .tools/ (7.7.0 fails here; 7.6.10 is pinned).
if ! command -v pwsh >/dev/null 2>&1 && [ ! -x .tools/pwsh ]; then
  echo "test.sh: installing PowerShell 7.6.10 (dotnet tool) into .tools/"
  dotnet tool install --tool-path .tools PowerShell --version 7.6.10 >/dev/null
fi

# The identity provider's packages, exactly as locked (RestikManager.Tests/Sso/idp/package-lock.json).
if [ ! -f RestikManager.Tests/Sso/idp/node_modules/oidc-provider/package.json ]; then
  echo "test.sh: installing the test identity provider (npm ci in RestikManager.Tests/Sso/idp)"
  (cd RestikManager.Tests/Sso/idp && npm ci --no-audit --no-fund --loglevel=error)
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test RestikManager.sln --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m || status=$?

# The in-process suite once more with every server on PostgreSQL (a throwaway cluster the tests start on loopback with
# initdb/pg_ctl, a database per server): the stores, the API and the pages, proven on both engines.
RM_TEST_ENGINE=postgres dotnet test RestikManager.Tests --nologo --no-build --filter "Category!=Process" \
  --logger "console;verbosity=minimal" --logger "trx;LogFileName=results-postgres.trx" --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m || status=$?

trxs=$(find "$results" -name 'results*.trx')
if [ -z "$trxs" ]; then
  echo "test.sh: no test results were written (the build or the test host failed; see above)" >&2
  exit 1
fi
count() {
  local sum=0 n f
  for f in $trxs; do
    n=$(grep -o '<Counters [^>]*>' "$f" | sed -n "s/.* $1=\"\\([0-9]*\\)\".*/\\1/p")
    sum=$((sum + ${n:-0}))
  done
  echo "$sum"
}
passed=$(count passed)
failed=$(count failed)
total=$(count total)
executed=$(count executed)
skipped=$((total - executed))
if [ "${failed:-0}" != "0" ]; then
  # CI keeps only the tail of the output: name each failure and its first lines here, last.
  # shellcheck disable=SC2086
  /usr/bin/python3 - $trxs <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
  engine = " (on PostgreSQL)" if path.endswith("results-postgres.trx") else ""
  for r in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Failed":
        continue
    print("FAILED", r.get("testName") + engine)
    msg = r.find(".//t:Message", ns)
    trace = r.find(".//t:StackTrace", ns)
    for text in (msg, trace):
      if text is not None and text.text:
        print("  " + "\n  ".join(text.text.strip().splitlines()[:12]))
PY
fi
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
[ "${passed:-0}" -gt 0 ] || { echo "test.sh: no test ran" >&2; exit 1; }
exit "$status"
