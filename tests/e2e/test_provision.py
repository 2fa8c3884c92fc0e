"""Per-machine settings from a NoCloud config drive (docs/provision.md), on the
containerd image, one disk (a qcow2 overlay) across three boots:
1. with a drive labelled cidata (an ISO 9660 made by xorriso, a virtio disk):
   the hostname, a static address and the hello service's environment from its
   user data (the variable read from the host through the forwarded port), the
   SSH keys of its meta-data in /run/berth/ssh-authorized-keys;
2. without a drive: the same, from the last good copies in /var/lib/berth;
3. with a drive whose user data sets a key it may not (update.keys) and whose
   meta-data is 10 MB: a message with line and column on the console, one for
   the size, and the image's own settings;
4. with an OpenStack config drive (config-2): the hostname and SSH key of its
   meta_data.json, the service's variable from its user_data."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from vm import READY, VM, Report, Timeout, service_get  # noqa: E402

r = Report("provision")
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthProvisionTestKeyNotARealOne0000000 test@berth"
USER_DATA = """#cloud-config
hostname: berth-vm-1
network:
  interfaces:
    - name: eth0
      addresses: [10.0.2.15/24, 10.0.2.77/24]
      routes: [{to: default, via: 10.0.2.2}]
  dns: [10.0.2.3]
services:
  - name: hello
    env: [GREETING=from-user-data]
"""
META_DATA = f"""instance-id: iid-berth-1
local-hostname: from-meta-data
public-keys:
  - {KEY}
"""
BAD_USER_DATA = """#cloud-config
hostname: berth-vm-2
update:
  keys: [evil.pub]
"""


def drive(tmp, name, files, label="cidata"):
    """A config drive: an ISO 9660 labelled LABEL holding FILES (path: text), as a qcow2
    over it (vm.py's more_disks)."""
    folder = os.path.join(tmp, name)
    for path, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(folder, path)), exist_ok=True)
        with open(os.path.join(folder, path), "w") as f:
            f.write(text)
    iso = folder + ".iso"
    made = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-V", label, "-r", "-J",
                           "-o", iso, folder], capture_output=True, text=True)
    if made.returncode:  # its banner on stderr is shown only then
        sys.exit(f"xorriso failed: {made.stderr}")
    qcow = folder + ".qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", iso, qcow],
                   check=True)
    return qcow


def boot(disk, name, extra=()):
    vm = VM(disk, name, backing=False, disk_format="qcow2", forward=[8080],
            more_disks=extra).start()
    vm.expect(READY)
    vm.wait_shell()
    return vm


def settings(vm):
    """The hostname, eth0's addresses, GREETING as the service sees it, the keys file."""
    _, host = vm.sh("hostname")
    _, addrs = vm.sh("ip -4 -o addr show dev eth0")
    _, keys = vm.sh("cat /run/berth/ssh-authorized-keys 2>/dev/null; true")
    status, greeting = service_get(vm, "/env/GREETING")
    return host.strip(), addrs, (status, greeting), keys.strip()


def check_applied(vm, boot_name):
    host, addrs, greeting, keys = settings(vm)
    r.check(host == "berth-vm-1", f"{boot_name}: the hostname from user data", host)
    r.check("10.0.2.77/24" in addrs and "10.0.2.15/24" in addrs,
            f"{boot_name}: eth0 has the user data's static addresses", addrs)
    r.check(greeting == (200, "from-user-data"),
            f"{boot_name}: the service has the user data's variable (GET /env/GREETING)",
            str(greeting))
    r.check(keys == KEY, f"{boot_name}: meta-data's SSH key in /run/berth/ssh-authorized-keys",
            keys)


def main():
    tmp = tempfile.mkdtemp(prefix="berth-provision-")
    disk = os.path.join(tmp, "disk.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    os.path.abspath("out/containerd/disk.raw"), disk], check=True)
    good = drive(tmp, "good", {"user-data": USER_DATA, "meta-data": META_DATA})
    bad = drive(tmp, "bad", {"user-data": BAD_USER_DATA,
                             "meta-data": "instance-id: iid-berth-2\n" + "#" * (10 << 20) + "\n"})
    openstack = drive(tmp, "openstack", {
        "openstack/latest/user_data": "services: [{name: hello, env: [GREETING=from-config-2]}]\n",
        "openstack/latest/meta_data.json": json.dumps({
            "uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "berth-vm-4",
            "public_keys": {"mykey": KEY + "\n"}})}, label="config-2")
    vm = None
    try:
        vm = boot(disk, "provision-drive", [good])
        r.check(vm.seen(r"berth: provision: config drive cidata on /dev/vdb \(iso9660\)"),
                "boot 1: berth-provision finds the drive labelled cidata")
        r.check(vm.seen(r"berth: hostname berth-vm-1 \(from /run/berth/hostname\)"),
                "boot 1: berth-init names the machine from /run/berth/hostname")
        check_applied(vm, "boot 1")
        vm.poweroff(r)
        vm.close()

        vm = boot(disk, "provision-kept")
        r.check(vm.seen(r"berth: provision: no config drive answered; the last good user data"),
                "boot 2: no drive: berth-provision says it uses the last good documents")
        check_applied(vm, "boot 2")
        vm.poweroff(r)
        vm.close()

        vm = boot(disk, "provision-bad", [bad])
        r.check(vm.seen(r"berth: provision: cidata/user-data:4:3: update\.keys is the image's "
                        r"own setting, which user data cannot change"),
                "boot 3: a key user data may not set is refused at its line and column")
        r.check(vm.seen(r"berth: provision: cidata/meta-data: larger than 256 KiB; nothing of "
                        r"it is used"),
                "boot 3: a 10 MB meta-data is refused for its size")
        host, addrs, greeting, keys = settings(vm)
        r.check(host == "berth", "boot 3: the image's own hostname", host)
        r.check("10.0.2.77" not in addrs, "boot 3: no static address of earlier user data",
                addrs)
        r.check(greeting[0] == 404, "boot 3: the service has the image's environment",
                str(greeting))
        r.check(keys == "", "boot 3: no SSH keys (the last good meta-data's are not used)", keys)
        vm.poweroff(r)
        vm.close()

        vm = boot(disk, "provision-config-2", [openstack])
        r.check(vm.seen(r"berth: provision: config drive config-2 on /dev/vdb \(iso9660\)"),
                "boot 4: berth-provision finds the drive labelled config-2")
        host, _, greeting, keys = settings(vm)
        r.check(host == "berth-vm-4", "boot 4: the hostname from meta_data.json", host)
        r.check(greeting == (200, "from-config-2"),
                "boot 4: the service has user_data's variable", str(greeting))
        r.check(keys == KEY, "boot 4: meta_data.json's public key, without its newline", keys)
        vm.poweroff(r)
    except Timeout as e:
        r.check(False, "provision boots", str(e))
    finally:
        if vm:
            vm.close()
        shutil.rmtree(tmp, ignore_errors=True)


main()
