#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The timing loops of alcove's benchmark (tests/bench/run.sh drives them).

Every figure is a difference against a baseline taken in the same loop: the subject (A) and
the baseline (B) alternate, in a random order within each pair, so load that comes and goes
on a shared machine lands on both sides alike. Each sample is one line of a TSV file:

    measure  side  rep  wall_us  cpu_us

wall_us is the wall-clock time of the command; cpu_us the CPU time (user + system) that the
processes of a cgroup spent meanwhile (cgroup v2 cpu.stat usage_usec, recursive), read after
the cgroup is back to the number of processes it had before, so that a login's processes
(sshd's session child, the helper, the shell) are all counted and have all exited before the
next sample starts. Without --cgroup, cpu_us is empty.

Subcommands:
  ab        A/B pairs of two commands (each optionally preceded by an untimed reset, and by
            its own policy file put in place)
  teardown  A: build an alcove, time `alcovectl stop`, prove nothing is left; B: the same
            stop for a user without an alcove
  build     make alcoves alive for many users (alcovectl enter U -- KEEPER...)
  memory    per-alcove memory (alcove-init's smaps_rollup) of the given users' alcoves
  meminfo   /proc/meminfo as JSON (for slab deltas)
  stages    the helper's own stage timings (ALCOVE_DEBUG=1 alcovectl enter), built and joined
"""

import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import time

RUN_DIR = "/run/alcove"


def die(msg):
    print(f"measure.py: {msg}", file=sys.stderr)
    sys.exit(1)


class Cgroup:
    """A cgroup v2 directory whose tree holds the processes a measured command starts.
    join: the measured command itself is started in it (pamtester, alcovectl); otherwise it
    is already home to the server that the command talks to (sshd)."""

    def __init__(self, path, join=False):
        self.path = path
        self.join = join
        if path and not os.path.exists(os.path.join(path, "cpu.stat")):
            die(f"{path}: no cpu.stat (not a cgroup v2 directory)")

    def cpu_us(self):
        if not self.path:
            return None
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                k, v = line.split()
                if k == "usage_usec":
                    return int(v)
        return None

    def procs(self):
        n = 0
        for d, _, files in os.walk(self.path):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(d, "cgroup.procs")) as f:
                        n += sum(1 for _ in f)
                except OSError:
                    pass  # removed while we walked
        return n

    def settle(self, count, timeout=5.0):
        """Waits until the tree holds `count` processes again (a login's leftovers gone)."""
        if not self.path:
            return True
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.procs() <= count:
                return True
            time.sleep(0.002)
        return False


def run_quiet(argv, what, check=True, env=None):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env, close_fds=True)
    if check and p.returncode != 0:
        die(f"{what} failed (exit {p.returncode}): {shlex.join(argv)}: "
            f"{p.stderr.decode(errors='replace').strip()[-500:]}")
    return p


class Launcher:
    """Starts the measured commands. With a cgroup to join, through a small server process
    that lives in that cgroup (moving each command into it instead would add a cgroup
    migration, and fork instead of vfork, to every sample)."""

    def __init__(self, cg):
        self.server = None
        if cg.path and cg.join:
            procs = os.path.join(cg.path, "cgroup.procs")

            def enter():
                with open(procs, "w") as f:
                    f.write("0")
            self.server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "_server"],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           preexec_fn=enter, text=True)

    def run(self, argv):
        """(wall_us, returncode, stderr text)"""
        if not self.server:
            t0 = time.perf_counter_ns()
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            t1 = time.perf_counter_ns()
            return (t1 - t0) // 1000, p.returncode, p.stderr.decode(errors="replace")
        self.server.stdin.write(json.dumps(argv) + "\n")
        self.server.stdin.flush()
        r = json.loads(self.server.stdout.readline())
        return r["wall_us"], r["rc"], r["err"]


def serve():
    for line in sys.stdin:
        argv = json.loads(line)
        t0 = time.perf_counter_ns()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        t1 = time.perf_counter_ns()
        print(json.dumps({"wall_us": (t1 - t0) // 1000, "rc": p.returncode,
                          "err": p.stderr.decode(errors="replace")[-500:]}), flush=True)


def timed(argv, cg, launcher, what):
    """Runs argv; returns (wall_us, cpu_us). A failing command ends the benchmark: a login
    that did not happen must not be counted as a fast one."""
    base = cg.procs() if cg.path else 0
    cpu0 = cg.cpu_us()
    wall, rc, err = launcher.run(argv)
    if rc != 0:
        die(f"{what} failed (exit {rc}): {shlex.join(argv)}: {err.strip()[-500:]}")
    if not cg.settle(base):
        print(f"measure.py: warning: {cg.path} still holds more than {base} processes "
              f"after {what}", file=sys.stderr)
    cpu1 = cg.cpu_us()
    return wall, (cpu1 - cpu0 if cpu0 is not None else None)


def write_sample(out, measure, side, rep, wall, cpu):
    out.write(f"{measure}\t{side}\t{rep}\t{wall}\t{'' if cpu is None else cpu}\n")
    out.flush()


def progress(measure, i, reps):
    if sys.stderr.isatty() or os.environ.get("BENCH_PROGRESS"):
        print(f"\r# {measure}: {i}/{reps}", end="" if i < reps else "\n", file=sys.stderr,
              flush=True)


def policy_setter(a):
    """With --policy: before each side, that side's policy file becomes the live one (written
    beside it and renamed over it, so a login never reads half a file). The same user can so
    be A (contained) and B (not selected): nothing but the policy differs between them."""
    if not a.policy:
        return lambda side: None
    texts = {}
    for side, path in (("a", a.policy_a), ("b", a.policy_b)):
        with open(path) as f:
            texts[side] = f.read()

    def set_policy(side):
        tmp = a.policy + ".bench-tmp"
        with open(tmp, "w") as f:
            f.write(texts[side])
        os.replace(tmp, a.policy)
    return set_policy


def cmd_ab(a):
    cg = Cgroup(a.cgroup, a.join)
    launcher = Launcher(cg)
    set_policy = policy_setter(a)
    sides = {"a": (shlex.split(a.a), shlex.split(a.reset_a) if a.reset_a else None),
             "b": (shlex.split(a.b), shlex.split(a.reset_b) if a.reset_b else None)}
    with open(a.out, "a") as out:
        for _ in range(a.warmup):
            for side in "ab":
                argv, reset = sides[side]
                set_policy(side)
                if reset:
                    run_quiet(reset, f"{a.measure} reset-{side}")
                timed(argv, cg, launcher, f"{a.measure} warm-up {side}")
        for i in range(a.reps):
            order = ["a", "b"] if random.random() < 0.5 else ["b", "a"]
            for side in order:
                argv, reset = sides[side]
                set_policy(side)
                if reset:
                    run_quiet(reset, f"{a.measure} reset-{side}")
                wall, cpu = timed(argv, cg, launcher, f"{a.measure} {side}")
                write_sample(out, a.measure, side, i, wall, cpu)
            progress(a.measure, i + 1, a.reps)


def read_state(name):
    st = {}
    try:
        with open(os.path.join(RUN_DIR, name, "state")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                st[k] = v
    except FileNotFoundError:
        return None
    return st


def ns_inode(pid, ns):
    try:
        return os.stat(f"/proc/{pid}/ns/{ns}").st_ino
    except OSError:
        return None


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def proc_start(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def still_running(procs):
    """The (pid, start time) pairs that are still the same, unexited process. (Namespace
    inode numbers are reused as soon as a namespace dies: on a shared machine another
    alcove or container may get them, so the check after a stop goes by process.)"""
    return [pid for pid, start in procs
            if proc_start(pid) == start and proc_state(pid) not in ("Z", "X", None)]


def procs_in_ns(userns, mntns):
    """Host pids whose user or mount namespace is one of the alcove's. A zombie is not one:
    it has exited and let go of its namespaces' mounts; only its exit status waits for the
    host's PID 1 (which reaps it up to seconds later on some hosts)."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        if ns_inode(d, "user") == userns or ns_inode(d, "mnt") == mntns:
            if proc_state(d) not in ("Z", "X", None):
                found.append(int(d))
    return found


def host_mounts_of(uid, user):
    """Host mounts of this alcove: anything under its /run/alcove/<uid> or its persistent
    layer. (The machine is shared: other alcoves and containers mount and unmount meanwhile.)"""
    keys = (f"/run/alcove/{uid} ", f"/run/alcove/{uid}/", f"/var/lib/alcove/{user}/",
            f"/var/lib/alcove/{user} ")
    with open("/proc/self/mountinfo") as f:
        return [line.strip() for line in f if any(k in line for k in keys)]


def cmd_teardown(a):
    """A: stop a running alcove (with a process besides init in it); B: stop for a user that
    has none. After each A, nothing of the alcove may be left: no process in its namespaces,
    no /run/alcove/<uid>, no mount on the host."""
    cg = Cgroup(a.cgroup, True)
    launcher = Launcher(cg)
    build = shlex.split(a.build)
    stop = {"a": shlex.split(a.a), "b": shlex.split(a.b)}
    name = str(a.uid)
    mounts0 = host_mounts_of(a.uid, a.user)
    if mounts0:
        die(f"host mounts of alcove {name} before the teardown measure: {mounts0}")
    with open(a.out, "a") as out:
        for i in range(a.reps):
            order = ["a", "b"] if random.random() < 0.5 else ["b", "a"]
            for side in order:
                if side == "a":
                    run_quiet(build, "build before teardown")
                    st = read_state(name)
                    if not st or not os.path.exists(f"/proc/{st['pid']}"):
                        die(f"no running alcove {name} after: {a.build}")
                    userns, mntns = int(st["userns"]), int(st["mntns"])
                    procs = [(p, proc_start(p)) for p in procs_in_ns(userns, mntns)]
                    if len(procs) < 2:
                        die(f"alcove {name} should hold init and the keeper")
                wall, cpu = timed(stop[side], cg, launcher, f"teardown {side}")
                if side == "a":
                    left = still_running(procs)
                    if left:
                        die(f"processes of alcove {name} left after stop: {left}")
                    if os.path.exists(os.path.join(RUN_DIR, name)):
                        die(f"{RUN_DIR}/{name} left after stop")
                    left = host_mounts_of(a.uid, a.user)
                    if left:
                        die(f"host mounts left after stop: {left}")
                write_sample(out, a.measure, side, i, wall, cpu)
            progress(a.measure, i + 1, a.reps)


def cmd_build(a):
    """Makes the users' alcoves alive, one `alcovectl enter` each; prints the time taken."""
    users = [u for u in a.users.split(",") if u]
    keeper = shlex.split(a.keeper)
    t0 = time.perf_counter()
    for i, u in enumerate(users):
        p = subprocess.run(a.ctl + ["enter", u, "--"] + keeper, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            die(f"alcovectl enter {u} failed (exit {p.returncode}): "
                f"{p.stderr.decode(errors='replace').strip()[-500:]}")
        progress(f"build {len(users)} alcoves", i + 1, len(users))
    dt = time.perf_counter() - t0
    print(json.dumps({"n": len(users), "seconds": round(dt, 3)}))


def smaps_rollup(pid):
    r = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            m = re.match(r"^(\w+):\s+(\d+) kB", line)
            if m:
                r[m.group(1)] = int(m.group(2))
    return r


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cmd_memory(a):
    """One JSON object per alcove: alcove-init's Rss/Pss (kB) and those of the other processes
    in it (the keeper), from /proc/<pid>/smaps_rollup."""
    rows = []
    for uid in a.uids.split(","):
        st = read_state(uid)
        if not st:
            die(f"no state for alcove {uid}")
        pid = int(st["pid"])
        try:
            init = smaps_rollup(pid)
        except OSError as e:
            die(f"alcove {uid}: init (pid {pid}) not readable: {e}")
        rest = {"Rss": 0, "Pss": 0}
        for c in children(pid):
            try:
                s = smaps_rollup(c)
            except OSError:
                continue
            rest["Rss"] += s.get("Rss", 0)
            rest["Pss"] += s.get("Pss", 0)
        rows.append({"uid": uid, "pid": pid, "init_rss_kb": init.get("Rss", 0),
                     "init_pss_kb": init.get("Pss", 0),
                     "init_private_kb": init.get("Private_Clean", 0) +
                     init.get("Private_Dirty", 0),
                     "others_rss_kb": rest["Rss"], "others_pss_kb": rest["Pss"]})
    json.dump(rows, sys.stdout)
    print()


def cmd_meminfo(a):
    r = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":")
            r[k] = int(v.split()[0])
    json.dump(r, sys.stdout)
    print()


STAGE_RE = re.compile(r"alcove \S+ of \S+ (built|joined): (.*)")


def cmd_stages(a):
    """The helper's per-stage timings as it logs them at debug level (alcovectl passes
    ALCOVE_DEBUG on as debug=1, and the helper writes to alcovectl's stderr)."""
    env = dict(os.environ, ALCOVE_DEBUG="1")
    pre = shlex.split(a.prefix) if a.prefix else []
    enter = pre + a.ctl + ["enter", a.user, "--", "/bin/true"]
    stop = pre + a.ctl + ["stop", a.user]
    keeper = pre + a.ctl + ["enter", a.user, "--"] + shlex.split(a.keeper)
    with open(a.out, "a") as out:
        for kind in ("built", "joined"):
            run_quiet(stop, "stop")
            if kind == "joined":
                run_quiet(keeper, "keeper")
            for i in range(a.reps):
                if kind == "built":
                    run_quiet(stop, "stop")
                p = run_quiet(enter, f"stages {kind}", env=env)
                lines = [m for m in map(STAGE_RE.search,
                                        p.stderr.decode(errors="replace").splitlines()) if m]
                if len(lines) != 1 or lines[0].group(1) != kind:
                    die(f"expected one '{kind}' timing line from the helper, got: "
                        f"{p.stderr.decode(errors='replace').strip()[-500:]}")
                for stage, us in re.findall(r"(\w+) (\d+)us", lines[0].group(2)):
                    out.write(f"{a.label}{kind}\t{stage}\t{i}\t{us}\n")
            run_quiet(stop, "stop")


def main():
    if sys.argv[1:] == ["_server"]:
        serve()
        return
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("ab")
    p.add_argument("--out", required=True)
    p.add_argument("--measure", required=True)
    p.add_argument("--reps", type=int, required=True)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--a", required=True, help="the subject's command")
    p.add_argument("--b", required=True, help="the baseline's command")
    p.add_argument("--reset-a", help="untimed, before each A")
    p.add_argument("--reset-b", help="untimed, before each B")
    p.add_argument("--cgroup", help="cgroup v2 dir holding what the commands start")
    p.add_argument("--join", action="store_true", help="start the commands in --cgroup")
    p.add_argument("--policy", help="the live policy file the logins read")
    p.add_argument("--policy-a", help="its content for A (with --policy)")
    p.add_argument("--policy-b", help="its content for B (with --policy)")
    p.set_defaults(fn=cmd_ab)

    p = sub.add_parser("teardown")
    p.add_argument("--out", required=True)
    p.add_argument("--measure", default="teardown")
    p.add_argument("--reps", type=int, required=True)
    p.add_argument("--uid", type=int, required=True, help="the subject's uid (alcove name)")
    p.add_argument("--user", required=True, help="the subject's user name")
    p.add_argument("--build", required=True, help="makes the subject's alcove alive")
    p.add_argument("--a", required=True, help="stops the subject's alcove")
    p.add_argument("--b", required=True, help="the same stop for a user without an alcove")
    p.add_argument("--cgroup")
    p.set_defaults(fn=cmd_teardown)

    p = sub.add_parser("build")
    p.add_argument("--users", required=True, help="comma-separated")
    p.add_argument("--keeper", required=True, help="command that keeps an alcove alive")
    p.add_argument("ctl", nargs="+", help="alcovectl and its global options")
    p.set_defaults(fn=cmd_build)

    p = sub.add_parser("memory")
    p.add_argument("--uids", required=True, help="comma-separated alcove names (uids)")
    p.set_defaults(fn=cmd_memory)

    p = sub.add_parser("meminfo")
    p.set_defaults(fn=cmd_meminfo)

    p = sub.add_parser("stages")
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--keeper", required=True)
    p.add_argument("--prefix", help="runs alcovectl through this (e.g. into a container)")
    p.add_argument("--label", default="", help="prefix of the kind column")
    p.add_argument("ctl", nargs="+", help="alcovectl and its global options")
    p.set_defaults(fn=cmd_stages)

    a = ap.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
