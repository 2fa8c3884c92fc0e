"""`make run`, as a person runs it after `make`: the default image boots in
QEMU, its demonstration service answers through the forwarded port, and
Ctrl-A X ends it all, leaving the image as it was and no temporary file.

Boots: one (the default image, which has no console shell: everything is
seen from its console output and through the forwarded port)."""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from vm import BOOT_TIMEOUT, READY, Console, Report, Timeout  # noqa: E402

r = Report("run")
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = os.path.join(SRC, "out", "default", "disk.raw")
SERVICE = re.compile(r"berth run: hello: (http://127\.0\.0\.1:(\d+)/) \(port 8080 in the machine\)\n")


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def answer(url, deadline):
    """The service's answer to GET URL, asked until it comes or DEADLINE passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except OSError as e:  # not listening yet: the boot goes on
            if time.monotonic() > deadline:
                return None, str(e)
        time.sleep(1)


out = subprocess.run(["dump.erofs", "--path=/etc/berth/console-shell",
                      os.path.join(SRC, "out", "default", "work", "root.erofs")], capture_output=True, text=True)
r.check("File :" not in out.stdout, "the default root image has no console shell configured",
        out.stdout.strip())
before = digest(IMAGE)
tmp = tempfile.mkdtemp(prefix="berth-run-test-")
# berth run's temporary folder goes in TMPDIR: it must be empty again at the end.
scratch = os.path.join(tmp, "tmp")
os.mkdir(scratch)
run = Console(["make", "-s", "-C", SRC, "run"], "run", tmp, env=dict(os.environ, TMPDIR=scratch)).start()
try:
    m = run.expect(SERVICE, 120)
    url = m.group(1)
    r.check(True, "make run says where the demonstration service answers", m.group(0).strip())
    r.check(run.seen(r"berth run: .*disk\.raw \(raw\) through a throw-away overlay"),
            "make run boots out/default/disk.raw through an overlay")
    m = run.expect(READY, BOOT_TIMEOUT)
    r.check(m.group(2) == "a", "the default image is ready on slot a", m.group(0))
    r.check(int(m.group(3)) > 0, "the ready line carries boot_ms", m.group(0))
    run.expect(r"berth: hello is healthy", BOOT_TIMEOUT)
    st, body = answer(url, time.monotonic() + 60)
    r.check(st == 200 and body.startswith("hello from berth berth"),
            "the service answers through the forwarded port", f"{st} {body!r}")
    st, body = answer(url + "data", time.monotonic() + 60)
    r.check(st == 200 and body.strip() == "1", "its first hit is counted in /var", f"{st} {body!r}")
    r.check(not run.seen(r"(?m)^/ #|can't access tty"), "the default image runs no console shell")
    run.proc.stdin.write(b"\x01x")  # Ctrl-A X: QEMU's console quits
    run.proc.stdin.flush()
    code = run.wait_exit(60)
    r.check(code == 0, "Ctrl-A X ends make run with status 0", f"exit {code}")
    r.check(os.listdir(scratch) == [], "nothing is left in TMPDIR", str(os.listdir(scratch)))
    r.check(digest(IMAGE) == before, "out/default/disk.raw is unchanged")
except Timeout as e:
    r.check(False, "make run", str(e))
finally:
    run.close()
sys.exit(1 if r.failed else 0)
