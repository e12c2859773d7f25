#!/usr/bin/python3
# The control protocol of docs/INTERNALS.md spoken from python, for tests: well-formed
# requests (HOLD, RELEASE, STOP, STATUS) and deliberately malformed ones.
#
#   alcove_proto.py SOCKET status              -> "sessions=N holds=N processes=N[ stopping]"
#   alcove_proto.py SOCKET hold ID PID         -> "ok" or "error ERRNO MESSAGE"
#   alcove_proto.py SOCKET release ID | stop
#   alcove_proto.py SOCKET garbage KIND        -> "closed" if init dropped the connection
#   alcove_proto.py SOCKET connect             -> "closed" or "open" (peer credential check)
#   alcove_proto.py --ids=R:E:F:G SOCKET ...   the same as real uid R, effective uid E, file
#                                             system uid F, gid G (no supplementary groups)
# A connect() that fails prints "connect ERRNO-NAME" (connect EACCES).
import ctypes, errno, os, socket, struct, sys

MAGIC, VERSION = 0x56434C41, 1
ENTER, STARTED, ERROR, EXITED, SIGNAL, HOLD, RELEASE, STOP, STATUS, STATUS_REPLY, OK = range(1, 12)


def packet(type_, payload=b"", version=VERSION, magic=MAGIC, length=None):
    n = len(payload) if length is None else length
    return struct.pack("=IHHII", magic, version, type_, n, 0) + payload


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    try:
        s.connect(path)
    except OSError as e:
        print("connect", errno.errorcode.get(e.errno, e.errno))
        sys.exit(0)
    return s


def become(ids):
    # The kernel checks a socket file's permission with the fs uid, but SO_PEERCRED reports
    # the effective uid: a process may pass as one id and present another.
    r, e, f, g = (int(x) for x in ids.split(":"))
    libc = ctypes.CDLL(None, use_errno=True)
    os.setgroups([])
    os.setresgid(g, g, g)
    os.setresuid(r, e, e)
    libc.setfsuid(f)
    if libc.setfsuid(-1) != f or os.geteuid() != e:
        sys.exit(f"cannot take the ids {ids}")


def answer(s):
    data = s.recv(1 << 17)
    if not data:
        return "closed"
    _, _, t, n, _ = struct.unpack("=IHHII", data[:16])
    p = data[16:]
    if t == OK:
        return "ok"
    if t == ERROR:
        err, = struct.unpack("=i", p[:4])
        return f"error {err} {p[4:].rstrip(bytes(1)).decode()}"
    if t == STATUS_REPLY:
        # 24 bytes, or 32 with the last activity appended (common/proto.h): the counts only
        se, ho, pr, fl, st = struct.unpack("=IIIIQ", p[:24])
        return f"sessions={se} holds={ho} processes={pr}" + (" stopping" if fl & 1 else "")
    return f"type {t}"


def enter_payload(argv, env=(), path=b"/bin/sh", cwd=b"/", argc=None, envc=None):
    body = path + b"\0" + cwd + b"\0" + b"".join(a + b"\0" for a in list(argv) + list(env))
    # flags, argc, envc, umask 022, no resource limits (the session keeps init's)
    return struct.pack("=IIIII", 0, len(argv) if argc is None else argc,
                       len(env) if envc is None else envc, 0o022, 0) + body


def garbage(s, kind):
    fds = []
    if kind == "text":
        data = b"hello, init\n"
    elif kind == "magic":
        data = packet(STATUS, magic=0x41414141)
    elif kind == "version":
        data = packet(STATUS, version=2)
    elif kind == "length":
        data = packet(STATUS, b"xx", length=1)
    elif kind == "oversized":
        data = packet(ENTER, b"\0" * (200 * 1024))
    elif kind == "argc":  # a count that lies
        data = packet(ENTER, enter_payload([b"sh"], argc=4000))
        fds = [0, 1, 2]
    elif kind == "nonul":
        data = packet(ENTER, enter_payload([b"sh"])[:-1] + b"x")
        fds = [0, 1, 2]
    elif kind == "fds":  # ENTER with one fd instead of three
        data = packet(ENTER, enter_payload([b"sh"]))
        fds = [0]
    elif kind == "answer":  # an answer type sent to init
        data = packet(OK)
    elif kind == "newline":  # a path that fails to exec, with a forged log line in it
        data = packet(ENTER, enter_payload([b"sh"], path=b"/nonexistent\nalcove-init: forged"))
        fds = [0, 1, 2]
    else:
        sys.exit(f"unknown garbage {kind}")
    socket.send_fds(s, [data], fds) if fds else s.send(data)
    s.settimeout(10)
    try:
        return answer(s)
    except ConnectionResetError:
        return "closed"


def main():
    argv = sys.argv[1:]
    if argv[0].startswith("--ids="):
        become(argv.pop(0)[len("--ids="):])
    path, verb, args = argv[0], argv[1], argv[2:]
    s = connect(path)
    if verb == "status":
        s.send(packet(STATUS))
    elif verb == "stop":
        s.send(packet(STOP))
    elif verb == "release":
        s.send(packet(RELEASE, args[0].encode() + b"\0"))
    elif verb == "hold":
        fd = os.pidfd_open(int(args[1]))
        socket.send_fds(s, [packet(HOLD, args[0].encode() + b"\0")], [fd])
        os.close(fd)
    elif verb == "garbage":
        print(garbage(s, args[0]))
        return
    elif verb == "connect":
        s.settimeout(10)
        try:
            s.send(packet(STATUS))
            print("open" if answer(s) != "closed" else "closed")
        except (ConnectionResetError, BrokenPipeError):
            print("closed")
        return
    else:
        sys.exit(f"unknown verb {verb}")
    s.settimeout(10)
    try:
        print(answer(s))
    except (ConnectionResetError, BrokenPipeError):
        print("closed")


if __name__ == "__main__":
    main()
