"""Boots the containerd image, whose manifest declares an onboot container
(`hello hit`, run by crun) and a service (hello on port 8080, /var/lib/hello
as /data, an HTTP health probe, `runtime: runc`), and checks them from the
host through a QEMU port forward: the runtimes run them from the image's
tree in the verified root, with nothing imported into containerd; the page, the restart after the
service's process is killed, the data kept across a reboot, the logs and
/run/berth/boot.json."""
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout  # noqa: E402

r = Report("services")
TIMELINE = r"berth: boot timeline \(ms since kernel start\):(.*)\n"
RESTART_LIMIT = 10  # s, from the issue: the host can fetch the page again within this
ORDER = ["kernel", "pid1", "root", "onboot", "healthy:hello"]


def fetch(vm, path, timeout=5):
    """The body of GET PATH from the service through the port forward, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{vm.ports[8080]}{path}",
                                    timeout=timeout) as resp:
            return resp.read().decode()
    except OSError:
        return None


def check_timeline(vm, boot):
    m = vm.expect(TIMELINE)
    r.check(all(f" {n}=" in m.group(1) for n in ORDER),
            f"boot {boot}: one console line with the whole timeline", m.group(0).strip())
    doc = vm.json("cat /run/berth/boot.json")
    names = [x["name"] for x in doc["milestones"]] if doc else []
    times = [x["ms"] for x in doc["milestones"]] if doc else []
    r.check(doc is not None and doc["complete"] is True and doc["slot"] == "a"
            and doc["version"] == "0.1.0",
            f"boot {boot}: /run/berth/boot.json is complete JSON", str(doc))
    r.check(times == sorted(times) and "network" in names and "containerd" in names
            and [n for n in names if n in ORDER] == ORDER,
            f"boot {boot}: milestones in order, each after what it depends on",
            ", ".join(f"{n}={t}" for n, t in zip(names, times)))


def hits_after_boot(vm, boot, before):
    """GET /data counts the onboot container's hit and this one."""
    body = fetch(vm, "/data")
    r.check(body is not None and body.strip() == str(before + 2),
            f"boot {boot}: /data counts {before + 2} (earlier hits, the onboot hit, this GET)",
            repr(body))
    return int(body) if body and body.strip().isdigit() else before + 2


def from_root(vm):
    """The service runs under runc, its root the image's tree in the verified root; the onboot
    container ran under crun."""
    st, out = vm.sh("/usr/bin/runc list; echo --; /usr/bin/crun list")
    runc, crun = (out.split("--\n") + [""])[:2]
    rows = [ln.split() for ln in runc.splitlines()[1:]]
    r.check(st == 0 and any(f[0] == "hello" and f[2] == "running" for f in rows if len(f) > 2),
            "runc runs the service (runtime: runc)", out)
    r.check(not any(ln.split()[:1] == ["hello"] for ln in crun.splitlines()),
            "crun does not (it ran the onboot container, whose hit /data counts)", out)
    pid = "$(cat /run/berth/containers/hello.pid)"
    st, out = vm.sh(f"cat /proc/{pid}/mountinfo; echo --; cat /proc/1/mountinfo")
    ours, host = (out.split("--\n") + [""])[:2]

    def root_of(text):
        """The / line of a mountinfo: ID PARENT DEV ROOT MOUNTPOINT OPTIONS ... - TYPE SOURCE"""
        return next((ln.split() for ln in text.splitlines() if ln.split()[4:5] == ["/"]), [])
    f, h = root_of(ours), root_of(host)
    fs = f[f.index("-") + 1] if "-" in f else ""
    r.check(st == 0 and fs == "erofs" and h[2:3] == f[2:3] and "ro" in f[5].split(",")
            and f[3].startswith("/usr/lib/berth/images/"),
            "its root is the image's tree in the verified root (its device), read-only",
            " ".join(f) or out)
    st, out = vm.sh(f"grep -q ' /hello$' /proc/{pid}/maps && echo mapped; "
                    "/usr/bin/ctr -n berth images ls -q | wc -l")
    r.check(st == 0 and out.split() == ["mapped", "0"],
            "it runs the image's /hello; containerd has no image imported", out)


def restart(vm):
    st, pid = vm.sh("echo $(cat /run/berth/containers/hello.pid)")  # no newline in it
    pid = pid.strip()
    r.check(st == 0 and pid.isdigit(), "the service's PID is in /run/berth/containers/hello.pid",
            pid)
    st, _ = vm.sh(f"kill -9 {pid}")
    t0 = time.monotonic()
    body = None
    while time.monotonic() - t0 < 60 and body is None:
        body = fetch(vm, "/health", timeout=2)
        if body is None:
            time.sleep(0.2)
    took = time.monotonic() - t0
    r.check(st == 0 and body == "ok\n" and took <= RESTART_LIMIT,
            f"killed service restarted, page back within {RESTART_LIMIT} s",
            f"{took:.1f} s")
    r.check(vm.seen(r"berth: hello exited \(137\); restarting in \d+ s"),
            "berth-init reports the service's end and restart")
    _, new = vm.sh("echo $(cat /run/berth/containers/hello.pid)")
    r.check(new.strip().isdigit() and new.strip() != pid, "a new process serves",
            f"{pid} -> {new.strip()}")


def main():
    vm = VM("out/containerd/disk.raw", "services", forward=(8080,)).start()
    try:
        vm.expect(READY)
        check_timeline(vm, 1)
        vm.wait_shell()
        body = fetch(vm, "/")
        r.check(body is not None and body.startswith("hello from berth "),
                "the host fetches the page from the service in the VM", repr(body))
        hits = hits_after_boot(vm, 1, 0)
        # The root shell's prompt may come first on a line.
        r.check(vm.seen(r"(?m)(^|# )hello\| hello: listening on port 8080$")
                and vm.seen(r"(?m)(^|# )seed\| hello: hit 1$"),
                "container output is on the console with a name prefix")
        st, out = vm.sh("grep -c 'hello: GET /data 200' /var/log/hello.log; "
                        "cat /var/log/seed.log")
        r.check(st == 0 and out.startswith("1\n") and "hello: hit 1" in out,
                "container output is in /var/log/NAME.log", out)
        from_root(vm)
        restart(vm)  # /health, which it fetches, does not count hits

        vm.send("reboot")
        vm.expect(READY)
        check_timeline(vm, 2)
        vm.wait_shell()
        hits_after_boot(vm, 2, hits)
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "services image boot", str(e))
    finally:
        vm.close()


main()
