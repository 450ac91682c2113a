"""Runs a command and accounts the CPU of every process on the machine while it runs, by kind (see bench/suite-cpu.sh).

Each process's utime+stime is read from /proc/<pid>/stat every 0.2 s and its largest value kept; a process that lives
less than a sample is missed, which the gap between the table's sum and /proc/stat's busy time shows."""
import os
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")

KINDS = [  # first match of the command line wins
    ("the published server", lambda c: "restic-manager-server" in c and "/bin/Debug/" not in c),
    ("the published agent", lambda c: "restic-manager-agent" in c and "/bin/Debug/" not in c and "/bin/Release/" not in c),
    ("Chromium", lambda c: "chromium" in c or "chrome" in c),
    ("restic", lambda c: os.path.basename(c.split("\0")[0]) == "restic"),
    ("PowerShell", lambda c: "pwsh" in c or "powershell" in c.lower()),
    ("the test host", lambda c: "testhost" in c),
    ("Aspire (DCP, the dashboard, the dev-build server and agents)", lambda c: "dcp" in c or "Aspire" in c or "AppHost" in c or "/bin/Debug/" in c),
    ("the builds and publishes (MSBuild, csc, ILLink, crossgen)", lambda c: "dotnet" in c or "crossgen" in c or "ILLink" in c),
    ("qemu (the arm64 agent)", lambda c: "qemu" in c),
    ("python (the SMTP receiver, and this sampler)", lambda c: "python" in c),
]


def busy_idle():
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = values[:7]
    return (user + nice + system + irq + softirq) / HZ, (idle + iowait) / HZ


def sample(seen):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline") as f:
                cmdline = f.read()
        except OSError:
            continue
        start = fields[19]
        cpu = (int(fields[11]) + int(fields[12])) / HZ
        key = (pid, start)
        if key not in seen or cpu > seen[key][0]:
            seen[key] = (cpu, cmdline or seen.get(key, (0, ""))[1])


def main():
    seen = {}
    sample(seen)
    before = {k: v[0] for k, v in seen.items()}
    busy0, idle0 = busy_idle()
    started = time.time()
    child = subprocess.Popen(sys.argv[1:])
    while child.poll() is None:
        sample(seen)
        time.sleep(0.2)
    wall = time.time() - started
    busy1, idle1 = busy_idle()
    totals, counts = {}, {}
    for key, (cpu, cmdline) in seen.items():
        spent = cpu - before.get(key, 0.0)
        if spent <= 0:
            continue
        kind = next((name for name, match in KINDS if match(cmdline)), "other")
        totals[kind] = totals.get(kind, 0.0) + spent
        counts[kind] = counts.get(kind, 0) + 1
    print(f"\nsuite-cpu: wall {wall:.0f} s; /proc/stat busy {busy1 - busy0:.0f} CPU-s, idle {idle1 - idle0:.0f} CPU-s; exit {child.returncode}")
    print("| what | processes | CPU-s |")
    print("| --- | ---: | ---: |")
    for kind, cpu in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {counts[kind]} | {cpu:.1f} |")
    print(f"| (sum of the rows) | | {sum(totals.values()):.1f} |")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
