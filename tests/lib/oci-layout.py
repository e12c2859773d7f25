#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Builds OCI image layouts for tests/integration/90, 91 and tests/bench/oci.sh without any
network or image tool.

  oci-layout.py tar OUT.tar KIND [ARG]   a layer tar: "tree DIR" (DIR's files, owned by root),
                                         "whiteout PATH", "opaque DIR FILE", "random DIR N
                                         SIZE" (N files of SIZE random bytes: the bench's
                                         incompressible layers), "implicit", "bomb" or
                                         a hostile kind
  oci-layout.py layout DIR TAR...        an OCI layout in DIR (base layer first), gzip layers
  oci-layout.py baddiff DIR TAR...       the same, its config's rootfs.diff_ids all wrong
  oci-layout.py hostilecfg DIR TAR...    the same, its config's labels and Entrypoint hostile
  oci-layout.py corrupt DIR              the top layer's blob recompressed (digest mismatch)
  oci-layout.py top-blob DIR             prints the path of the top layer's blob

The JSON is written here, small and explicit (image-spec: image-layout.md, manifest.md).
"""
import gzip, hashlib, io, json, os, sys, tarfile


def info(name, kind=tarfile.REGTYPE, size=0, mode=0o644, **kw):
    t = tarfile.TarInfo(name)
    t.type, t.size, t.mode, t.uid, t.gid, t.mtime = kind, size, mode, 0, 0, 1700000000
    for k, v in kw.items():
        setattr(t, k, v)
    return t


def add_file(tar, name, data=b"x\n", mode=0o644):
    tar.addfile(info(name, size=len(data), mode=mode), io.BytesIO(data))


def tree(tar, top):
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        arc = "." if rel == "." else "./" + rel
        st = os.lstat(root)
        tar.addfile(info(arc, tarfile.DIRTYPE, mode=st.st_mode & 0o7777))
        for f in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            p = os.path.join(root, f)
            st = os.lstat(p)
            if os.path.islink(p):
                tar.addfile(info(arc + "/" + f, tarfile.SYMTYPE, linkname=os.readlink(p)))
            else:
                with open(p, "rb") as fh:
                    tar.addfile(info(arc + "/" + f, size=st.st_size, mode=st.st_mode & 0o7777), fh)


def hostile(tar, kind):
    d = tarfile.DIRTYPE
    if kind == "abs":
        add_file(tar, "/etc/alcove-oci-abs")
    elif kind == "dotdot":
        tar.addfile(info("./etc", d, mode=0o755))
        add_file(tar, "./etc/../../alcove-oci-dotdot")
    elif kind == "symlink":
        tar.addfile(info("./escape", tarfile.SYMTYPE, linkname="/tmp"))
        add_file(tar, "./escape/alcove-oci-symlink")
    elif kind == "hardlink-out":
        tar.addfile(info("./passwd", tarfile.LNKTYPE, linkname="../../../../etc/passwd"))
    elif kind == "hardlink-missing":
        tar.addfile(info("./link", tarfile.LNKTYPE, linkname="./not-there"))
    elif kind == "hardlink-symlink":
        tar.addfile(info("./etcdir", tarfile.SYMTYPE, linkname="/etc"))
        tar.addfile(info("./shadow", tarfile.LNKTYPE, linkname="./etcdir/shadow"))
    elif kind == "device":
        tar.addfile(info("./sda", tarfile.BLKTYPE, devmajor=8, devminor=0))
    elif kind == "chardev":
        tar.addfile(info("./mem", tarfile.CHRTYPE, devmajor=1, devminor=1))
    elif kind == "big":
        add_file(tar, "./big", b"y" * 200000)
    elif kind == "many":  # 40 directories: 4 KiB each against the layer's bound
        for i in range(40):
            tar.addfile(info("./d%02d" % i, d, mode=0o755))
    elif kind == "deep":  # 3 files, each under 10 directories no entry lists: each made is charged
        for i in range(3):
            add_file(tar, "./%d/" % i + "a/" * 9 + "f")
    elif kind == "sparse-map":  # a GNU sparse 1.0 map of 15M pairs (~720 MB in libarchive)
        n = 15000000
        body = b"%d\n" % n + b"0\n0\n" * n
        body += b"\0" * (-len(body) % 512)
        t = info("./f", size=len(body))
        t.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                         "GNU.sparse.name": "./f", "GNU.sparse.realsize": "0"}
        tar.addfile(t, io.BytesIO(body))
    elif kind == "escape":  # a terminal escape in a name, shown escaped in the refusal
        tar.addfile(info("./esc\x1b]0;pwned\x07", tarfile.SYMTYPE, linkname="/tmp"))
        add_file(tar, "./esc\x1b]0;pwned\x07/f")
    elif kind == "dir-file":  # a file over a directory of the same layer
        tar.addfile(info("./d", d, mode=0o755))
        add_file(tar, "./d")
    else:
        sys.exit("unknown kind " + kind)


def implicit(tar):
    """tmp/x/file and o/.wh..wh..opq with no entry for tmp, tmp/x, o or the root: directories
    alcove-unpack makes itself; a, b, c each a whiteout and a directory of this layer (either
    order; c's only implicit)."""
    add_file(tar, "./tmp/x/file")
    add_file(tar, "./o/.wh..wh..opq", b"")
    add_file(tar, "./.wh.a", b"")
    tar.addfile(info("./a", tarfile.DIRTYPE, mode=0o755))
    add_file(tar, "./a/new")
    tar.addfile(info("./b", tarfile.DIRTYPE, mode=0o755))
    add_file(tar, "./b/new")
    add_file(tar, "./.wh.b", b"")
    add_file(tar, "./.wh.c", b"")
    add_file(tar, "./c/new")


def make_tar(out, kind, args):
    if kind == "bomb":  # a small tar, then 8 MB of zeros after its end (gzip: some 8 KB)
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
            add_file(tar, "./a")
        with open(out, "ab") as f:
            f.write(bytes(8 << 20))
        return
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        if kind == "tree":
            tree(tar, args[0])
        elif kind == "whiteout":  # hides PATH of a lower layer
            d, b = os.path.split(args[0])
            add_file(tar, os.path.join(d, ".wh." + b), b"")
        elif kind == "opaque":  # DIR hides the lower layers' entries; FILE is new in it
            tar.addfile(info(args[0], tarfile.DIRTYPE, mode=0o755))
            add_file(tar, args[0] + "/.wh..wh..opq", b"")
            add_file(tar, args[0] + "/" + args[1], b"upper\n")
        elif kind == "random":
            tar.addfile(info("./" + args[0], tarfile.DIRTYPE, mode=0o755))
            for i in range(int(args[1])):
                add_file(tar, "./%s/f%04d" % (args[0], i), os.urandom(int(args[2])))
        elif kind == "truncated":
            add_file(tar, "./a", b"z" * 10000)
        elif kind == "implicit":  # parents and whiteouts the tar does not list as directories
            implicit(tar)
        else:
            hostile(tar, kind)
    if kind == "truncated":  # the data of ./a cut short: header plus 2 of its 20 blocks
        with open(out, "r+b") as f:
            f.truncate(3 * 512 + 1024)


def blob(layout, data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", h), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + h, "size": len(data)}


def hostile_config(config):
    """A label with a terminal escape, a label key of 300 bytes, Entrypoint a string that
    would close a JSON array emitted as is."""
    c = config["config"]
    c["Labels"] = {"esc": "\x1b]0;pwned\x07", "k" * 300: "v", "title": "hostile config"}
    c["Entrypoint"] = '"], "injected": ["x'


def make_layout(layout, tars, bad_diff=False, hostile_cfg=False):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    layers, diffs = [], []
    for t in tars:
        raw = open(t, "rb").read()
        diffs.append("sha256:" + hashlib.sha256(raw + (b"x" if bad_diff else b"")).hexdigest())
        d = blob(layout, gzip.compress(raw, mtime=0))
        layers.append(dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **d))
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Labels": {"org.opencontainers.image.title": "alcove test",
                                    "bad": "two\nlines", "big": "x" * 3000},
                         "User": "nobody", "WorkingDir": "/srv",
                         "Env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
                         "Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"]},
              "rootfs": {"type": "layers", "diff_ids": diffs}}
    if hostile_cfg:
        hostile_config(config)
    cd = blob(layout, json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cd),
                "layers": layers}
    md = blob(layout, json.dumps(manifest).encode())
    index = {"schemaVersion": 2, "manifests": [dict(
        mediaType="application/vnd.oci.image.manifest.v1+json",
        annotations={"org.opencontainers.image.ref.name": "latest"}, **md)]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def top_blob(layout):
    index = json.load(open(os.path.join(layout, "index.json")))
    mhex = index["manifests"][0]["digest"][7:]
    m = json.load(open(os.path.join(layout, "blobs", "sha256", mhex)))
    return os.path.join(layout, "blobs", "sha256", m["layers"][-1]["digest"][7:])


def corrupt(layout):
    """The top layer's blob, gzipped again with another header mtime: a valid archive of the
    same size whose sha256 is not the one its name and the manifest promise."""
    p = top_blob(layout)
    raw = gzip.decompress(open(p, "rb").read())
    open(p, "wb").write(gzip.compress(raw, mtime=1))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "tar":
        make_tar(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "layout":
        make_layout(sys.argv[2], sys.argv[3:])
    elif cmd == "baddiff":
        make_layout(sys.argv[2], sys.argv[3:], bad_diff=True)
    elif cmd == "hostilecfg":
        make_layout(sys.argv[2], sys.argv[3:], hostile_cfg=True)
    elif cmd == "corrupt":
        corrupt(sys.argv[2])
    elif cmd == "top-blob":
        print(top_blob(sys.argv[2]))
    else:
        sys.exit("usage: see the header")
