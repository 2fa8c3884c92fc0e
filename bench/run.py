#!/usr/bin/env python3
"""make bench: berth beside a Debian container host built in the same run (bench/baseline.sh),
booted with the same kernel, firmware and QEMU command line (tests/e2e/vm.py). Writes
bench/results.md and bench/results.json; docs/bench.md says what each figure means.

    bench/run.py [size] [boot] [update] [delta] [build] [fleet]   (default: all six)

Expects out/default, out/bench, out/bench-crun and out/baseline built (make bench does that);
delta builds the next release of out/bench three ways into out/bench-delta/.
BERTH_BENCH_BOOTS (default 5): boots of each image, and install/dd rounds of the update."""
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
# Every guest's console log outlives its VM, so a boot that fails can be read afterwards.
os.environ.setdefault("BERTH_TEST_LOGS", os.path.join(SRC, "out", "bench-logs"))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
from vm import READY, VM, HttpServer, Timeout, partition_number, verity_leaves  # noqa: E402

BOOTS = int(os.environ.get("BERTH_BENCH_BOOTS", "5"))
CACHE = os.environ.get("BERTH_CACHE", "/var/cache/berth")
# Other work shares the machine: everything heavy here only takes idle CPU.
NICE = ["nice", "-n", "19"]
OUT = os.path.join(SRC, "out")
BERTH = os.path.join(OUT, "bench")
CRUN = os.path.join(OUT, "bench-crun")
# berth's two container hosts: with containerd beside crun, and with crun alone; their manifests.
HOSTS = [("with containerd", BERTH, "bench.yaml"), ("crun only", CRUN, "bench-crun.yaml")]
DEFAULT = os.path.join(OUT, "default")
BASELINE = os.path.join(OUT, "baseline")
DELTA = os.path.join(OUT, "bench-delta")
LIMIT = 900  # seconds; a limit for one boot under TCG on a busy machine, not a wait
MILESTONES = [
    ("pid1", "kernel start to PID 1"),
    ("root", "kernel start to the real root's init"),
    ("network", "kernel start to network up"),
    ("containerd", "kernel start to containerd answering"),
    ("healthy:hello", "kernel start to the first service healthy"),
]


def log(msg):
    print(f"bench: {msg}", flush=True)


def allocated(path):
    """Bytes a file takes on disk (sparse files count only their written blocks)."""
    return os.stat(path).st_blocks * 512


def figure(name, unit, berth, baseline, method, **details):
    """A row: BERTH and BASELINE are lists of samples (or None), reported by their median;
    DETAILS go to results.json only."""
    def side(samples):
        return None if samples is None else {"value": statistics.median(samples), "samples": samples}
    row = {"figure": name, "unit": unit, "berth": side(berth), "baseline": side(baseline),
           "method": method, **details}
    if berth is not None and baseline is not None and row["baseline"]["value"]:
        row["ratio"] = row["berth"]["value"] / row["baseline"]["value"]
    return row


def sizes():
    base = os.path.join(BASELINE, "work")
    rows = []
    for what, img in [("default image", DEFAULT), ("container host with containerd (out/bench)",
                                                   BERTH),
                      ("container host, crun only (out/bench-crun)", CRUN)]:
        w = os.path.join(img, "work")
        rows += [
            figure(f"root image, {what}", "bytes", [allocated(os.path.join(w, "root.erofs"))],
                   [allocated(os.path.join(base, "root.ext4"))],
                   "allocated bytes of the root file system image: berth's erofs (lz4hc), "
                   "the baseline's ext4 as mkfs.ext4 -d made it"),
            figure(f"UKI, {what}", "bytes", [os.path.getsize(os.path.join(w, "uki-a.efi"))],
                   [os.path.getsize(os.path.join(base, "uki-a.efi"))],
                   "size of the UKI on the ESP (same kernel; berth's initramfs vs the "
                   "baseline's dracut systemd initramfs)"),
            figure(f"whole disk, {what}", "bytes", [allocated(os.path.join(img, "disk.raw"))],
                   [allocated(os.path.join(BASELINE, "disk.raw"))],
                   "allocated bytes of disk.raw (st_blocks): what was written, free space "
                   "and empty slots not counted"),
        ]
    return rows


def boot_vm(disk, name):
    vm = VM(disk, name)
    vm.cmd[:0] = NICE
    return vm.start()


def poll(vm, command, done):
    """Runs COMMAND every 5 s until DONE(output) is true; returns that output."""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        try:
            st, out = vm.sh(command, timeout=60)
            if st == 0 and done(out):
                return out
        except Timeout:
            if vm.eof:
                raise
        time.sleep(5)
    raise Timeout(f"{command!r} did not finish (see {vm.log_path})")


def timeline(text):
    """{milestone: ms} from a boot.json-like document (the JSON object in TEXT)."""
    m = re.search(r"(?s)\{.*\}", text)
    try:
        doc = json.loads(m.group(0)) if m else {}
    except json.JSONDecodeError:
        return None
    return {x["name"]: x["ms"] for x in doc.get("milestones", [])}, doc


def pid1(vm):
    """PID 1's VmRSS and the bytes of the files it maps executable (program and libraries)."""
    _, out = vm.sh("grep VmRSS /proc/1/status")
    rss = int(re.search(r"VmRSS:\s*(\d+) kB", out).group(1)) * 1024
    _, out = vm.sh("awk '$2 ~ /x/ && $6 ~ /^\\// { print $6 }' /proc/1/maps | sort -u | "
                   "xargs stat -L -c 'size %s %n'")
    files = re.findall(r"^size (\d+) (\S+)$", out, re.M)
    return rss, sum(int(s) for s, _ in files), [f for _, f in files]


def berth_shell(vm):
    """The console shell of a berth guest, typed at only once berth-init is ready: keys typed
    while systemd-boot starts would open its menu, and the installer's entry is in it."""
    vm.expect(READY, timeout=LIMIT)
    vm.wait_shell(timeout=LIMIT)


def boot_berth(host, i):
    vm = boot_vm(os.path.join(host, "disk.raw"), f"{os.path.basename(host)}-{i}")
    try:
        berth_shell(vm)

        def complete(out):
            t = timeline(out)
            return t is not None and t[1].get("complete") is True
        ms = timeline(poll(vm, "cat /run/berth/boot.json", complete))[0]
        return ms, pid1(vm)
    finally:
        vm.close()


def boot_baseline(_, i):
    vm = boot_vm(os.path.join(BASELINE, "disk.raw"), f"bench-baseline-{i}")
    try:
        vm.wait_shell(timeout=LIMIT)
        poll(vm, "test -e /run/bench/healthy:hello", lambda out: True)
        _, out = vm.sh("bench-timeline")
        return timeline(out)[0], pid1(vm)
    finally:
        vm.close()


def boots():
    runs = {host: [] for _, host, _ in HOSTS}
    runs[BASELINE] = []
    kinds = [(host, boot_berth) for _, host, _ in HOSTS] + [(BASELINE, boot_baseline)]
    # Alternating, so that a busy spell on the machine hits all alike.
    for i in range(BOOTS):
        for host, boot in kinds:
            log(f"boot {i + 1}/{BOOTS}: {os.path.basename(host)}")
            runs[host].append(boot(host, i))
            log(f"  {runs[host][-1][0]}")
    base = runs[BASELINE]
    rows = []
    for what, host, _ in HOSTS:
        berth = runs[host]
        for key, name in MILESTONES:
            if key not in berth[0][0]:
                continue  # containerd, in the host without it
            rows.append(figure(f"{name}, {what}", "ms", [ms[key] for ms, _ in berth],
                               [ms[key] for ms, _ in base],
                               f"milestone {key!r}, CLOCK_BOOTTIME ms in the guest, median of "
                               f"{BOOTS} first boots of a fresh copy; berth: /run/berth/boot.json; "
                               "baseline: " + BASELINE_METHOD[key]))
        rows.append(figure(f"PID 1 to the first service healthy, {what}", "ms",
                           [ms["healthy:hello"] - ms["pid1"] for ms, _ in berth],
                           [ms["healthy:hello"] - ms["pid1"] for ms, _ in base],
                           "milestone 'healthy:hello' less milestone 'pid1' of each boot above: "
                           "the part of the boot that PID 1 and what it starts take"))
        berth_files = berth[0][1][2]
        base_files = base[0][1][2]
        rows += [
            figure(f"PID 1 program, {what}", "bytes", [p[1] for _, p in berth],
                   [p[1] for _, p in base],
                   "sum of the sizes of the files PID 1 maps executable (/proc/1/maps): "
                   f"berth-init, static ({len(berth_files)} file); systemd and its shared "
                   f"libraries ({len(base_files)} files)",
                   files={"berth": berth_files, "baseline": base_files}),
            figure(f"PID 1 resident memory, {what}", "bytes", [p[0] for _, p in berth],
                   [p[0] for _, p in base],
                   "VmRSS of /proc/1/status once the service is healthy, median of "
                   f"{BOOTS} boots: berth-init vs systemd"),
        ]
    return rows


BASELINE_METHOD = {
    "pid1": "systemd's InitRDTimestampMonotonic (systemd as the initramfs's /init)",
    "root": "systemd's UserspaceTimestampMonotonic (systemd started on the real root)",
    "network": "ActiveEnterTimestampMonotonic of network-online.target "
               "(systemd-networkd-wait-online: DHCP lease configured)",
    "containerd": "ActiveEnterTimestampMonotonic of containerd.service (Type=notify: "
                  "containerd says it serves)",
    "healthy:hello": "/proc/uptime at the first passing HTTP probe, every 2 s from the "
                     "service's start as berth-init probes (bench/baseline/usr/local/sbin/bench-probe)",
}


def timed(vm, command):
    """Seconds COMMAND took in the guest (/proc/uptime), starting from a cold page cache."""
    st, out = vm.sh(f"sync; echo 3 >/proc/sys/vm/drop_caches; read a _ </proc/uptime; "
                    f"{command} >/tmp/bench.out 2>&1; s=$?; read b _ </proc/uptime; "
                    "echo T $s $a $b", timeout=LIMIT)
    m = re.search(r"^T (\d+) ([\d.]+) ([\d.]+)$", out, re.M)
    if not m or m.group(1) != "0":
        _, why = vm.sh("cat /tmp/bench.out")
        raise RuntimeError(f"{command} failed: {why}")
    return float(m.group(3)) - float(m.group(2))


def latest_bundle(folder):
    return max((os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".berth")),
               key=os.path.getmtime)


def update():
    return [row for what, host, manifest in HOSTS for row in update_host(what, host, manifest)]


def update_host(what, host, manifest):
    """The host's next release (its manifest as 0.2.0) installed on its 0.1.0, against dd."""
    bundle = build_release(manifest, f"next-{os.path.basename(host)}")
    size = os.path.getsize(bundle)
    disk = os.path.join(host, "disk.raw")
    srv = HttpServer()
    srv.add("bundle", (bundle, 0, size))
    vm = boot_vm(disk, f"{os.path.basename(host)}-update")
    install, dd = [], []
    try:
        berth_shell(vm)
        if not vm.wait_network(timeout=LIMIT):
            raise Timeout("no DHCP lease")
        st, out = vm.sh(f"wget -q -O /var/bench.berth {srv.url('bundle')}", timeout=LIMIT)
        if st != 0:
            raise RuntimeError(f"download of the bundle failed: {out}")
        part = partition_number(disk, "root-b")
        for i in range(BOOTS):
            log(f"update round {i + 1}/{BOOTS}: {os.path.basename(host)}")
            dd.append(size / 1e6 / timed(vm, f"dd if=/var/bench.berth of=/dev/vda{part} bs=1M "
                                              "conv=fsync"))
            install.append(size / 1e6 / timed(vm, "berth-update install /var/bench.berth"))
    finally:
        vm.close()
        srv.close()
    return [
        figure(f"update bundle, {what}", "bytes", [size], None,
               f"{os.path.basename(bundle)} (tests/manifests/{manifest} as 0.2.0): root image, "
               "verity tree and both slots' UKIs, uncompressed; the baseline has no image update"),
        figure(f"update throughput, {what}", "MB/s", install, dd,
               f"bundle bytes / seconds in the guest (/proc/uptime), page cache dropped first, "
               f"median of {BOOTS} rounds in one VM: `berth-update install` of the bundle from "
               "/var onto 0.1.0 (verify, write slot b, read back, UKI to the ESP) vs `dd bs=1M "
               "conv=fsync` of the same file to slot b's root partition"),
    ]


# The next release of out/bench (0.2.0), three ways (issue 16's cases).
VARIANTS = [
    ("a", "file", "/etc/motd changed (tests/manifests/files/motd: a file of the manifest's own)"),
    ("b", "package", "one Debian package more (pv, whose one dependency, libc6, is there already)"),
    ("c", "kernel", "the kernel built from kernel-config/ (linux-source-6.1, with "
                    "tests/manifests/small-kernel.yaml's verity key, so that make test's build "
                    "of it is in the cache) instead of Debian's linux-image-amd64"),
]


def replaced(text, old, new):
    """TEXT with OLD replaced by NEW, which must be there: a manifest that changed fails the
    bench instead of building a variant that differs in nothing."""
    if old not in text:
        raise RuntimeError(f"the bench's manifest no longer has {old!r}")
    return text.replace(old, new)


def build_release(manifest, name, edit=lambda text: text, motd=False):
    """tests/manifests/MANIFEST as its next release (0.2.0), EDIT applied and, with MOTD, its
    /etc/motd changed, built into out/bench-delta/NAME, its manifest beside copies of the keys,
    images and files it names (a build takes nothing from outside its manifest's folder); its
    bundle."""
    here = os.path.join(SRC, "tests", "manifests")
    with open(os.path.join(here, manifest)) as f:
        text = edit(replaced(f.read(), "version: 0.1.0", "version: 0.2.0"))
    src = os.path.join(DELTA, "manifests", name)
    shutil.rmtree(src, ignore_errors=True)
    os.makedirs(src)
    for d in ("keys", "images", "files"):
        shutil.copytree(os.path.join(here, d), os.path.join(src, d))
    if motd:
        with open(os.path.join(src, "files", "motd"), "a") as f:
            f.write("changed by make bench\n")
    with open(os.path.join(src, manifest), "w") as f:
        f.write(text)
    log(f"building {manifest} as 0.2.0 into {name}")
    out = os.path.join(DELTA, name)
    run_timed([os.path.join(SRC, "build", "berth"), "build", os.path.join(src, manifest),
               "--out", out], os.environ, SRC)
    return latest_bundle(out)


def build_variants():
    """Each variant of tests/manifests/bench.yaml (VARIANTS) built; the bundle of each."""
    edits = {
        "file": lambda t: t,
        "package": lambda t: replaced(t, "packages: [containerd, runc, crun]",
                                      "packages: [containerd, runc, crun, pv]"),
        "kernel": lambda t: replaced(replaced(
            t, "  package: linux-image-amd64\n", "  source: config\n  package: linux-source-6.1\n"),
            "\nrootfs:\n", "\nsigning:\n  verity_key: keys/verity-test\n\nrootfs:\n"),
    }
    return {name: build_release("bench.yaml", name, edits[name], motd=name == "file")
            for _, name, _ in VARIANTS}


def leaves(bundle):
    """The root's blocks' digests: the verity tree's leaf level of a format 3 bundle."""
    with open(bundle, "rb") as f:
        _, mlen, nsig = struct.unpack("<III", f.read(24)[8:20])
        at, parts = 24 + mlen + 96 * nsig, {}
        for line in f.read(mlen).decode().splitlines():
            if line.startswith("payload "):
                _, name, size, _ = line.split()
                parts[name] = (at, int(size))
                at += int(size)
        f.seek(parts["verity"][0])
        return verity_leaves(f.read(parts["verity"][1]))


def delta():
    """Each variant installed on out/bench's 0.1.0 (in one VM) in full, from a server that
    ignores Range, and as a delta, from one that honours it, slot b emptied before each."""
    bundles = build_variants()
    old = set(leaves(latest_bundle(BERTH)))
    disk = os.path.join(BERTH, "disk.raw")
    ranged, whole = HttpServer(), HttpServer(ranges=False)
    vm = boot_vm(disk, "bench-delta")
    rows = []
    try:
        berth_shell(vm)
        if not vm.wait_network(timeout=LIMIT):
            raise Timeout("no DHCP lease")
        part = partition_number(disk, "root-b")
        for key, name, what in VARIANTS:
            path, new = bundles[name], leaves(bundles[name])
            size = os.path.getsize(path)
            changed = sum(1 for leaf in new if leaf not in old)
            rows.append(figure(f"update ({key}): root blocks not in 0.1.0's root", "blocks",
                               [changed], None, f"{what}: of the new root's {len(new)} 4 KiB "
                               "blocks, those whose verity digest (the image's salt) no block of "
                               "0.1.0's root has", share=changed / len(new)))
            got = {}
            for how, srv in (("full", whole), ("delta", ranged)):
                log(f"update ({key}) {name}: {how} install")
                srv.add(name, (path, 0, size))
                timed(vm, f"dd if=/dev/zero of=/dev/vda{part} bs=1M conv=fsync "
                          f"count=$(($(cat /sys/class/block/vda{part}/size) / 2048))")
                before = srv.sent.get(name, 0)
                secs = timed(vm, f"berth-update install {srv.url(name)}")
                got[how] = (srv.sent[name] - before, secs)
            for how in ("full", "delta"):
                fetched, secs = got[how]
                share = f"{100 * fetched / size:.2f}% of the {size}-byte bundle"
                rows.append(figure(f"update ({key}): bytes fetched, {how} install", "bytes",
                                   [fetched], None, f"{what}: body bytes the host's server sent "
                                   f"for `berth-update install URL` ({share})",
                                   share=fetched / size))
                rows.append(figure(f"update ({key}): {how} install", "s", [secs], None,
                                   "guest seconds (/proc/uptime) of that install, page cache "
                                   "dropped first, slot b zeroed before it"))
    finally:
        vm.close()
        ranged.close()
        whole.close()
    return rows


def fleet():
    """The update channel's figures from the code machines run (bench/fleet.c): a simulated
    fleet of 1,000 following the default schedule, and one unchanged index from a static
    web server (Python's, which answers If-Modified-Since with 304)."""
    prog = os.path.join(SRC, "build", "bench-fleet")
    sim = json.loads(subprocess.run([prog, "simulate"], check=True, capture_output=True,
                                    text=True).stdout)
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "index"), "w") as f:
            f.write("berth-channel 2\n")  # its bytes do not travel in a 304
        srv = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                                "--directory", folder, "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
        try:
            port = re.search(r"port (\d+)", srv.stdout.readline()).group(1)
            got = json.loads(subprocess.run([prog, "unchanged", f"http://127.0.0.1:{port}/"],
                                            check=True, capture_output=True,
                                            text=True).stdout)
        finally:
            srv.terminate()
            srv.wait()
    points = {hour: (share, done) for hour, share, done in sim["points"]}
    rows = [figure(f"fleet: updated {hour} h after release", "%", [points[hour][1]],
                   None, f"of {sim['machines']} simulated machines (bench/fleet.c: "
                   "lib/rollout.c's decision, checks every 30-60 min as berth-init schedules "
                   f"them); the schedule allows {points[hour][0]:g}% by then",
                   schedule=points[hour][0], points=sim["points"])
            for hour in (1, 4, 5, 24, 25, 72, 73)]
    rows.append(figure("fleet: index requests per machine per day", "requests",
                       [sim["checks_per_machine_per_day"]], None,
                       f"check_interval {sim['check_interval']} s, each delay random in "
                       "[interval/2, interval], over the simulated 4 days"))
    rows.append(figure("fleet: an unchanged index", "B", [got["unchanged_index_bytes"]], None,
                       "bytes both ways of berth-update check's conditional GET answered "
                       "304 Not Modified (updater/fetch.c against python3 -m http.server)"))
    return rows


def run_timed(cmd, env, cwd):
    """Seconds CMD took; its output is shown only when it fails."""
    t = time.monotonic()
    p = subprocess.run(NICE + cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    if p.returncode != 0:
        sys.stdout.write(p.stdout[-20000:])
        raise RuntimeError(f"{' '.join(cmd)} failed (status {p.returncode})")
    return time.monotonic() - t, re.findall(r"^berth: \[\d/\d\] .*$", p.stdout, re.M)


def builds():
    """Cold, warm and no-op builds of berth's out/bench and of the baseline, in a copy of the
    source tree with a fresh BERTH_CACHE that keeps only what was downloaded."""
    tmp = tempfile.mkdtemp(prefix="berth-bench-build-")
    try:
        src = os.path.join(tmp, "src")
        cache = os.path.join(tmp, "cache")
        os.makedirs(src)
        os.makedirs(cache)
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               cwd=SRC, check=True, capture_output=True).stdout
        subprocess.run(f"tar --null -T - -c | tar -x -C {src}", shell=True, input=files, cwd=SRC,
                       check=True)
        # Downloads: .debs, Debian source packages, package lists.
        for d in ["debs", "src", "baseline-debs"]:
            os.makedirs(os.path.join(CACHE, d), exist_ok=True)
            os.symlink(os.path.join(CACHE, d), os.path.join(cache, d))
        shutil.copytree(os.path.join(CACHE, "apt"), os.path.join(cache, "apt"), symlinks=True)
        env = dict(os.environ, BERTH_CACHE=cache)
        berth = ["make", "--no-print-directory", "programs", "out/bench/disk.raw"]
        baseline = ["bench/baseline.sh", "out/bench/work/kernel", "out/baseline"]
        times, stages = {}, {}
        for step in ["cold", "warm", "no-op"]:
            if step == "warm":
                with open(os.path.join(src, "tests/manifests/files/motd"), "a") as f:
                    f.write("changed by make bench\n")
            for kind, cmd in [("berth", berth), ("baseline", baseline)]:
                log(f"{step} build: {kind}")
                times[step, kind], stages[step, kind] = run_timed(cmd, env, src)
                log(f"  {times[step, kind]:.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    what = {
        "cold": "empty BERTH_CACHE but for the downloads (.debs, Debian source packages, "
                "package lists), no build/ or out/: berth compiles its programs, BusyBox, "
                "libsodium, dosfstools and runs every stage; the baseline runs mmdebstrap "
                "(from cached .debs), dracut, mkfs, the UKI and the ESP",
        "warm": "then tests/manifests/files/motd changed (one file both images copy in): berth "
                "re-runs the stages it reaches; mmdebstrap has no incremental build, so the "
                "baseline is built again",
        "no-op": "then the same build once more",
    }
    return [figure(f"build, {step}", "s", [times[step, "berth"]], [times[step, "baseline"]],
                   f"wall time under nice -n 19 of `make programs out/bench/disk.raw` vs "
                   f"bench/baseline.sh, one run each, in a copy of the tree: {what[step]}",
                   stages=stages[step, "berth"])
            for step in ["cold", "warm", "no-op"]]


def machine():
    cpu = re.search(r"^model name\s*:\s*(.*)$", open("/proc/cpuinfo").read(), re.M)
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu.group(1) if cpu else platform.processor(),
        "kernel": platform.release(),
        "qemu": qemu.stdout.splitlines()[0],
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }


def human(value, unit):
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / 2**20:.1f} MiB" if value >= 2**20 else f"{value / 1024:.0f} KiB"
    if unit == "ms":
        return f"{value / 1000:.2f} s"
    if unit == "s":
        return f"{value:.1f} s"
    return f"{value:.1f} {unit}"


def write(rows, info):
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"machine": info, "boots": BOOTS, "figures": rows}, f, indent=2)
        f.write("\n")
    lines = [
        "# berth beside a Debian baseline",
        "",
        f"{info['date']}, {info['nproc']} CPUs ({info['cpu']}), host kernel {info['kernel']}, "
        f"{info['qemu']}, load average {' '.join(info['loadavg'])} at the start. "
        "ratio = berth ÷ baseline (below 1: berth is smaller or faster, except for "
        "throughput, where above 1 is faster). Method and samples: results.json, docs/bench.md.",
        "",
        "| figure | berth | baseline | ratio | method |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.3g}" if "ratio" in r else "—"
        lines.append(f"| {r['figure']} | {human(r['berth'] and r['berth']['value'], r['unit'])} | "
                     f"{human(r['baseline'] and r['baseline']['value'], r['unit'])} | {ratio} | "
                     f"{r['method']} |")
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parts = sys.argv[1:] or ["size", "boot", "update", "delta", "build", "fleet"]
    known = {"size": sizes, "boot": boots, "update": update, "delta": delta, "build": builds,
             "fleet": fleet}
    if any(p not in known for p in parts) or BOOTS < 1:
        sys.exit(__doc__)
    info = machine()
    rows = []
    for p in parts:
        log(f"== {p}")
        rows += known[p]()
    write(rows, info)
    log(f"wrote {os.path.join(HERE, 'results.md')} and results.json")


if __name__ == "__main__":
    main()
