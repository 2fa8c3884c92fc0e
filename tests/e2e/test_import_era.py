"""An update from the last release whose berth-init imported the container images into
containerd at boot (out/import-era: 0.0.9, built by commit 313dba1's own berth,
tests/build/import-era.sh) to today's, which runs them with crun and runc from the verified
root (out/containerd, 0.1.0). One VM: 0.0.9 boots, imports the image and counts hits in the
service's /var/lib/hello; its own berth-update installs 0.1.0 (served by the host over HTTP)
and the machine reboots into it. There the service's data is kept (the count goes on), nothing
is imported, runc runs the service (its runtime there), and containerd's state from 0.0.9 is
left as it was."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, HttpServer, Report, Timeout, service_get  # noqa: E402

r = Report("import-era")
NEW = "out/containerd/berth-containerd_0.1.0.berth"
# containerd's state: the image it lists, and its blobs.
STATE = ("/usr/bin/ctr -n berth images ls -q; "
         "ls /var/lib/containerd/io.containerd.content.v1.content/blobs/sha256 | sort")


def main():
    srv = HttpServer()
    srv.add("new", (NEW, 0, os.path.getsize(NEW)))
    vm = VM("out/import-era/disk.raw", "import-era", forward=(8080,)).start()
    try:
        m = vm.expect(READY)
        r.check(m.group(1) == "0.0.9" and m.group(2) == "a", "0.0.9 boots on slot a", m.group(0))
        vm.wait_shell()
        st, body = service_get(vm, "/data")
        r.check(st == 200 and body == "2", "0.0.9: the service counts the onboot hit and this GET",
                f"{st} {body!r}")
        r.check(vm.seen(r"hello\| berth: importing"), "0.0.9 imports the image into containerd")
        st, before = vm.sh(STATE, timeout=60)
        r.check(st == 0 and "berth.local/hello" in before.split(),
                "0.0.9: containerd lists the imported image", before)

        st, out = vm.sh(f"berth-update install {srv.url('new')}", timeout=900)
        r.check(st == 0, "0.0.9's berth-update installs 0.1.0", f"{st}: {out[-400:]}")
        mark = vm.mark()
        vm.send("reboot")
        m = vm.expect(READY)
        r.check(m.group(1) == "0.1.0" and m.group(2) == "b", "0.1.0 boots on slot b", m.group(0))
        vm.wait_shell()
        st, body = service_get(vm, "/data")
        r.check(st == 200 and body == "4",
                "0.1.0: the count goes on from 0.0.9's (its onboot hit, this GET): /var kept",
                f"{st} {body!r}")
        log = vm.buf[mark:]
        r.check("berth: importing" not in log and "hello| hello: listening" in log,
                "0.1.0 imports nothing and starts the service")
        st, out = vm.sh("/usr/bin/runc list")
        r.check(st == 0 and any(ln.split()[:1] == ["hello"] for ln in out.splitlines()),
                "runc runs the service (runtime: runc)", out)
        st, after = vm.sh(STATE, timeout=60)
        r.check(st == 0 and after == before, "containerd's state from 0.0.9 is left as it was",
                after)
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "update from the import era", str(e))
    finally:
        vm.close()
        srv.close()


main()
