"""Per-machine settings from the clouds' metadata services (docs/clouds.md), on
the containerd image, whose provision.sources names every one after the config
drives, all at http://10.0.2.2:18169: a fake metadata server on the host's
127.0.0.1:18169 that plays one cloud a boot and answers the others' paths with
404 (as a cloud does for another's). One disk (a qcow2 overlay), five boots:
1. the server accepts every connection and never answers: the boot goes on
   after each service's request deadline, within the documented limit (timed
   from the console lines as they arrive), with the image's own settings;
2. EC2 (IMDSv2): the token step (a GET without a valid token gets 401; the
   first token expires after one use, so berth-provision must get another);
3. GCE: every request must carry Metadata-Flavor: Google (403 without);
4. Azure: IMDS (Metadata: true, base64 user data, publicKeys JSON) and the
   ready report to the WireServer, its Health XML checked;
5. OpenStack's metadata service.
Each cloud: the hostname, a static address (eth0 set up again: DHCP's client
stopped after it brought the network up for EC2; for the others the address
of the cloud before, from the kept user data, removed), the hello service's
variable read from the host through the forwarded port, the SSH keys file.
The guest never reaches any address but the host's 10.0.2.2."""
import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, service_get  # noqa: E402

PORT = 18169  # provision.address in tests/manifests/containerd.yaml
# docs/provision.md: each request at most 2 s, the whole run after the network at most 20 s.
REQUEST_S, LIMIT_S = 2, 20
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthMetadataTestKeyNotARealOne000000 test@berth"
INCARNATION, CONTAINER, INSTANCE = "3", "c6d5e4f3-a2b1-4c0d-9e8f-7a6b5c4d3e2f", "role-1_IN_0&x"

r = Report("metadata")


# Each cloud's user data gives eth0 a second static address of its own.
STATIC = {"ec2": "10.0.2.71", "gce": "10.0.2.72", "azure": "10.0.2.73", "openstack": "10.0.2.74"}


def user_data(cloud):
    return f"""#cloud-config
network:
  interfaces:
    - name: eth0
      addresses: [10.0.2.15/24, {STATIC[cloud]}/24]
      routes: [{{to: default, via: 10.0.2.2}}]
services:
  - name: hello
    env: [GREETING=from-{cloud}]
"""


class Server:
    """The fake metadata server: self.cloud picks what it plays ("hang": accept, never
    answer). It records what the clouds' rules make it check."""

    def __init__(self):
        self.cloud = None
        self.tokens = {}  # EC2 token -> GETs it was used for
        self.puts = 0
        self.unauthorized = 0  # EC2 GETs answered 401
        self.flavorless = 0  # GCE requests without Metadata-Flavor: Google
        self.health = []  # Azure: (headers, body) of each health POST
        self.goalstate_headers = []
        self.release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def do_PUT(self):
                self.handle_any("PUT")

            def do_GET(self):
                self.handle_any("GET")

            def do_POST(self):
                self.handle_any("POST")

            def handle_any(self, method):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if server.cloud == "hang":
                    server.release.wait(120)
                    self.close_connection = True
                    return
                play = getattr(server, f"{server.cloud}_{method.lower()}", None)
                got = play(self.path, self.headers, body) if play else None
                self.answer(*(got or (404,)))

            def log_message(self, *args):
                pass

        class Http(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a client gone at its deadline (the hanging boot)

        self.httpd = Http(("127.0.0.1", PORT), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ---- EC2 (IMDSv2) ----
    def ec2_put(self, path, headers, body):
        if path != "/latest/api/token":
            return None
        if not headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return (400,)
        self.puts += 1
        token = f"token-{self.puts}"
        self.tokens[token] = 0
        return 200, token.encode()

    def ec2_get(self, path, headers, body):
        if not path.startswith("/latest/"):
            return None
        token = headers.get("X-aws-ec2-metadata-token")
        # The first token expires after one use: the client must get another.
        if token not in self.tokens or (token == "token-1" and self.tokens[token] >= 1):
            self.unauthorized += 1
            return (401,)
        self.tokens[token] += 1
        files = {
            "/latest/user-data": user_data("ec2"),
            "/latest/meta-data/local-hostname": "ip-10-0-2-15.ec2.internal. other.name",
            "/latest/meta-data/public-keys/": "0=berth-key",
            "/latest/meta-data/public-keys/0/openssh-key": KEY + "\n",
        }
        return (200, files[path].encode()) if path in files else (404,)

    # ---- GCE ----
    def gce_get(self, path, headers, body):
        if not path.startswith("/computeMetadata/v1/"):
            return None
        if headers.get("Metadata-Flavor") != "Google":
            self.flavorless += 1
            return (403,)
        files = {
            "instance/hostname": "berth-gce.c.berth-project.internal",
            "instance/attributes/user-data": user_data("gce"),
            "instance/attributes/ssh-keys": f"berth:{KEY}\n",
        }
        path = path[len("/computeMetadata/v1/"):]
        flavor = [("Metadata-Flavor", "Google")]
        return (200, files[path].encode(), flavor) if path in files else (404, b"", flavor)

    # ---- Azure: IMDS and the WireServer ----
    def azure_get(self, path, headers, body):
        if path == "/machine/?comp=goalstate":
            self.goalstate_headers.append(dict(headers))
            if headers.get("x-ms-version") != "2012-11-30":
                return (400,)
            return 200, f"""<?xml version="1.0" encoding="utf-8"?>
<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Version>2012-11-30</Version>
  <Incarnation>{INCARNATION}</Incarnation>
  <Machine><ExpectedState>Started</ExpectedState></Machine>
  <Container>
    <ContainerId>{CONTAINER}</ContainerId>
    <RoleInstanceList>
      <RoleInstance><InstanceId>{INSTANCE.replace("&", "&amp;")}</InstanceId></RoleInstance>
    </RoleInstanceList>
  </Container>
</GoalState>
""".encode()
        if not path.startswith("/metadata/instance/compute/"):
            return None
        if headers.get("Metadata") != "true":
            return (400,)
        files = {
            "name?api-version=2021-01-01&format=text": b"Berth-Azure",
            "userData?api-version=2021-01-01&format=text":
                base64.b64encode(user_data("azure").encode()),
            "publicKeys?api-version=2021-01-01":
                json.dumps([{"keyData": KEY, "path": "/home/berth/.ssh/authorized_keys"}]).encode(),
        }
        path = path[len("/metadata/instance/compute/"):]
        return (200, files[path]) if path in files else (404,)

    def azure_post(self, path, headers, body):
        if path != "/machine?comp=health":
            return None
        self.health.append((dict(headers), body))
        return (200,)

    # ---- OpenStack's metadata service ----
    def openstack_get(self, path, headers, body):
        files = {
            "/openstack/latest/meta_data.json": json.dumps({
                "uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "berth-openstack",
                "public_keys": {"berth-key": KEY + "\n"}}),
            "/openstack/latest/user_data": user_data("openstack"),
        }
        return (200, files[path].encode()) if path in files else None


def settings(vm):
    """The hostname, GREETING as the service sees it, the keys file."""
    _, host = vm.sh("hostname")
    _, keys = vm.sh("cat /run/berth/ssh-authorized-keys 2>/dev/null; true")
    return host.strip(), service_get(vm, "/env/GREETING"), keys.strip()


def network(vm):
    """eth0's IPv4 addresses (ADDR/PREFIX), the default route, the DHCP clients' PIDs."""
    _, addrs = vm.sh("ip -4 -o addr show dev eth0")
    _, route = vm.sh("ip -4 route show default")
    _, dhcp = vm.sh("cat /proc/[0-9]*/comm | grep -c '^udhcpc$'; true")
    return re.findall(r"inet (\S+)", addrs), route.strip(), dhcp.strip()


def check_static(vm, cloud):
    addrs, route, dhcp = network(vm)
    static = STATIC[cloud].replace(".", r"\.")
    r.check(vm.seen(r"berth: network: eth0: new settings in /run/berth/network\.conf; set up "
                    r"again") and
            vm.seen(r"berth: network: eth0 10\.0\.2\.15/24 " + static + r"/24 \(static\)"),
            f"{cloud}: berth-init sets eth0 up again with the user data's addresses")
    r.check(not vm.seen(r"berth: network: eth0: (removing|address|route) "),
            f"{cloud}: no error undoing the earlier settings or adding the new")
    r.check(sorted(addrs) == sorted(["10.0.2.15/24", STATIC[cloud] + "/24"]),
            f"{cloud}: eth0 has the user data's static addresses and no other", str(addrs))
    r.check(route == "default via 10.0.2.2 dev eth0",
            f"{cloud}: the default route is the user data's", route)
    r.check(dhcp == "0", f"{cloud}: no DHCP client runs", dhcp)


def boot_cloud(disk, server, cloud, hostname):
    server.cloud = cloud
    vm = VM(disk, f"metadata-{cloud}", backing=False, disk_format="qcow2", forward=[8080]).start()
    vm.expect(READY)
    vm.wait_shell()
    r.check(vm.seen(rf"berth: provision: {cloud}: the metadata service at 10\.0\.2\.2:{PORT} "
                    r"answered"), f"{cloud}: berth-provision says the service answered")
    host, greeting, keys = settings(vm)
    r.check(host == hostname, f"{cloud}: the hostname from the metadata service", host)
    r.check(greeting == (200, f"from-{cloud}"),
            f"{cloud}: the service has the user data's variable (GET /env/GREETING)",
            str(greeting))
    r.check(keys == KEY, f"{cloud}: the SSH key in /run/berth/ssh-authorized-keys", keys)
    check_static(vm, cloud)
    return vm


def check_azure_report(server):
    r.check(len(server.goalstate_headers) == 1, "azure: the goal state was read once",
            str(len(server.goalstate_headers)))
    r.check(len(server.health) == 1, "azure: one ready report reached the WireServer",
            str(len(server.health)))
    if not server.health:
        return
    headers, body = server.health[0]
    r.check(headers.get("x-ms-version") == "2012-11-30" and headers.get("x-ms-agent-name")
            and headers.get("Content-Type") == "text/xml;charset=utf-8",
            "azure: the report's x-ms-version, x-ms-agent-name and Content-Type", str(headers))
    try:
        root = ET.fromstring(body)
        values = (root.findtext("GoalStateIncarnation"), root.findtext("Container/ContainerId"),
                  root.findtext("Container/RoleInstanceList/Role/InstanceId"),
                  root.findtext("Container/RoleInstanceList/Role/Health/State"))
    except ET.ParseError as e:
        values = (str(e),)
    r.check(values == (INCARNATION, CONTAINER, INSTANCE, "Ready"),
            "azure: the Health XML repeats the goal state's Incarnation, ContainerId and "
            "InstanceId (escaped), State Ready", str(values))


def main():
    tmp = tempfile.mkdtemp(prefix="berth-metadata-")
    disk = os.path.join(tmp, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    os.path.abspath("out/containerd/disk.raw"), disk], check=True)
    try:
        server = Server()
    except OSError as e:
        r.check(False, f"the fake metadata server on 127.0.0.1:{PORT}", str(e))
        return
    vm = None
    started = time.monotonic()
    try:
        # 1. Every service hangs: timed from the console as its lines arrive.
        server.cloud = "hang"
        vm = VM(disk, "metadata-hang", backing=False, disk_format="qcow2",
                forward=[8080]).start()
        vm.expect(r"berth: provision: the metadata services at 10\.0\.2\.2:18169")
        first = time.monotonic()
        stamps = []  # when each service's deadline was said on the console
        for _ in range(4):
            vm.expect(r"berth: provision: \S+: \S+ http://10\.0\.2\.2:18169\S*: no answer in "
                      r"time")
            stamps.append(time.monotonic())
        end = vm.expect(r"berth: provision: no metadata service answered \((\d+) ms\); the "
                        r"settings so far stay")
        took = time.monotonic() - first
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        r.check(all(g <= REQUEST_S + 1 for g in gaps),
                f"hang: each hanging service passed over after its {REQUEST_S} s deadline "
                f"(gaps {', '.join(f'{g:.1f}' for g in gaps)} s)", str(gaps))
        r.check(took <= LIMIT_S,
                f"hang: the boot went on {took:.1f} s after berth-provision started on the "
                f"services (it counted {int(end.group(1)) / 1000:.1f} s; at most {LIMIT_S} s)",
                f"{took:.1f} s")
        vm.expect(READY)
        vm.wait_shell()
        host, greeting, keys = settings(vm)
        r.check(host == "berth" and greeting[0] == 404 and keys == "",
                "hang: the image's own hostname, environment and no keys",
                f"{host} {greeting} {keys!r}")
        addrs, route, dhcp = network(vm)
        r.check(addrs == ["10.0.2.15/24"] and route == "default via 10.0.2.2 dev eth0" and
                dhcp == "1",
                "hang: the image's network: DHCP's address and route, its client running",
                f"{addrs} {route!r} {dhcp!r}")
        vm.poweroff(r)
        vm.close()

        vm = boot_cloud(disk, server, "ec2", "ip-10-0-2-15.ec2.internal")
        r.check(server.puts == 2 and server.unauthorized == 1 and
                all(n > 0 for n in server.tokens.values()),
                "ec2: a token before the GETs, another after the first expired (401)",
                f"PUTs {server.puts}, 401s {server.unauthorized}, uses {server.tokens}")
        vm.poweroff(r)
        vm.close()

        vm = boot_cloud(disk, server, "gce", "berth-gce")
        r.check(server.flavorless == 0, "gce: every request had Metadata-Flavor: Google",
                str(server.flavorless))
        vm.poweroff(r)
        vm.close()

        vm = boot_cloud(disk, server, "azure", "berth-azure")
        check_azure_report(server)
        r.check(vm.seen(r"berth: provision: azure: reported ready to the WireServer "
                        r"\(incarnation 3\)"), "azure: the console says it reported ready")
        vm.poweroff(r)
        vm.close()

        vm = boot_cloud(disk, server, "openstack", "berth-openstack")
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "metadata boots", str(e))
    finally:
        if vm:
            vm.close()
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# metadata: five boots in {time.monotonic() - started:.0f} s", flush=True)


main()
