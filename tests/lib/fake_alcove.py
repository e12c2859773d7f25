#!/usr/bin/python3
# A stand-in for an alcove, for testing the lobby alone: a process that is PID 1 of its own
# PID ns, in a mount ns owned by a fresh user ns (ns 0 = host SUB, ns UID = host UID, ns 5 =
# host 5, as the helper maps them), with a tmpfs on /tmp and a devpts newinstance on /dev/pts.
# /tmp is host root's, 1777, as the helper makes it (the lobby refuses any other): mounted from
# here, in the host's user ns, into the alcove's mount ns.
# Prints the host pid of that PID 1 once it is ready; it stays until killed.
#   fake_alcove.py SUB UID
import ctypes
import os
import subprocess
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000
libc = ctypes.CDLL(None, use_errno=True)


def mount(src, tgt, fstype, flags, data):
    if libc.mount(src.encode(), tgt.encode(), fstype.encode(), flags, data.encode()) < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount {tgt}: {os.strerror(e)}")


def init_main(ready):
    mount("none", "/", "", MS_REC | MS_PRIVATE, "")
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "")
    mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
          "newinstance,ptmxmode=0666,mode=620,gid=5")
    os.write(ready, b"r")
    os.close(ready)
    os.execvp("sleep", ["sleep", "infinity"])


def intermediate(go, out):
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0:
        os._exit(1)
    os.write(out, b"u")
    os.read(go, 1)  # the parent wrote the maps
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    r, w = os.pipe()
    init = os.fork()  # PID 1 of the new PID ns; its host pid is what fork returns here
    if init == 0:
        os.close(r)
        init_main(w)
    os.close(w)
    if os.read(r, 1) != b"r":
        os._exit(1)
    os.write(out, f"{init}\n".encode())
    os.close(out)
    os.waitpid(init, 0)
    os._exit(0)


sub, uid = int(sys.argv[1]), int(sys.argv[2])
go_r, go_w = os.pipe()
out_r, out_w = os.pipe()
child = os.fork()
if child == 0:
    os.close(go_w)
    os.close(out_r)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):  # a caller reading our stdout must see EOF once the pid is printed
        os.dup2(null, fd)
    os.setsid()
    intermediate(go_r, out_w)
os.close(go_r)
os.close(out_w)
if os.read(out_r, 1) != b"u":
    sys.exit("fake_alcove: unshare failed")


def idmap(sub, ident):
    """ns n -> sub+n for 0..65535, except ns `ident` -> host `ident` (user mode's layout)."""
    lines, start = [], 0
    if ident < 65536:
        if ident > 0:
            lines.append(f"0 {sub} {ident}")
        lines.append(f"{ident} {ident} 1")
        if ident < 65535:
            lines.append(f"{ident + 1} {sub + ident + 1} {65535 - ident}")
    else:
        lines += [f"0 {sub} 65536", f"{ident} {ident} 1"]
    return "\n".join(lines) + "\n"


for name, ident in (("uid_map", uid), ("gid_map", 5)):
    with open(f"/proc/{child}/{name}", "w") as m:
        m.write(idmap(sub, ident))  # one write, as the helper does
os.write(go_w, b"g")
pid = os.read(out_r, 32).decode().strip()
if not pid:
    sys.exit("fake_alcove: init failed")
subprocess.run(["nsenter", f"--mount=/proc/{pid}/ns/mnt", "sh", "-c",
                "mount -t tmpfs -o mode=1777,nosuid,nodev alcove-tmp /tmp && "
                "echo inside >/tmp/alcove-marker"], check=True, stdout=subprocess.DEVNULL)
print(pid)
