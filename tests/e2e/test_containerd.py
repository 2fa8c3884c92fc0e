"""Boots the containerd image and checks that berth-init starts containerd,
keeps its state on /var and restarts it when it dies."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout  # noqa: E402

r = Report("containerd")
CTR = "/usr/bin/ctr --connect-timeout 3s"  # ctr ships in Debian's containerd package
# BusyBox here has no pidof: the PIDs whose comm is exactly "containerd" (not its shims).
PIDOF = ("for d in /proc/[0-9]*; do [ \"$(cat $d/comm 2>/dev/null)\" = containerd ] "
         "&& echo ${d#/proc/}; done; true")
SERVER = re.compile(r"Server:\s*\n\s*Version:\s*(\S+)")


def server_version(vm, timeout):
    """Polls `ctr version` until the daemon answers; returns its version or None."""
    deadline, out = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:  # containerd's own console lines may garble one answer: ask again
            st, out = vm.sh(f"{CTR} version", timeout=20)
        except Timeout:
            continue
        m = SERVER.search(out)
        if st == 0 and m:
            return m.group(1)
    return None


def pid_of_containerd(vm):
    """containerd's PID, or "" (none, several, or no answer)."""
    try:
        _, out = vm.sh(PIDOF, timeout=20)
    except Timeout:
        return ""
    pids = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
    return pids[0] if len(pids) == 1 else ""


def main():
    vm = VM("out/containerd/disk.raw", "containerd").start()
    try:
        m = vm.expect(READY)
        r.check(m.group(2) == "a", "containerd image ready", m.group(0))
        vm.wait_shell()
        version = server_version(vm, 120)
        r.check(version is not None and version.startswith("1.6."),
                "ctr version answers with the server's version", str(version))
        st, _ = vm.sh("test -S /run/containerd/containerd.sock")
        r.check(st == 0, "containerd listens on /run/containerd/containerd.sock")
        _, out = vm.sh("ls /var/lib/containerd")
        dirs = out.split()
        r.check(any(d.startswith("io.containerd.") for d in dirs)
                and "io.containerd.snapshotter.v1.overlayfs" in dirs,
                "containerd's state is on /var (/var/lib/containerd)", out)
        _, out = vm.sh(f"{CTR} plugins ls | grep -w overlayfs")
        r.check(re.search(r"overlayfs\s+\S+\s+ok", out) is not None,
                "the overlayfs snapshotter loads (overlay module from stage 1)", out)

        old = pid_of_containerd(vm)
        st = 1
        if old:
            st, _ = vm.sh(f"kill -9 {old}")
        r.check(st == 0, "containerd killed (SIGKILL)", f"pid {old!r}, status {st}")
        version = server_version(vm, 60)
        new = pid_of_containerd(vm)
        r.check(vm.seen(r"berth: containerd killed by signal 9; restarting"),
                "berth-init reports containerd's death on the console")
        r.check(version is not None and new not in ("", old),
                "berth-init restarts containerd; ctr version answers again within 60 s",
                f"version {version}, pid {old!r} -> {new!r}")

        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "containerd image boot", str(e))
    finally:
        vm.close()


main()
