#!/usr/bin/python3
# Starts build/alcove-init the way alcove-helper does, without the helper (tests only):
# a root-owned user namespace with the user-mode maps of DESIGN §3 (ns 0 = S, ns U = U,
# others S+n; one write per map), new mount/PID/IPC/UTS namespaces, a new /proc, and the
# listening sockets: control (the user's, 0600) on fd 3, admin (root's, 0600) on fd 5. No
# pivot_root: the alcove sees the host's files, which is all init and alcove-enter need.
# Unlike the helper in user mode, which writes setgroups "deny" (DESIGN §3), it leaves
# "allow", as root mode does: the helper hands the alcove the user's groups at the clone and
# init keeps them (--keep-groups), but this launcher unshares with its own, so the middle
# process drops them and init sets the login's (--groups), both with setgroups(2).
#
#   init_launch.py --user NAME --socket PATH --admin PATH --pidfile FILE [--cgroup DIR]
#                  -- INIT ARGS...
#
# Writes init's host pid to FILE once it runs; exits with init's exit status (or 128+sig).
# --cgroup DIR: DIR (an empty cgroup2 directory) is delegated to ns root, init is started
# in it with a cgroup namespace and /sys/fs/cgroup mounted from it (like the helper's
# systemd scope).
import argparse, ctypes, os, pwd, socket, sys

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x08000000, 0x10000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18

libc = ctypes.CDLL(None, use_errno=True)


def check(r, what):
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def mount(src, tgt, fstype, flags, data=None):
    check(libc.mount(src and src.encode(), tgt.encode(), fstype and fstype.encode(),
                     ctypes.c_ulong(flags), data and data.encode()), f"mount {tgt}")


def subrange(path, name):
    for line in open(path):
        f = line.strip().split(":")
        if f[0] == name and int(f[2]) >= 65536:
            return int(f[1])
    sys.exit(f"init_launch: no range of 65536 for {name} in {path}")


def idmap(ident, sub):
    # ns 0..65535 -> sub+n, except ns ident -> host ident (user mode)
    if ident >= 65536:
        return f"0 {sub} 65536\n{ident} {ident} 1\n"
    lines = [f"0 {sub} {ident}", f"{ident} {ident} 1"]
    if ident + 1 < 65536:
        lines.append(f"{ident + 1} {sub + ident + 1} {65536 - ident - 1}")
    return "\n".join(lines) + "\n"


def delegate(cg, owner_uid, owner_gid):
    for f in ("", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"):
        os.chown(os.path.join(cg, f), owner_uid, owner_gid)


def grandchild(sock, admin, args, cgroup, from_parent):
    # PID 1 of the new PID namespace, ns root, in the new mount namespace. Waits until the
    # launcher has moved it (alone, like the helper's scope) into the delegated cgroup.
    if os.read(from_parent, 1) != b"g":
        os._exit(1)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if cgroup:
        check(libc.unshare(CLONE_NEWCGROUP), "unshare cgroup")
        mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for s, fd in ((sock, 3), (admin, 5)):
        if s.fileno() != fd:
            os.dup2(s.fileno(), fd)
        os.set_inheritable(fd, True)  # dup2 onto itself would leave O_CLOEXEC set
    os.execv(args[0], args)


def middle(sock, admin, args, cgroup, to_parent, from_parent, go):
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS),
          "unshare")
    os.write(to_parent, b"u")
    if os.read(from_parent, 1) != b"m":
        os._exit(1)
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    os.setgroups([])
    pid = os.fork()
    if pid == 0:
        try:
            grandchild(sock, admin, args, cgroup, go)
        finally:
            os._exit(127)
    os.write(to_parent, f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status)
             else 128 + os.WTERMSIG(status))


def listener(path, uid, gid):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    os.chmod(path, 0o600)
    os.chown(path, uid, gid)
    s.listen(64)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--user", required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--cgroup")
    ap.add_argument("init", nargs="+")
    o = ap.parse_args()
    pw = pwd.getpwnam(o.user)
    suid, sgid = subrange("/etc/subuid", o.user), subrange("/etc/subgid", o.user)

    sock = listener(o.socket, pw.pw_uid, pw.pw_gid)
    admin = listener(o.admin, 0, 0)  # above sock: dup2 onto 3, then 5, overwrites neither

    c2p_r, c2p_w = os.pipe()
    p2c_r, p2c_w = os.pipe()
    go_r, go_w = os.pipe()
    mid = os.fork()
    if mid == 0:
        try:
            middle(sock, admin, o.init, o.cgroup, c2p_w, p2c_r, go_r)
        finally:
            os._exit(127)
    sock.close()
    admin.close()
    if os.read(c2p_r, 1) != b"u":
        sys.exit("init_launch: the namespace child failed")
    # Root writes both maps, each in one write; setgroups stays "allow" (see the top).
    with open(f"/proc/{mid}/uid_map", "w") as f:
        f.write(idmap(pw.pw_uid, suid))
    with open(f"/proc/{mid}/gid_map", "w") as f:
        f.write(idmap(pw.pw_gid, sgid))
    os.write(p2c_w, b"m")
    line = b""
    while not line.endswith(b"\n"):
        b = os.read(c2p_r, 32)
        if not b:
            break
        line += b
    if line and o.cgroup:
        delegate(o.cgroup, suid, sgid)
        with open(os.path.join(o.cgroup, "cgroup.procs"), "w") as f:
            f.write(line.decode().strip())
    os.write(go_w, b"g")
    if line:
        with open(o.pidfile + ".new", "w") as f:
            f.write(line.decode())
        os.rename(o.pidfile + ".new", o.pidfile)
    _, status = os.waitpid(mid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
