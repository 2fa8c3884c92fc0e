"""An update channel for a guest to follow (docs/fleet.md): a folder `berth publish` keeps,
served from the host's 127.0.0.1 (the guest's 10.0.2.2) as a static web server would, with
ETag and If-None-Match; and the config drive whose user data points a machine at it."""
import hashlib
import http.server
import os
import re
import subprocess
import threading
import time

from vm import Timeout

BERTH = os.path.abspath("build/berth")
KEY = os.path.abspath("tests/manifests/keys/test.key")


def user_data_drive(folder, user_data):
    """A NoCloud config drive: a FAT file system labelled CIDATA (FAT is in every image's
    kernel, for the ESP) holding USER_DATA and a meta-data, as a qcow2 file for VM()."""
    os.makedirs(folder, exist_ok=True)
    img, qcow = os.path.join(folder, "cidata.img"), os.path.join(folder, "cidata.qcow2")
    files = {"user-data": user_data, "meta-data": "instance-id: fleet-test\n"}
    subprocess.run(["mkfs.fat", "-C", "-n", "CIDATA", img, "1024"], check=True,
                   capture_output=True)
    for name, text in files.items():
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write(text)
        subprocess.run(["mcopy", "-i", img, path, "::" + name], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", img, qcow],
                   check=True)
    return qcow


def last_check(vm, pattern, timeout=120):
    """Polls berth-update status until its channel's last check matches PATTERN: the text,
    or None when none did in TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    text = None
    while time.monotonic() < deadline:
        s = vm.status()
        text = s and s.get("channel") and s["channel"]["last_check"]
        if text and re.search(pattern, text):
            return text
    print(f"# last check: {text}", flush=True)
    return None


class Channel:
    """FOLDER served on a free port. ANSWER replaces the index's answer when set: bytes (sent
    as the index), "hang" (the connection stays silent) or "drop" (half a response, then the
    connection closes). self.served lists (status, serial) of each index request answered."""

    def __init__(self, folder):
        self.folder = folder
        self.answer = None
        self.served = []
        self.stop = threading.Event()
        chan = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                name = self.path.lstrip("/")
                if name == "index" and chan.answer is not None:
                    return chan.special(self)
                path = os.path.join(chan.folder, name)
                if "/" in name or not os.path.isfile(path):
                    self.send_error(404)
                    return
                with open(path, "rb") as f:
                    data = f.read() if name == "index" else None
                size = os.path.getsize(path)
                etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16] if data else None
                if data and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    chan.served.append((304, chan.serial(data)))
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                if data:
                    self.wfile.write(data)
                    chan.served.append((200, chan.serial(data)))
                    return
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a guest that gives up (a hang, a refusal) is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://10.0.2.2:{self.port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @staticmethod
    def serial(data):
        m = re.search(rb"^serial (\d+)$", data, re.M)
        return int(m.group(1)) if m else None

    def special(self, h):
        if self.answer == "hang":
            self.served.append(("hang", None))
            self.stop.wait(120)
            return
        if self.answer == "drop":
            h.send_response(200)
            h.send_header("Content-Length", "4000")
            h.end_headers()
            h.wfile.write(b"berth-channel 2\n")
            h.wfile.flush()
            self.served.append(("drop", None))
            h.close_connection = True
            return
        h.send_response(200)
        h.send_header("Content-Length", str(len(self.answer)))
        h.end_headers()
        h.wfile.write(self.answer)
        self.served.append((200, self.serial(self.answer)))

    def publish(self, *args):
        """berth publish ARGS... on this channel's folder, with the test key where it signs."""
        cmd, rest = args[0], list(args[1:])
        argv = [BERTH, "publish", cmd, self.folder, *rest]
        if cmd != "show":
            argv += ["--key", KEY]
        return subprocess.run(argv, capture_output=True, text=True)

    def index(self):
        with open(os.path.join(self.folder, "index"), "rb") as f:
            return f.read()

    def wait_served(self, since, what=lambda s: True, timeout=120):
        """Waits until an index request after position SINCE of self.served was answered as
        WHAT (given its (status, serial)) accepts; returns that entry."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for s in self.served[since:]:
                if what(s):
                    return s
            time.sleep(0.2)
        raise Timeout(f"no index request answered as wanted in {timeout} s: {self.served[since:]}")

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
