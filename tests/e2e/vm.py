"""Boots a berth disk image in QEMU (TCG, OVMF) and drives it over the serial console.

Every test boots a copy-on-write overlay of a shared image, so the image
itself is built once and never changed by a test.
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
# Enforces Secure Boot once keys are enrolled; OVMF_VARS holds none (setup mode).
OVMF_CODE_SECBOOT = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
READY = re.compile(r"berth: ready version=(\S+) slot=([ab]) boot_ms=(\d+)")
# Lines other writers put on the console (see VM.sh).
CONSOLE_NOISE = re.compile(r"\[\s*\d+\.\d+\] |berth: |[a-z0-9][a-z0-9-]*\| |udhcpc: |time=\"|\x1b\[")
BOOT_TIMEOUT = 300  # TCG on a busy 2-core machine; a limit, not a wait


# How much of the console a timeout shows.
TAIL_LINES, TAIL_CHARS = 25, 4000


class Timeout(Exception):
    pass


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Console:
    """A program whose output is a machine's serial console (QEMU, or `make run`
    around it), read as it comes and kept in self.buf; its stdin is the
    console's input. It runs in a session of its own, so close() stops the
    program and whatever it started. Output goes to DIR/NAME.console.log
    (in $BERTH_TEST_LOGS when set); close() removes DIR."""

    def __init__(self, cmd, name, dir, env=None):
        self.cmd, self.dir, self.env = cmd, dir, env
        self.log_path = os.path.join(os.environ.get("BERTH_TEST_LOGS", self.dir), f"{name}.console.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.buf = ""
        self.pos = 0  # how much of buf the expectations have consumed
        self.lock = threading.Condition()
        self.eof = False
        self.proc = None

    def start(self, log_mode="w"):
        self.log = open(self.log_path, log_mode, errors="replace")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        threading.Thread(target=self._reader, daemon=True).start()
        return self

    def _reader(self):
        while True:
            data = self.proc.stdout.read1(4096)
            if not data:
                break
            text = data.decode("utf-8", "replace").replace("\r", "")
            self.log.write(text)
            self.log.flush()
            with self.lock:
                self.buf += text
                self.lock.notify_all()
        with self.lock:
            self.eof = True
            self.lock.notify_all()

    def expect(self, pattern, timeout=BOOT_TIMEOUT):
        """Wait for PATTERN in console output not yet consumed; returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise Timeout(self._not_seen(pattern))
                self.lock.wait(min(left, 1.0))

    def _not_seen(self, pattern):
        """A timeout's message, with the console's last lines: CI keeps only what a
        test prints, not the console log."""
        tail = self.buf[-TAIL_CHARS:].splitlines()[-TAIL_LINES:]
        return (f"{pattern!r} not seen (see {self.log_path}); the console's last lines:\n"
                + "\n".join("#   " + line for line in tail))

    def mark(self):
        """A position in the console output, for wait_for."""
        with self.lock:
            return len(self.buf)

    def wait_for(self, pattern, since=0, timeout=BOOT_TIMEOUT):
        """Wait for PATTERN in the console output after position SINCE (from mark),
        whether or not expect has consumed it; consumes nothing. Returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, since)
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise Timeout(self._not_seen(pattern))
                self.lock.wait(min(left, 1.0))

    def seen(self, pattern):
        with self.lock:
            return re.search(pattern, self.buf) is not None

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_exit(self, timeout=BOOT_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise Timeout(f"{self.cmd[0]} did not exit (see {self.log_path})")

    def close(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.proc:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class VM(Console):
    def __init__(self, disk, name, reboot=True, backing=True, forward=(), secure_boot=False,
                 vars=None, more_disks=(), server=None, disk_format="raw"):
        """DISK is a disk image of DISK_FORMAT, as QEMU names it (raw, qcow2, vpc...);
        with BACKING it is used through a fresh qcow2 overlay.
        FORWARD: guest TCP ports reachable from the host; self.ports maps each
        to a free port on 127.0.0.1. SECURE_BOOT: OVMF's Secure Boot firmware
        (which needs SMM and a flash only SMM may write). VARS: a copy of this
        firmware variables file (self.vars) instead of fresh, empty ones.
        MORE_DISKS: qcow2 files, used as they are, attached as further virtio
        disks with the serial numbers disk1, disk2, ... (the guest's
        /sys/block/NAME/serial) at PCI slots 0x11, 0x12, ...: after DISK and
        every other device, so the firmware boots DISK (it tries disks in PCI
        order) and the kernel names DISK vda.
        SERVER: "nvme" or "ahci", a machine with no virtio device at all, as a
        server's: DISK on that controller, an e1000e NIC, and an empty PCIe
        root port ("hotport") for a device added later through QMP (self.qmp)."""
        self.dir = tempfile.mkdtemp(prefix=f"berth-{name}-")
        if backing:
            self.disk = os.path.join(self.dir, "disk.qcow2")
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", disk_format, "-b",
                            os.path.abspath(disk), self.disk], check=True)
            fmt = "qcow2"
        else:
            self.disk, fmt = disk, disk_format
        self.ports = {p: free_port() for p in forward}
        self.vars = os.path.join(self.dir, "vars.fd")
        shutil.copyfile(vars or OVMF_VARS, self.vars)
        cmd = [
            "qemu-system-x86_64", "-machine", "q35,smm=on" if secure_boot else "q35",
            "-cpu", "max", "-m", "1024", "-smp", "2",
            "-nodefaults", "-no-user-config", "-display", "none",
            "-drive", "if=pflash,format=raw,unit=0,readonly=on,file="
            + (OVMF_CODE_SECBOOT if secure_boot else OVMF_CODE),
            "-drive", f"if=pflash,format=raw,unit=1,file={self.vars}",
        ]
        if server == "nvme":
            cmd += ["-drive", f"file={self.disk},format={fmt},if=none,id=boot",
                    "-device", "nvme,drive=boot,serial=boot"]
        elif server == "ahci":  # q35's own AHCI controller
            cmd += ["-drive", f"file={self.disk},format={fmt},if=none,id=boot",
                    "-device", "ide-hd,drive=boot,bus=ide.0"]
        else:
            cmd += ["-drive", f"file={self.disk},format={fmt},if=virtio"]
        for i, extra in enumerate(more_disks, 1):
            cmd += ["-drive", f"file={extra},format=qcow2,if=none,id=disk{i}",
                    "-device", f"virtio-blk-pci,drive=disk{i},serial=disk{i},addr={0x10 + i:#x}"]
        cmd += [
            "-serial", "stdio",
            # User networking: the guest's DHCP gets 10.0.2.15, the host is 10.0.2.2.
            "-netdev", "user,id=n0" + "".join(
                f",hostfwd=tcp:127.0.0.1:{self.ports[p]}-:{p}" for p in forward),
            "-device", "e1000e,netdev=n0" if server else "virtio-net-pci,netdev=n0",
            # The watchdog berth-init arms; when it fires, QEMU resets the machine.
            "-device", "i6300esb", "-action", "watchdog=reset",
        ]
        self.qmp_path = None
        if server:
            self.qmp_path = os.path.join(self.dir, "qmp.sock")
            cmd += ["-device", "pcie-root-port,id=hotport,chassis=1",
                    "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        if secure_boot:
            cmd += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
        if not reboot:
            cmd.append("-no-reboot")
        super().__init__(cmd, name, self.dir)

    def power_cut(self):
        """Kills QEMU at once, as a power cut would stop the machine, and starts it
        again on the same disk and firmware variables. Console output starts afresh."""
        self.proc.kill()
        self.proc.wait()
        with self.lock:
            while not self.eof:
                self.lock.wait(1)
            self.buf, self.pos, self.eof = "", 0, False
        self.log.write("\n=== power cut ===\n")
        self.log.close()
        return self.start("a")

    def qmp(self, command, **arguments):
        """One QMP command; returns its "return" value, raises on its "error"."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(self.qmp_path)
            f = sock.makefile("rw")

            def call(execute, args):
                f.write(json.dumps({"execute": execute, "arguments": args}) + "\n")
                f.flush()
                while True:
                    reply = json.loads(f.readline())
                    if "error" in reply:
                        raise RuntimeError(f"QMP {execute}: {reply['error']}")
                    if "return" in reply:  # not an asynchronous event
                        return reply["return"]

            json.loads(f.readline())  # the greeting
            call("qmp_capabilities", {})
            return call(command, arguments)

    def wait_network(self, timeout=120):
        """Poll until berth-init reports the network milestone (the DHCP lease); True when it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # udhcpc's console lines may garble one answer: ask again
                if self.sh("test -e /run/berth/milestones/network", timeout=10)[0] == 0:
                    return True
            except Timeout:
                if self.eof:
                    raise
        return False

    def sh(self, command, timeout=120, raw=False):
        """Run COMMAND in the console shell; returns (exit status, output).
        The console is shared: unless RAW, lines that other writers put there
        meanwhile (kernel, berth-init, container loggers, udhcpc, containerd)
        are dropped from the output."""
        tag = f"{time.monotonic_ns():x}"
        self.send(f"echo B{tag}B; {command}; echo E{tag}E$?")
        self.expect(rf"(?m)^B{tag}B\n", timeout)
        m = self.expect(rf"(?ms)(.*?)^E{tag}E(\d+)\n", timeout)
        out = m.group(1)
        if not raw:
            out = "".join(line for line in out.splitlines(keepends=True)
                          if not CONSOLE_NOISE.match(line))
        return int(m.group(2)), out

    def json(self, command):
        """COMMAND's JSON output, parsed, or None when COMMAND failed or printed
        none. Console messages may share the output: the document is the last
        one that starts at the beginning of a line with "{" (and may span lines)."""
        st, out = self.sh(command)
        lines = out.splitlines()
        for i in reversed(range(len(lines)) if st == 0 else []):
            if lines[i].startswith("{"):
                try:
                    return json.JSONDecoder().raw_decode("\n".join(lines[i:]))[0]
                except ValueError:
                    pass
        return None

    def status(self):
        """berth-update status --json, parsed, or None."""
        return self.json("berth-update status --json")

    def poweroff(self, report):
        """poweroff in the shell must make QEMU exit by itself, with status 0."""
        self.send("poweroff")
        code = self.wait_exit(120)
        report.check(code == 0, "poweroff makes QEMU exit by itself", f"exit {code}")

    def wait_shell(self, timeout=120):
        """The console shell starts after the ready line; poll it until it answers."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.sh("true", timeout=5)
            except Timeout:
                if time.monotonic() > deadline or self.eof:
                    raise



def _gpt_entry(disk, name):
    """sfdisk's entry for the GPT partition called NAME."""
    table = json.loads(subprocess.run(["sfdisk", "-J", disk], check=True, capture_output=True,
                                      text=True).stdout)["partitiontable"]
    for p in table["partitions"]:
        if p.get("name") == name:
            return p
    raise KeyError(name)


def partition(disk, name):
    """(offset, size) in bytes of the GPT partition called NAME."""
    p = _gpt_entry(disk, name)
    return p["start"] * 512, p["size"] * 512


def partition_number(disk, name):
    """The number of the GPT partition called NAME (the N of /dev/vdaN in the guest)."""
    return int(re.search(r"(\d+)$", _gpt_entry(disk, name)["node"]).group(1))


class HttpServer:
    """An HTTP server on the host's 127.0.0.1 (the guest's 10.0.2.2) serving files
    added with add(): each is a list of parts, bytes or (path, offset, length) of a
    host file, sent one after the other (so variants of a large file cost no copies).
    It answers a single-range "Range: bytes=A-B" with 206 and that range, unless made
    with ranges=False (then, like some servers, it sends the whole file). sent[NAME]
    counts the body bytes sent of NAME. Unknown names get 404. Stop it with close()."""

    def __init__(self, ranges=True):
        import http.server
        files, sent = self.files, self.sent = {}, {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.lstrip("/")
                parts = files.get(name)
                if parts is None:
                    self.send_error(404)
                    return
                size = sum(len(p) if isinstance(p, bytes) else p[2] for p in parts)
                m = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
                first, last = 0, size - 1
                if ranges and m and int(m.group(1)) <= int(m.group(2)) and int(m.group(1)) < size:
                    first, last = int(m.group(1)), min(int(m.group(2)), size - 1)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(last - first + 1))
                self.end_headers()
                for chunk in self.chunks(parts, first, last + 1):
                    self.wfile.write(chunk)
                    sent[name] = sent.get(name, 0) + len(chunk)

            @staticmethod
            def chunks(parts, start, end):
                """The bytes of PARTS from START to END, a piece at a time."""
                at = 0
                for p in parts:
                    n = len(p) if isinstance(p, bytes) else p[2]
                    lo, hi = max(start, at), min(end, at + n)
                    if lo < hi and isinstance(p, bytes):
                        yield p[lo - at:hi - at]
                    elif lo < hi:
                        path, off, _ = p
                        with open(path, "rb") as f:
                            f.seek(off + lo - at)
                            while lo < hi:
                                chunk = f.read(min(hi - lo, 1 << 20))
                                if not chunk:
                                    raise EOFError(path)
                                yield chunk
                                lo += len(chunk)
                    at += n

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that stops reading half way (a refusing berth-update) is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, name, *parts):
        self.files[name] = list(parts)

    def url(self, name):
        return f"http://10.0.2.2:{self.port}/{name}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def host_listener(host="127.0.0.1"):
    """A one-shot TCP server on the host's HOST (127.0.0.1 is the guest's 10.0.2.2).
    Returns (port, the bytes it received, its thread)."""
    srv = socket.create_server((host, 0), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    srv.settimeout(120)
    got = bytearray()

    def serve():
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(30)
                while data := conn.recv(4096):
                    got.extend(data)
        except OSError:
            pass
        finally:
            srv.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return srv.getsockname()[1], got, t


def service_get(vm, path, port=8080, timeout=120):
    """(status, body stripped) of GET PATH from the machine's PORT through its port
    forward, once the service answers at all; (None, "") when it has not by TIMEOUT."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{vm.ports[port]}{path}",
                                        timeout=5) as resp:
                return resp.status, resp.read().decode().strip()
        except urllib.error.HTTPError as e:
            return e.code, ""
        except OSError:
            if time.monotonic() > deadline:
                return None, ""
            time.sleep(1)  # the service is still starting: ask again


class Report:
    """Prints ok/FAIL lines that tests/run.sh counts."""

    def __init__(self, suite):
        self.suite = suite
        self.failed = 0

    def check(self, cond, name, detail=""):
        if cond:
            print(f"ok - {self.suite}: {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL - {self.suite}: {name}{': ' + detail if detail else ''}", flush=True)
        return cond


def verity_leaves(tree):
    """The data blocks' digests in a dm-verity hash image as a bundle carries it (the
    superblock, then the levels top down, the leaves last: updater/vtree.h)."""
    blocks = struct.unpack("<Q", tree[72:80])[0]
    levels, n = [], blocks
    while n > 1:
        n = (n + 127) // 128
        levels.append(n)
    at = (1 + sum(levels[1:])) * 4096
    return [tree[at + 32 * i:at + 32 * i + 32] for i in range(blocks)]
