"""Automatic rollback: a machine running 0.2.0 (out/rollback-base, the
factory entry on slot A) installs two bad releases from bundles served by
the host, and comes back to 0.2.0 by itself each time.

- 0.3.0 (out/rollback-unhealthy) boots, but its critical service never
  passes its probe: berth-init's health gate reboots each counted try after
  the release's health deadline (20 s).
- 0.4.0 (out/rollback-noinit) has no /sbin/init: stage 1 fails on the new
  root and reboots.

Either way systemd-boot counts the entry down (+3, +2-1, +1-2, +0-3), starts
the newest entry with tries left, and after the third failed try that is
0.2.0 again; berth-update status then shows the new release as bad.

The machine takes both from an update channel (docs/fleet.md) that its user
data (a NoCloud drive) names, checked every 10 s, reboot: immediate: the
test publishes 0.3.0 with `berth publish`, and the machine installs it and
reboots by itself. Back on 0.2.0 it records 0.3.0 as failed here and does
not take it again; the next release the test publishes, 0.4.0, it takes."""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from channel import Channel, last_check, user_data_drive  # noqa: E402
from vm import BOOT_TIMEOUT, READY, VM, Report, Timeout  # noqa: E402

r = Report("rollback")
OUT = os.path.abspath("out")
BASE = ("0.2.0", "a")
TRIES = 3  # a fresh entry is <name>_<version>+3.efi
UNHEALTHY = ("rollback-unhealthy", "0.3.0")
NOINIT = ("rollback-noinit", "0.4.0")
# What ends a failed try, per bad release.
GATE_FAIL = r"berth: health: not healthy within (\d+) s; missing:(.*)\n"
STAGE1_FAIL = r"berth: stage1: FAILED: (.*); rebooting in \d+ s\n"


class Abort(Exception):
    """A step failed (and said so) that later steps depend on."""


def entry_of(doc, version):
    return next((e for e in doc["entries"] if e["version"] == version), None) if doc else None


def next_event(vm, patterns, timeout=BOOT_TIMEOUT):
    """Waits for whichever of PATTERNS (name -> regex) comes first on the
    console; returns (name, match)."""
    m = vm.expect("|".join(f"(?P<{k}>{v})" for k, v in patterns.items()), timeout)
    name = m.lastgroup
    return name, re.compile(patterns[name]).match(m.group(name))


def check_base_up(vm, when):
    """Waits for the shell of a boot that printed ready 0.2.0 slot a and checks status."""
    vm.wait_shell()
    doc = vm.status()
    booted = doc["booted"] if doc else {}
    r.check(booted.get("slot") == "a" and booted.get("version") == BASE[0]
            and booted.get("entry") == f"berth_{BASE[0]}.efi",
            f"{when}: status: slot a, {BASE[0]}, the counter-less factory entry booted", str(doc))
    return doc


def take(vm, chan, bundle, version):
    """Publishes BUNDLE (out/ relative) for the whole fleet; the machine installs it and
    reboots by itself. Returns the seconds from publishing to the reboot."""
    since = vm.mark()
    t0 = time.monotonic()
    res = chan.publish("add", os.path.join(OUT, bundle), "--waves", "0:100")
    r.check(res.returncode == 0, f"{version}: berth publish add succeeds", res.stderr.strip())
    m = vm.wait_for(rf"berth-update\| rebooting into {re.escape(version)}\n", since, 900)
    took = time.monotonic() - t0
    out = vm.buf[since:m.end()]
    r.check(f"installed berth_{version}+{TRIES}.efi" in out,
            f"{version}: the machine installs it from its channel by itself "
            f"(berth_{version}+{TRIES}.efi) and reboots (reboot: immediate)", out[-600:])
    if f"installed berth_{version}+{TRIES}.efi" not in out:
        raise Abort(f"{version} not installed; nothing to roll back from")
    return took


def not_retried(vm, version):
    """Back on the base: VERSION is recorded as failed here and not taken again."""
    text = last_check(vm, rf"{re.escape(version)}: failed here before")
    r.check(text is not None and f"{version}: failed here before" in text,
            f"{version}: recorded as failed here; the channel still lists it, the machine "
            "does not take it again", str(text))


def tries(vm, version, fail_pattern):
    """After the reboot into VERSION: counts the failed tries on slot b until
    a release comes up; returns (number of tries, the ready match that ended
    them, how the health gate saw that boot, details of each try)."""
    patterns = {"ready": READY.pattern, "fail": fail_pattern,
                "stage1": r"berth: stage1: initramfs",
                "gate": r"berth: health: (.*); deadline \d+ s\n"}
    n, details, ready_seen, gate = 0, [], False, None
    while True:
        name, m = next_event(vm, patterns)
        if name == "stage1":
            # A new boot: the previous try (if any) is over.
            ready_seen, gate = False, None
        elif name == "gate":
            gate = m.group(1)
        elif name == "ready":
            if (m.group(1), m.group(2)) != (version, "b"):
                return n, m, gate, details
            ready_seen = True
        else:  # a failed try
            n += 1
            details.append((ready_seen, m.groups()))
            if n > TRIES:
                return n, None, gate, details


def rollback_from(vm, chan, bad, fail_pattern, what, check_try):
    out_dir, version = bad
    bundle = f"{out_dir}/berth_{version}.berth"
    size = os.path.getsize(os.path.join(OUT, bundle))
    took = take(vm, chan, bundle, version)
    print(f"# {version}: bundle {size} bytes ({size / 2**20:.1f} MiB), published to "
          f"reboot {took:.0f} s", flush=True)
    t0 = time.monotonic()
    n, ready, gate, details = tries(vm, version, fail_pattern)
    back = time.monotonic() - t0
    r.check(n == TRIES, f"{version}: {TRIES} failed tries on slot b ({what})",
            f"{n} tries: {details}")
    r.check(len(details) == TRIES and all(check_try(d) for d in details),
            f"{version}: each try failed as expected",
            str(details))
    r.check(ready is not None and (ready.group(1), ready.group(2)) == BASE,
            f"{version}: then the machine comes up {BASE[0]} slot a by itself",
            ready.group(0) if ready else "no ready line")
    print(f"# {version}: reboot to ready {BASE[0]} again: {back:.0f} s; "
          f"install start to back: {took + back:.0f} s", flush=True)
    if ready is None:
        raise Abort(f"not back on {BASE[0]}")
    r.check(gate == "not a counted try",
            f"{version}: the health gate sees the fallback boot as not a counted try", str(gate))
    doc = check_base_up(vm, f"after {version}")
    other = doc["other"] if doc else {}
    e = entry_of(doc, version)
    r.check(other.get("slot") == "b" and other.get("version") == version
            and other.get("state") == "bad",
            f"{version}: status: slot b {version} is bad", str(other))
    r.check(e is not None and e["file"] == f"berth_{version}+0-{TRIES}.efi"
            and e["state"] == "bad" and not e["booted"],
            f"{version}: its entry was counted down to +0-{TRIES} by systemd-boot",
            str(e))
    r.check(doc is not None and doc["entries"][-1] is e,
            f"{version}: the bad entry sorts last in the boot order",
            str([x["file"] for x in doc["entries"]]) if doc else "")
    return doc


def main():
    tmp = tempfile.mkdtemp(prefix="berth-rollback-test-")
    os.makedirs(os.path.join(tmp, "channel"))
    chan = Channel(os.path.join(tmp, "channel"))
    drive = user_data_drive(os.path.join(tmp, "drive"), "update:\n  channel: "
                            f"{chan.url}\n  check_interval: 10\n")
    vm = VM("out/rollback-base/disk.raw", "rollback", more_disks=[drive]).start()
    t_start = time.monotonic()
    try:
        m = vm.expect(READY)
        r.check((m.group(1), m.group(2)) == BASE, f"boots {BASE[0]} from slot a", m.group(0))
        doc = check_base_up(vm, "factory")
        r.check(doc is not None and doc["other"].get("state") == "empty",
                "factory: slot b is empty", str(doc))

        def unhealthy(d):
            ready_seen, (deadline, missing) = d
            return ready_seen and deadline == "20" and "healthy:hello" in missing.split()

        doc = rollback_from(vm, chan, UNHEALTHY, GATE_FAIL,
                            "health gate: not healthy within 20 s", unhealthy)
        not_retried(vm, UNHEALTHY[1])

        def noinit(d):
            ready_seen, (reason,) = d
            return not ready_seen and reason.startswith("exec /sbin/init on the new root")

        doc = rollback_from(vm, chan, NOINIT, STAGE1_FAIL, "stage 1 cannot exec /sbin/init",
                            noinit)
        r.check(doc is not None and entry_of(doc, UNHEALTHY[1]) is None,
                f"installing {NOINIT[1]} into slot b removed the bad {UNHEALTHY[1]} entry",
                str([x["file"] for x in doc["entries"]]) if doc else "")
        r.check(not vm.seen(rf"berth: ready version={NOINIT[1]}"),
                f"{NOINIT[1]} never reached stage 2")

        vm.poweroff(r)
        print(f"# total {time.monotonic() - t_start:.0f} s", flush=True)
    except Timeout as e:
        r.check(False, "rollback run", str(e))
    except Abort as e:
        r.check(False, "rollback run", str(e))
    finally:
        vm.close()
        chan.close()
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if r.failed else 0)


main()
