#!/bin/bash
# OCI images (issue 16): layers unpacked once per digest into /var/lib/alcove/oci/layers, each
# blob verified; hostile layers refused with nothing written outside the store and no .partial
# left; two images sharing a layer store it once; an interrupted unpack or pull is retried
# cleanly; rm keeps the layers; a pull from a real registry on 127.0.0.1; image = "NAME" in a real
# alcove honours whiteouts (also an image built with umoci); prune keeps what images and running
# alcoves use. Images are built here (tests/lib/oci-layout.py, umoci, skopeo), no network.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

OCI=/var/lib/alcove/oci
# Debian's python3 by path: a python3 found first on PATH may be a slow shim (pyenv: ~2 s a run)
PY=/usr/bin/python3
mk() { "$PY" "$ALCOVE_SRC/tests/lib/oci-layout.py" "$@"; }
UNPACK=$BUILD/tests/oci-unpack
[ -x "$UNPACK" ] || fail "$UNPACK missing: make $UNPACK"
[ -x /usr/bin/skopeo ] || fail "skopeo missing (tests/install-deps.sh)"
[ -x /usr/bin/docker-registry ] || fail "docker-registry missing (tests/install-deps.sh)"
W=$(mktemp -d /run/alcove-tests/90-oci.XXXXXX)
on_exit "rm -rf $W"
# The images of this test, and the layers it added to the store (those present before stay).
ls "$OCI/layers" >"$W/layers-before" 2>/dev/null
cleanup_oci() {
	local i
	for i in alcoi-a alcoi-b alcoi-bad alcoi-int alcoi-c alcoi-reg alcoi-oa alcoi-da alcoi-u alcoi-big alcoi-h alcoi-r alcoi-x; do "$ALCOVECTL" image rm "$i"; done
	for i in $(ls "$OCI/layers" | grep -vxF -f "$W/layers-before"); do rm -rf "${OCI:?}/layers/$i"; done
}
on_exit cleanup_oci

# --- a base layer and two upper layers: a whiteout, an opaque directory ---
mkdir -p "$W/base/etc" "$W/base/opt/d" "$W/base/bin"
echo hello >"$W/base/etc/motd"
echo keep >"$W/base/etc/keep"
echo lower >"$W/base/opt/d/old"
mk tar "$W/base.tar" tree "$W/base" || fail "base.tar"
mk tar "$W/wh.tar" whiteout ./etc/motd || fail "wh.tar"
mk tar "$W/opq.tar" opaque ./opt/d new || fail "opq.tar"
mk layout "$W/A" "$W/base.tar" "$W/wh.tar" || fail "layout A"
mk layout "$W/B" "$W/base.tar" "$W/opq.tar" || fail "layout B"

# --- hostile layers: each refused, naming the layer and the entry; nothing outside the store ---
mkdir "$W/store"
# tars this test makes itself (tests/lib/oci-layout.py is shared with 91 and the bench): KIND
# "files" (N empty files), "zeros" (one file of N zero bytes), "too-deep" (a file 300
# directories down), "root-opaque" (the layer's root made opaque), "link-whiteout" (x, then
# .wh.foo, then x a hard link to foo)
own_tar() { # OUT KIND [N]
	"$PY" - "$@" <<'PYEOF' || fail "tar $2"
import io, sys, tarfile
out, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0
def add(tar, name, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.size, t.mode, t.mtime = len(data), 0o644, 1700000000
    for k, v in kw.items():
        setattr(t, k, v)
    tar.addfile(t, io.BytesIO(data))
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    if kind == "files":
        for i in range(n):
            add(tar, "./f%03d" % i)
    elif kind == "zeros":
        add(tar, "./zeros", bytes(n))
    elif kind == "too-deep":
        add(tar, "./" + "a/" * 300 + "f", b"x")
    elif kind == "root-opaque":
        add(tar, "./.wh..wh..opq")
    elif kind == "link-whiteout":
        add(tar, "./x", b"x")
        add(tar, "./.wh.foo")
        add(tar, "./x", type=tarfile.LNKTYPE, linkname="./foo")
    else:
        sys.exit("unknown kind " + kind)
PYEOF
}
relayout() { # DIR MODE: the layout's config and manifest (and index) rewritten: "bigrecord"
	# (200 Env entries, 60 labels), "twice" (its one layer named twice, with two diff_ids)
	"$PY" - "$@" <<'PYEOF' || fail "relayout $*"
import hashlib, json, os, sys
d, mode = sys.argv[1], sys.argv[2]
blobs = os.path.join(d, "blobs", "sha256")
def load(desc):
    return json.load(open(os.path.join(blobs, desc["digest"][7:])))
def put(obj, desc):
    data = json.dumps(obj).encode()
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    desc.update(digest="sha256:" + h, size=len(data))
index = json.load(open(os.path.join(d, "index.json")))
m = load(index["manifests"][0])
c = load(m["config"])
if mode == "bigrecord":
    c["config"]["Env"] = ["E%03d=x" % i for i in range(200)]
    c["config"]["Labels"] = {"l%02d" % i: "v" for i in range(60)}
elif mode == "twice":
    m["layers"] *= 2
    c["rootfs"]["diff_ids"] = [c["rootfs"]["diff_ids"][0], "sha256:" + "0" * 64]
put(c, m["config"])
put(m, index["manifests"][0])
json.dump(index, open(os.path.join(d, "index.json"), "w"))
PYEOF
}
check_refused() { # kind expected-message [max-bytes]: the tar made here unless there is one
	local out
	[ -e "$W/$1.tar" ] || mk tar "$W/$1.tar" "$1" || fail "tar $1"
	mk layout "$W/L-$1" "$W/$1.tar" || fail "layout $1"
	out=$("$UNPACK" "$W/L-$1" "$W/store" "${3:-100000}" 2>&1) && fail "$1: the layer was unpacked: $out"
	assert_contains "$out" "$2" "hostile layer '$1' refused: $2"
	case $out in *$'\e'*) fail "$1: the refusal holds a raw terminal escape: $out" ;; esac
	[ -z "$(ls -A "$W/store")" ] || fail "$1: the store is not empty after the refusal: $(ls -A "$W/store")"
}
check_refused abs "entry '/etc/alcove-oci-abs': an absolute path"
check_refused dotdot "entry './etc/../../alcove-oci-dotdot': a \"..\" component"
check_refused symlink "entry './escape/alcove-oci-symlink': a path through a symlink"
check_refused hardlink-out "entry './passwd': a hard link to '../../../../etc/passwd': a \"..\" component"
check_refused hardlink-missing "entry './link': a hard link to './not-there', which the layer does not hold (yet)"
check_refused hardlink-symlink "entry './shadow': a hard link to './etcdir/shadow': a path through a symlink"
check_refused device "entry './sda': a device node or socket"
check_refused chardev "entry './mem': a device node (1:1); only whiteouts (0:0) are allowed"
check_refused big "entry './big': 200000 bytes: the layer exceeds its bound of 100000 bytes"
check_refused truncated "entry './a': a truncated or corrupt archive"
# directories, symlinks and whiteouts count 4 KiB each against the bound (the 25th of 4096)
check_refused many "entry './d24/': the layer exceeds its bound of 100000 bytes"
# directories made for a path's missing parents count too (24 charges: the third file's)
check_refused deep "entry './2/a/a/a/a/a/a/a/a/a/f': the layer exceeds its bound of 100000 bytes"
# a header whose parsing would take more memory than the unpack's 512 MiB address space (a GNU
# sparse map of 15M pairs, 59 KB gzipped: ~720 MB in libarchive, before any entry is ours)
check_refused sparse-map "a truncated or corrupt archive: Out of memory"
# a path of more than 256 components (each entry's parent is opened from the layer's root: 5000
# files 2000 directories down took 3 s), refused whatever the size bound (its name is shown cut)
own_tar "$W/too-deep.tar" too-deep
check_refused too-deep "/a/a/...': a path of more than 256 components" 1000000000
# an opaque root, which the image spec reads as "hide every lower layer" and overlayfs ignores
own_tar "$W/root-opaque.tar" root-opaque
check_refused root-opaque "entry './.wh..wh..opq': an opaque whiteout of the layer's root (overlayfs ignores it: the lower layers would show through)"
# a hard link to a whiteout (it replaced the layer's own x with one) or any device
own_tar "$W/link-whiteout.tar" link-whiteout
check_refused link-whiteout "entry './x': a hard link to './foo', a whiteout: only files, symlinks and fifos are linked"
check_refused dir-file "entry './d': a non-directory over a directory of the same layer"
# a name with a terminal escape is shown escaped, never raw on the admin's terminal
check_refused escape "entry './esc\x1b]0;pwned\x07/f': a path through a symlink"
# a decompression bomb: a small tar, then 8 MB of zeros after its end (8 KB gzipped); the
# decompressed stream's bound is 1 MB here (80 GiB in a pull)
mk tar "$W/bomb.tar" bomb && mk layout "$W/L-bomb" "$W/bomb.tar" || fail "layout L-bomb"
out=$("$UNPACK" "$W/L-bomb" "$W/store" 100000 1000000 2>&1) && fail "a decompression bomb was unpacked"
assert_contains "$out" "decompresses to more than 1000000 bytes" "a decompression bomb is refused at the bound"
[ -z "$(ls -A "$W/store")" ] || fail "the bomb left $(ls -A "$W/store")"
for f in /etc/alcove-oci-abs /tmp/alcove-oci-symlink "$W/alcove-oci-dotdot" /alcove-oci-dotdot; do
	[ -e "$f" ] && fail "a hostile layer wrote $f"
done
pass "no hostile layer wrote outside the store"
# the store's filesystem keeps 5% of its blocks and of its inodes free (its statvfs before the
# unpack and as it goes): a layer that would take it past that reserve is refused, the .partial
# removed; each layer here fits this 1 MiB tmpfs of 64 inodes whole, all but its reserve
mkdir "$W/small"
mount -t tmpfs -o size=1m,nr_inodes=64,mode=0700 alcoi-small "$W/small" || fail "mount a small tmpfs"
on_exit "umount -l $W/small"
reserve_refused() { # KIND N ENTRY WHAT
	own_tar "$W/$1.tar" "$1" "$2" && mk layout "$W/L-$1" "$W/$1.tar" || fail "layout $1"
	out=$("$UNPACK" "$W/L-$1" "$W/small" 2>&1) && fail "$4: the layer was unpacked: $out"
	assert_contains "$out" "$3refusing to fill the filesystem past its reserve: 5% of its size and inodes stay free (" "$4"
	[ -z "$(ls -A "$W/small")" ] || fail "$4: the refusal left $(ls -A "$W/small")"
}
reserve_refused files 61 "entry './f059': " "a layer that would leave less than 5% of the inodes free is refused"
reserve_refused zeros 1020000 "entry './zeros': " "a layer that would leave less than 5% of the blocks free is refused"
# already past it: refused before the first entry
own_tar "$W/one.tar" files 1 && mk layout "$W/L-one" "$W/one.tar" || fail "layout L-one"
head -c 1000000 /dev/zero >"$W/small/filler"
out=$("$UNPACK" "$W/L-one" "$W/small" 2>&1) && fail "a layer was unpacked into a filesystem past its reserve"
assert_contains "$out" "$(basename "$(mk top-blob "$W/L-one")"): refusing to fill the filesystem past its reserve" \
	"a filesystem past its reserve refuses the layer before its first entry"
rm "$W/small/filler"
[ -z "$(ls -A "$W/small")" ] || fail "the refusal before the first entry left $(ls -A "$W/small")"
# a manifest naming one blob twice, its config giving it two diff_ids: a blob is unpacked and
# checked once, against the first
mk layout "$W/L-twice" "$W/one.tar" && relayout "$W/L-twice" twice
out=$("$UNPACK" "$W/L-twice" "$W/store" 2>&1) && fail "a blob named twice with two diff_ids was unpacked: $out"
assert_contains "$out" "layers 0 and 1 are the same blob sha256:$(basename "$(mk top-blob "$W/L-twice")"), rootfs.diff_ids gives them sha256:$(sha256sum <"$W/one.tar" | cut -c1-64) and sha256:$(printf '0%.0s' {1..64})" \
	"a blob named twice with two diff_ids is refused, naming both"
[ -z "$(ls -A "$W/store")" ] || fail "the blob named twice left $(ls -A "$W/store")"
mk layout "$W/C" "$W/base.tar" || fail "layout C"
mk corrupt "$W/C"
out=$("$UNPACK" "$W/C" "$W/store" 2>&1) && fail "a blob with the wrong digest was unpacked"
assert_contains "$out" "digest mismatch (content is sha256:" "a blob whose sha256 is not its digest is refused"
[ -z "$(ls -A "$W/store")" ] || fail "digest mismatch left $(ls -A "$W/store")"

# --- alcove-unpack itself, under the admin's umask 077: the directories it makes for entries the
# tar does not list (parents, an opaque marker's directory, the layer's root) are 0755 all the
# same; a whiteout and a directory of the same name in one layer (either order, or the directory
# only implied by its file) make that directory opaque: the whiteout hid the lower one ---
mk tar "$W/imp.tar" implicit && mk layout "$W/IMP" "$W/imp.tar" || fail "layout IMP"
imp=$(basename "$(mk top-blob "$W/IMP")")
out=$(umask 077 && "$BUILD/alcove-unpack" --layout-fd 3 --layer "$imp" 3<"$W/IMP" 2>&1) ||
	fail "alcove-unpack of the implicit layer: $out"
assert_eq "755 755 755 755 755" "$(cd "$W/IMP/$imp.partial" && echo $(stat -c %a . tmp tmp/x o c))" \
	"under umask 077, the directories alcove-unpack makes itself are 0755"
assert_eq "y y y y" "$($PY -c 'import os,sys; print(*[os.getxattr(sys.argv[1] + "/" + d, "user.overlay.opaque").decode() for d in "oabc"])' "$W/IMP/$imp.partial")" \
	"a directory and a whiteout of its name in one layer: the directory is opaque"
assert_eq "x x x" "$(cd "$W/IMP/$imp.partial" && echo $(cat a/new b/new c/new))" \
	"the whited-out directories hold this layer's files"

# --- alcovectl does not load libarchive nor libcrypto (their start-up cost in every verb):
# alcove-unpack does ---
out=$(ldd "$BUILD/alcovectl") || fail "ldd $BUILD/alcovectl"
assert_contains "$out" "libc.so" "ldd lists alcovectl's libraries"
assert_not_contains "$out" "libarchive" "alcovectl does not link libarchive"
assert_not_contains "$out" "libcrypto" "alcovectl does not link libcrypto"
out=$(ldd "$BUILD/alcove-unpack") || fail "ldd $BUILD/alcove-unpack"
assert_contains "$out" "libarchive" "alcove-unpack links libarchive"

# --- through alcovectl: a hostile image leaves no record, no layer, no pull directory ---
out=$(actl image pull "oci:$W/L-symlink:latest" alcoi-bad 2>&1) && fail "pull of a hostile image worked"
assert_contains "$out" "Failed to pull image alcoi-bad: layer sha256:" "pull names the image and the layer"
assert_contains "$out" "entry './escape/alcove-oci-symlink': a path through a symlink" "pull names the entry"
[ -e "$OCI/images/alcoi-bad" ] && fail "a refused pull left an image record"
ls "$OCI" "$OCI/layers" | grep -E '^pull\.|\.partial$' && fail "a refused pull left a pull dir or a .partial"
pass "a refused pull leaves no record, no pull directory, no .partial"
# alcove-unpack missing: the pull says which program it could not run, and leaves nothing
out=$(ALCOVE_UNPACK=$W/no-unpack actl image pull "oci:$W/A:latest" alcoi-bad 2>&1) &&
	fail "a pull without alcove-unpack worked"
assert_contains "$out" "Failed to pull image alcoi-bad: run $W/no-unpack: No such file or directory" \
	"a pull without alcove-unpack names it"
out=$(cd "$W" && ALCOVE_UNPACK=no-unpack actl image pull "oci:$W/A:latest" alcoi-bad 2>&1) &&
	fail "a pull with a relative ALCOVE_UNPACK worked"
assert_contains "$out" "Failed to pull image alcoi-bad: run 'no-unpack' (ALCOVE_UNPACK): not an absolute path" \
	"a relative ALCOVE_UNPACK is refused, not looked up in the working directory"
ls "$OCI" "$OCI/layers" | grep -E '^pull\.|\.partial$' && fail "a pull without alcove-unpack left a pull dir"
# whatever alcove-unpack says (it parses hostile tars and JSON) reaches the terminal escaped
printf '#!/bin/sh\nprintf "alcove-unpack: entry \\047x\\033[2J\\047: odd\\n"\nexit 22\n' >"$W/esc-unpack"
chmod +x "$W/esc-unpack"
out=$(ALCOVE_UNPACK=$W/esc-unpack actl image pull "oci:$W/A:latest" alcoi-bad 2>&1) &&
	fail "a pull whose alcove-unpack failed worked"
assert_contains "$out" "Failed to pull image alcoi-bad: entry 'x\x1b[2J': odd" \
	"a line of alcove-unpack with a terminal escape is shown escaped"
# a hostile top layer over a good base this pull unpacks first: the base goes too
mkdir -p "$W/fresh/etc" && echo "$W" >"$W/fresh/etc/fresh"
mk tar "$W/fresh.tar" tree "$W/fresh" || fail "fresh.tar"
mk layout "$W/L-two" "$W/fresh.tar" "$W/symlink.tar" || fail "layout L-two"
ls "$OCI/layers" >"$W/layers-pre"
out=$(actl image pull "oci:$W/L-two:latest" alcoi-bad 2>&1) && fail "pull of a hostile two-layer image worked"
assert_contains "$out" "entry './escape/alcove-oci-symlink': a path through a symlink" \
	"the two-layer pull is refused for its hostile top layer"
assert_eq "$(cat "$W/layers-pre")" "$(ls "$OCI/layers")" \
	"a refused pull removes the layers it made: the store is as before the pull"

# a layer whose uncompressed content is not what the config's rootfs.diff_ids says
mk baddiff "$W/L-diff" "$W/fresh.tar" || fail "layout L-diff"
out=$(actl image pull "oci:$W/L-diff:latest" alcoi-bad 2>&1) && fail "pull of an image with wrong diff_ids worked"
assert_contains "$out" "uncompressed it is sha256:$(sha256sum <"$W/fresh.tar" | cut -c1-64), the config's rootfs.diff_ids says sha256:" \
	"a layer that does not match the config's diff_id is refused, naming both digests"
assert_eq "$(cat "$W/layers-pre")" "$(ls "$OCI/layers")" "a diff_id mismatch stores nothing"

# a record that cannot be written leaves no layer of the pull behind, as any refused pull: here
# past the pull's file size limit (4 KiB; SIGXFSZ ignored), which its record of 200 Env entries
# exceeds and skopeo's blobs do not
mk layout "$W/REC" "$W/one.tar" && relayout "$W/REC" bigrecord
out=$(trap '' XFSZ && ulimit -f 4 && "$ALCOVECTL" image pull "oci:$W/REC:latest" alcoi-x 2>&1) &&
	fail "a pull whose record could not be written worked: $out"
# the write's own errno (a short write, then EFBIG), not whatever an earlier call left
assert_contains "$out" "Failed to write $OCI/images/alcoi-x: File too large" \
	"a pull says why it could not write the record"
assert_eq "$(cat "$W/layers-pre")" "$(ls "$OCI/layers")" \
	"a pull whose record could not be written removes the layers it placed"
[ -e "$OCI/images/alcoi-x" ] && fail "a pull whose record could not be written left one"

# --- two images sharing the base layer: stored once; a record's temporary file a killed pull
# left goes with the next pull ---
touch "$OCI/images/.alcoi-killed.tmp"
actl image pull "oci:$W/A:latest" alcoi-a >/dev/null 2>"$W/pull.err" || fail "pull A: $(cat "$W/pull.err")"
actl image pull "oci:$W/B:latest" alcoi-b >/dev/null 2>"$W/pull.err" || fail "pull B: $(cat "$W/pull.err")"
# an alcove's directory without a layers file (one of directory images only): inspect reads on
mkdir -p /run/alcove/alcoi-nolayers && on_exit "rmdir /run/alcove/alcoi-nolayers"
out=$(actl image inspect alcoi-a 2>&1) || fail "inspect with an alcove of no OCI layers running: $out"
base=$(actl image inspect alcoi-a --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
baseb=$(actl image inspect alcoi-b --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
assert_eq "$base" "$baseb" "both images name the same base layer"
assert_contains "$(cat "$W/pull.err")" "layer sha256:${base:0:12}: already stored" "the second pull does not unpack the shared layer again"
[ "$(ls "$OCI/layers" | grep -c "^$base")" = 1 ] || fail "the base layer is not stored exactly once"
[ -e "$OCI/images/.alcoi-killed.tmp" ] && fail "a pull left the temporary record of a killed one"
assert_eq "hello" "$(cat "$OCI/layers/$base/etc/motd")" "the base layer holds its files"

# --- the archive transports: oci-archive keeps the blobs (same manifest, same layers);
# docker-archive holds uncompressed layers that skopeo compresses anew (new digests, same files)
skopeo copy -q "oci:$W/A:latest" "oci-archive:$W/a.tar" || fail "skopeo copy to oci-archive"
skopeo copy -q "oci:$W/A:latest" "docker-archive:$W/d.tar:alcoi/a:1" || fail "skopeo copy to docker-archive"
actl image pull "oci-archive:$W/a.tar" alcoi-oa >/dev/null 2>"$W/pull.err" || fail "pull oci-archive: $(cat "$W/pull.err")"
actl image pull "docker-archive:$W/d.tar" alcoi-da >/dev/null 2>"$W/pull.err" || fail "pull docker-archive: $(cat "$W/pull.err")"
digests() { actl image inspect "$1" --json | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["digest"], *[l["digest"] for l in d["layers"]])'; }
assert_eq "$(digests alcoi-a)" "$(digests alcoi-oa)" "an oci-archive: pull is the same manifest and layers as the oci: one"
da=$(actl image inspect alcoi-da --json | $PY -c 'import json,sys; print(*[l["digest"][7:] for l in json.load(sys.stdin)["layers"]])')
set -- $da
[ $# = 2 ] || fail "docker-archive: $# layers, not 2"
diff -r --no-dereference "$OCI/layers/$base" "$OCI/layers/$1" || fail "the docker-archive base layer holds other files"
assert_eq "character special file 0:0" "$(stat -c '%F %t:%T' "$OCI/layers/$2/etc/motd")" \
	"a docker-archive: pull unpacks the same files (its whiteout too)"
assert_eq "700" "$(stat -c %a "$OCI")" "the store is root 0700 (setuid files of images stay out of reach)"
top=$(actl image inspect alcoi-a --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][1]["digest"][7:])')
assert_eq "character special file 0:0" "$(stat -c '%F %t:%T' "$OCI/layers/$top/etc/motd")" \
	"an OCI whiteout is an overlay whiteout (char device 0/0)"
topb=$(actl image inspect alcoi-b --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][1]["digest"][7:])')
assert_eq "b'y'" "$($PY -c "import os; print(os.getxattr('$OCI/layers/$topb/opt/d', 'user.overlay.opaque'))")" \
	"an opaque whiteout is user.overlay.opaque=y (what overlayfs reads with userxattr)"
out=$(actl image inspect alcoi-a)
assert_contains "$out" "  org.opencontainers.image.title=alcove test" "inspect shows the config's labels"
assert_contains "$out" "config:  not used by logins (the user's shell, in their home)
  User=nobody
  WorkingDir=/srv
  Env=PATH=/usr/bin:/bin
  Env=LANG=C.UTF-8
  Entrypoint=[\"/bin/sh\",\"-c\"]
  Cmd=[\"echo hi\"]" "inspect shows the image config and that logins use none of it"
assert_contains "$out" "left out: some labels or config entries" \
	"inspect says the labels that do not fit the record (3000 bytes) or hold a newline are left out"
js=$(actl image inspect alcoi-a --json)
assert_eq "[] nobody /srv ['PATH=/usr/bin:/bin', 'LANG=C.UTF-8'] ['/bin/sh', '-c'] ['echo hi'] True" \
	"$($PY -c 'import json,sys; d=json.load(sys.stdin); c=d["config"]; print(c["used_by_logins"], c["User"], c["WorkingDir"], c["Env"], c["Entrypoint"], c["Cmd"], d["left_out"])' <<<"$js")" \
	"inspect --json shows the image config and what was left out"
assert_eq "alcove test" "$(actl image inspect alcoi-a --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["labels"]["org.opencontainers.image.title"])')" \
	"inspect --json shows the labels"
out=$(actl image list)
assert_contains "$out" "alcoi-a" "image list shows the image"
actl image list --json | $PY -c 'import json,sys; d=json.load(sys.stdin); assert any(i["name"]=="alcoi-b" and i["layers"]==2 for i in d["images"])' ||
	fail "image list --json"
pass "image list --json"

# --- a config's hostile parts: a label key of 300 bytes (the record keeps keys under 256) is
# left out, not the pull refused; inspect shows a label's terminal escape escaped; Entrypoint a
# JSON string, not an array, is no JSON of its own in inspect --json ---
mk hostilecfg "$W/H" "$W/wh.tar" || fail "layout H"
actl image pull "oci:$W/H:latest" alcoi-h >/dev/null 2>"$W/pull.err" ||
	fail "pull of an image with a label key of 300 bytes: $(cat "$W/pull.err")"
out=$(actl image inspect alcoi-h)
assert_contains "$out" '  esc=\x1b]0;pwned\x07' "inspect shows a label's terminal escape escaped"
case $out in *$'\e'*) fail "inspect printed a raw terminal escape" ;; esac
assert_contains "$out" "  title=hostile config" "inspect keeps a label's spaces"
assert_contains "$out" "left out: some labels or config entries" "inspect says a label was left out"
assert_eq "['\"], \"injected\": [\"x'] False" \
	"$(actl image inspect alcoi-h --json | $PY -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c["Entrypoint"], "injected" in c)')" \
	"an Entrypoint string is a one-element array in inspect --json, which parses"
actl image rm alcoi-h >/dev/null

# --- a layer pruned between the pull's look at the store and its placing is unpacked again
# without the store's lock (a login waits for it up to 30 s): alcove-unpack, wrapped, logs
# whether the lock was free each time it ran, and while the pull unpacks its new top layer
# removes the stored base layer, as a prune of the last image naming it would ---
mk layout "$W/R" "$W/base.tar" "$W/fresh.tar" || fail "layout R"
rtop=$(basename "$(mk top-blob "$W/R")")
cat >"$W/wrap-unpack" <<EOS
#!/bin/sh
if /usr/bin/flock -n $OCI/lock /bin/true; then echo "\$* free"; else echo "\$* held"; fi >>$W/unpack.log
case "\$*" in *"--layer $rtop") /bin/rm -rf $OCI/layers/$base ;; esac
exec $BUILD/alcove-unpack "\$@"
EOS
chmod +x "$W/wrap-unpack"
ALCOVE_UNPACK=$W/wrap-unpack actl image pull "oci:$W/R:latest" alcoi-r >/dev/null 2>"$W/pull.err" ||
	fail "the pull whose base layer was removed meanwhile: $(cat "$W/pull.err")"
assert_contains "$(cat "$W/unpack.log")" "--layer $base free" "the layer removed meanwhile is unpacked again"
assert_not_contains "$(cat "$W/unpack.log")" "held" "no layer is unpacked under the store's exclusive lock"
assert_eq "hello" "$(cat "$OCI/layers/$base/etc/motd")" "the layer removed meanwhile is stored again"
actl image rm alcoi-r >/dev/null

# --- an interrupted unpack (killed while reading the blob) is retried from scratch ---
cp -a "$W/A" "$W/I"
blob=$(mk top-blob "$W/I")
mv "$blob" "$W/real-blob"
mkfifo "$blob"
mkdir "$W/store2"
setsid "$UNPACK" "$W/I" "$W/store2" >/dev/null 2>&1 &
upid=$!
exec 7>"$blob" # waits for the unpacker to open the blob
head -c 40 "$W/real-blob" >&7
wait_until 50 eval "ls $W/store2 | grep -q '\.partial$'" || fail "no .partial while unpacking"
{ kill -9 "$upid" && wait "$upid"; } 2>/dev/null
exec 7>&-
rm "$blob"
mv "$W/real-blob" "$blob"
out=$("$UNPACK" "$W/I" "$W/store2" 2>&1) || fail "the retried unpack failed: $out"
assert_contains "$out" "new $(basename "$blob")" "the retried unpack makes the layer"
ls "$W/store2" | grep -q '\.partial$' && fail "a .partial remains after the retry"
pass "an unpack killed midway leaves nothing that counts, and the retry completes it"

# --- a pull killed while skopeo copies, then retried ---
cp -a "$W/B" "$W/P"
blob=$(mk top-blob "$W/P")
mv "$blob" "$W/real-blob"
mkfifo "$blob"
setsid "$ALCOVECTL" image pull "oci:$W/P:latest" alcoi-int >/dev/null 2>&1 &
ppid_=$!
exec 7>"$blob" # waits for skopeo to open the blob
wait_until 50 eval "ls $OCI | grep -q '^pull\.'" || fail "no pull directory during the pull"
timeout 20 "$ALCOVECTL" image inspect alcoi-a >/dev/null ||
	fail "image inspect waited for a pull's download (the store's lock is held while skopeo runs)"
pass "the store is not locked while skopeo downloads (builds and inspect go on)"
{ kill -9 -- -"$ppid_" && wait "$ppid_"; } 2>/dev/null
exec 7>&-
rm "$blob"
mv "$W/real-blob" "$blob"
[ -e "$OCI/images/alcoi-int" ] && fail "a killed pull recorded the image"
actl image pull "oci:$W/P:latest" alcoi-int >/dev/null 2>"$W/pull.err" || fail "the retried pull failed: $(cat "$W/pull.err")"
ls "$OCI" "$OCI/layers" | grep -E '^pull\.|\.partial$' && fail "the retried pull left a pull dir or a .partial"
pass "a pull killed while copying leaves no record, and the retry cleans up and completes"

# --- alcovectl killed alone while skopeo copies: skopeo dies with it (PR_SET_PDEATHSIG), not
# downloading on into a directory nobody reads; it held the pull directory's flock (its
# inherited fd 3) until it was gone, and the next pull's clean-up removes the directory ---
cp -a "$W/B" "$W/K"
blob=$(mk top-blob "$W/K")
mv "$blob" "$W/real-blob" && mkfifo "$blob" || fail "a fifo for the killed pull's blob"
setsid "$ALCOVECTL" image pull "oci:$W/K:latest" alcoi-int >/dev/null 2>&1 &
kpid=$!
on_exit "kill -9 -- -$kpid"
exec 7>"$blob" # waits for skopeo to open the blob
pdir=$(compgen -G "$OCI/pull.*") || fail "no pull directory while skopeo copies"
spid=$(pgrep -s "$kpid" -x skopeo) || fail "no skopeo in the pull's session"
{ kill -9 "$kpid" && wait "$kpid"; } 2>/dev/null
# (gone, or a zombie the host's PID 1 has yet to reap)
wait_until 100 sh -c "! ps -o stat= -p $spid | grep -qv '^Z'" ||
	fail "skopeo $spid runs on after its alcovectl was killed: $(ps -o stat=,args= -p "$spid")"
exec 7>&-
flock -n "$pdir" true || fail "the killed pull's directory is still locked"
actl image pull "oci:$W/A:latest" alcoi-a >/dev/null 2>"$W/pull.err" || fail "pull A again: $(cat "$W/pull.err")"
[ -e "$pdir" ] && fail "the pull directory of the killed pull was left"
pass "skopeo dies with a killed alcovectl, and the next pull removes its directory"
rm "$blob" && mv "$W/real-blob" "$blob"

# --- alcovectl killed as alcove-unpack starts: it dies with it from before its exec (armed by
# alcovectl's spawn; its own PR_SET_PDEATHSIG came after the loader, and once alcovectl was gone
# named init), not unpacking the layer on for nobody with the pull directory locked. The wrapper
# kills its parent, alcovectl, then would note that it ran on ---
mkdir -p "$W/orphan/etc" && echo orphan >"$W/orphan/etc/orphan" || fail "the orphan layer's tree"
mk tar "$W/orphan.tar" tree "$W/orphan" && mk layout "$W/O" "$W/orphan.tar" || fail "layout O"
cat >"$W/kill-unpack" <<EOS
#!/bin/sh
case "\$*" in *--layer*) kill -9 \$PPID; sleep 1; touch $W/ran-on ;; esac
exec $BUILD/alcove-unpack "\$@"
EOS
chmod +x "$W/kill-unpack"
ALCOVE_UNPACK=$W/kill-unpack setsid "$ALCOVECTL" image pull "oci:$W/O:latest" alcoi-int >/dev/null 2>&1 &
kpid=$!
wait "$kpid" 2>/dev/null
pdir=$(compgen -G "$OCI/pull.*") || fail "no pull directory of the pull killed as it unpacked"
wait_until 30 flock -n "$pdir" true
[ -e "$W/ran-on" ] && fail "alcove-unpack ran on after its alcovectl was killed"
flock -n "$pdir" true || fail "the pull directory of the pull killed as it unpacked is still locked"
actl image pull "oci:$W/A:latest" alcoi-a >/dev/null 2>"$W/pull.err" || fail "pull A again: $(cat "$W/pull.err")"
[ -e "$pdir" ] && fail "the pull directory of the pull killed as it unpacked was left"
pass "alcove-unpack dies with an alcovectl killed as it starts, and the next pull removes its directory"

# --- rm: the record goes, the layers stay (another image may share them) ---
out=$(actl image rm alcoi-int) || fail "image rm"
assert_contains "$out" "removed image alcoi-int" "image rm"
[ -d "$OCI/layers/$base" ] || fail "image rm removed a layer"
out=$(actl image inspect alcoi-int 2>&1) && fail "inspect of a removed image worked"
assert_contains "$out" "image alcoi-int does not exist" "inspect names a missing image"
assert_fails_with 2 "NAME '.hidden' must be [A-Za-z0-9_.-]+, not starting with '.'" \
	"pull refuses a bad NAME" actl image pull "oci:$W/A:latest" ".hidden"
assert_fails_with 2 "SOURCE '/etc' must be docker://HOST/REPO[:TAG]" \
	"pull refuses an unknown transport" actl image pull "/etc" alcoi-x

# --- a real registry on 127.0.0.1 (Debian's docker-registry): push with skopeo, pull --insecure ---
REG_PORT=5003
cat >"$W/registry.yml" <<REG
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $W/registry
http:
  addr: 127.0.0.1:$REG_PORT
REG
/usr/bin/docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
regpid=$!
on_exit "kill $regpid"
wait_until 100 $PY -c "import socket; socket.create_connection(('127.0.0.1', $REG_PORT))" ||
	fail "docker-registry did not listen on 127.0.0.1:$REG_PORT: $(cat "$W/registry.log")"
skopeo copy --dest-tls-verify=false "oci:$W/A:latest" "docker://127.0.0.1:$REG_PORT/alcoi/a:1" \
	>/dev/null 2>"$W/push.err" || fail "push to the registry: $(cat "$W/push.err")"
out=$(actl image pull "docker://127.0.0.1:$REG_PORT/alcoi/a:1" alcoi-reg 2>&1) &&
	fail "a pull over plain http worked without --insecure"
assert_contains "$out" "Failed to copy docker://127.0.0.1:$REG_PORT/alcoi/a:1 with skopeo" \
	"without --insecure, a plain-http registry is refused (skopeo's TLS check)"
actl image pull --insecure "docker://127.0.0.1:$REG_PORT/alcoi/a:1" alcoi-reg >/dev/null 2>"$W/pull.err" ||
	fail "pull --insecure from the registry: $(cat "$W/pull.err")"
assert_eq "$(actl image inspect alcoi-a --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["digest"])')" \
	"$(actl image inspect alcoi-reg --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["digest"])')" \
	"the image pulled from the registry is the one pushed (same manifest digest)"
assert_contains "$(cat "$W/pull.err")" "layer sha256:${base:0:12}: already stored" \
	"its layers are the ones already stored"

# --- a hostile registry's error text reaches the admin's terminal escaped: skopeo runs on a pipe
# (on a terminal it prints a registry's message raw: a title, a cleared screen, a forged line) ---
out=$($PY - "$ALCOVECTL" <<'PYEOF'
import http.server, os, subprocess, sys, threading
class Hostile(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/v2/":
            body, code = b"{}", 200
        else:
            body, code = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"nope\\u001b]0;PWNED\\u0007\\u001b[2J"}]}', 404
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_HEAD = do_GET
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), Hostile)
threading.Thread(target=srv.serve_forever, daemon=True).start()
master, slave = os.openpty()  # alcovectl's stdout and stderr a terminal, as an admin's
p = subprocess.Popen([sys.argv[1], "image", "pull", "--insecure",
                      "docker://127.0.0.1:%d/x/y:1" % srv.server_port, "alcoi-hostile"],
                     stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
print("rc=%d raw-esc=%d" % (p.wait(), data.count(b"\x1b")))
sys.stdout.write(data.decode("ascii", "replace"))
PYEOF
)
assert_contains "$out" "rc=1 raw-esc=0" \
	"a pull from a hostile registry fails with no raw escape byte on the admin's terminal"
assert_contains "$out" "PWNED" "the registry's error text is shown (escaped)"

# --- image = "NAME" in a real alcove: the layers stacked (with a directory on top), the whiteout
# and the opaque directory honoured; explain and the build name a missing image ---
alcove_user alcoi1
mkdir -p "$W/bb/bin" "$W/bb/etc" "$W/bb/opt/d" "$W/bb/proc" "$W/bb/dev" "$W/bb/tmp" "$W/bb/home" \
	"$W/bb/run" "$W/bb/sys" "$W/bb/var/tmp" "$W/bb/root"
cp /bin/busybox "$W/bb/bin/busybox" || fail "busybox-static is needed (tests/install-deps.sh)"
for c in sh cat ls sleep true; do ln -s busybox "$W/bb/bin/$c"; done
# a setuid-root file, which the store keeps as the layer has it
install -m 4755 /bin/busybox "$W/bb/bin/busybox-suid" || fail "setuid busybox"
echo hello >"$W/bb/etc/motd"
echo keep >"$W/bb/etc/keep"
echo lower >"$W/bb/opt/d/old"
# a UTF-8 name, which Go's archive/tar (docker, buildah) and Python's write as a pax path record
echo utf8 >"$W/bb/etc/café"
mk tar "$W/bb.tar" tree "$W/bb" || fail "bb.tar"
mk tar "$W/opq2.tar" opaque ./opt/d new || fail "opq2.tar"
mk layout "$W/BB" "$W/bb.tar" "$W/wh.tar" "$W/opq2.tar" || fail "layout BB"
actl image pull "oci:$W/BB:latest" alcoi-c >/dev/null 2>"$W/pull.err" || fail "pull BB: $(cat "$W/pull.err")"
install -d -m 0755 "$W/top/etc"
echo extra >"$W/top/etc/extra"
# a copy of id(1) with its libraries, setuid to uid 1234 of the image (not root: ns root runs it)
for f in /usr/bin/id $(ldd /usr/bin/id | grep -o '/[^ ]*'); do
	cp -L --parents "$f" "$W/top" || fail "copy $f into the directory image"
done
mv "$W/top/usr/bin/id" "$W/top/usr/bin/id-suid" && chown 1234:1234 "$W/top/usr/bin/id-suid" &&
	chmod 4755 "$W/top/usr/bin/id-suid" || fail "a setuid id in the directory image"
conf=$(make_config "
defaults = { mode = \"user\"; image = [ \"$W/top\", \"alcoi-c\" ]; cgroup = \"none\"; persist = false; };
rules = ( { user = \"alcoi1\"; profile = \"defaults\"; } );")
out=$(in_alcove "$conf" alcoi1 'cat /etc/keep /etc/extra; ls /opt/d; cat /etc/motd 2>&1; cat /etc/café' 2>&1)
assert_contains "$out" "utf8" "a layer entry named in UTF-8 by a pax record is unpacked under that name"
assert_contains "$out" "keep" "the base layer of image alcoi-c is the alcove's root"
assert_contains "$out" "extra" "a directory image stacks on top of the OCI image's layers"
assert_contains "$out" "can't open '/etc/motd': No such file or directory" "the upper layer's whiteout hides the base's /etc/motd inside the alcove"
assert_eq "new" "$(echo "$out" | sed -n 3p)" "the opaque directory hides the base's /opt/d/old inside the alcove"
bbl=$(actl image inspect alcoi-c --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
assert_eq "4755 0:0" "$(stat -c '%a %u:%g' "$OCI/layers/$bbl/bin/busybox-suid")" \
	"the store keeps a layer's setuid-root file as the image has it"
actl stop alcoi1 >/dev/null 2>&1
# setuid = false is the overlay's nosuid: in root mode (no no_new_privs, which user mode sets)
# ns root runs the image's setuid-1234 id, and keeps its own euid
rconf=$(make_config "
defaults = { mode = \"root\"; image = [ \"$W/top\", \"alcoi-c\" ]; cgroup = \"none\";
	persist = false; setuid = false; };
rules = ( { user = \"alcoi1\"; profile = \"defaults\"; } );")
out=$(in_alcove "$rconf" alcoi1 'stat -c "%a %u" /usr/bin/id-suid; /usr/bin/id-suid' 2>&1)
assert_contains "$out" "4755 1234" "inside, id-suid is setuid to ns uid 1234"
assert_contains "$out" "uid=0(root) gid=0(root)" "ns root runs it"
assert_not_contains "$out" "euid=" "the setuid bit gives no euid (setuid = false: nosuid on the overlay)"
actl stop alcoi1 >/dev/null 2>&1

# --- an image built by umoci (not by this suite's own tar writer): a file deleted in the second
# layer is umoci's whiteout, honoured inside the alcove ---
[ -x /usr/bin/umoci ] || fail "umoci missing (tests/install-deps.sh)"
umoci init --layout "$W/U" && umoci new --image "$W/U:t" && umoci unpack --image "$W/U:t" "$W/u1" ||
	fail "umoci: a new image"
cp -a "$W/bb/." "$W/u1/rootfs/" && echo gone >"$W/u1/rootfs/etc/gone" || fail "umoci: the base rootfs"
umoci repack --image "$W/U:t" "$W/u1" && umoci unpack --image "$W/U:t" "$W/u2" || fail "umoci: the base layer"
rm "$W/u2/rootfs/etc/gone" && umoci repack --image "$W/U:t" "$W/u2" || fail "umoci: the deleting layer"
actl image pull "oci:$W/U:t" alcoi-u >/dev/null 2>"$W/pull.err" || fail "pull the umoci image: $(cat "$W/pull.err")"
ul=$(actl image inspect alcoi-u --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][1]["digest"][7:])')
assert_eq "character special file 0:0" "$(stat -c '%F %t:%T' "$OCI/layers/$ul/etc/gone")" \
	"umoci's whiteout (etc/.wh.gone) is an overlay whiteout in the store"
uconf=$(make_config "
defaults = { mode = \"user\"; image = \"alcoi-u\"; cgroup = \"none\"; persist = false; };
rules = ( { user = \"alcoi1\"; profile = \"defaults\"; } );")
out=$(in_alcove "$uconf" alcoi1 'cat /etc/keep; cat /etc/gone 2>&1' 2>&1)
assert_eq "keep
cat: can't open '/etc/gone': No such file or directory" "$out" \
	"the file umoci's second layer deletes is gone inside the alcove, the rest of its base is there"
actl stop alcoi1 >/dev/null 2>&1

# --- a login is not held up by a pull unpacking (it unpacks without the store's lock, which it
# takes only to put the layers in place and write the record): the pull stopped mid-unpack ---
mkdir -p "$W/big" && head -c 100M /dev/zero >"$W/big/zeros" || fail "a big layer's file"
mk tar "$W/big.tar" tree "$W/big" && mk layout "$W/BIG" "$W/big.tar" || fail "layout BIG"
setsid "$ALCOVECTL" image pull "oci:$W/BIG:latest" alcoi-big >/dev/null 2>"$W/big.err" &
bpid=$!
on_exit "kill -CONT -- -$bpid; kill -- -$bpid"
until compgen -G "$OCI/pull.*/*.partial" >/dev/null; do
	kill -0 "$bpid" 2>/dev/null || fail "the big pull ended before its unpack was caught: $(cat "$W/big.err")"
done
kill -STOP -- -"$bpid"
compgen -G "$OCI/pull.*/*.partial" >/dev/null || fail "the big pull's unpack was not caught"
out=$(timeout 60 "$ALCOVECTL" --config "$uconf" enter alcoi1 -- /bin/sh -c 'cat /etc/keep' 2>&1) ||
	fail "a login waited for (or failed during) a pull's unpack: $out"
assert_eq "keep" "$out" "a login on an OCI image goes on while a pull unpacks"
actl stop alcoi1 >/dev/null 2>&1
kill -CONT -- -"$bpid"
wait "$bpid" || fail "the big pull failed after it went on: $(cat "$W/big.err")"
assert_contains "$(actl image inspect alcoi-big)" "name:    alcoi-big" "the stopped pull completes and records the image"
actl image rm alcoi-big >/dev/null

# --- every wait of an open ends within its budget (25 s; 2 s here, through the fault build's
# ALCOVE_FAULT=budget=MS), so the helper answers before pam_alcove gives up on it: behind the
# store's lock held by a pull placing its layers, and behind the alcove's own lock ---
fenter() { ALCOVE_HELPER=$BUILD/tests/fault/alcove-helper-fault ALCOVE_FAULT=budget=2000 \
	timeout 60 "$ALCOVECTL" --config "$uconf" enter alcoi1 -- /bin/sh -c 'cat /etc/keep' 2>&1; }
# held_refuses FILE TEXT WHAT: while another process holds FILE's flock, the login is refused
# at its budget, its error saying TEXT
held_refuses() {
	local hpid out
	setsid flock -x "$1" sleep 600 &
	hpid=$!
	on_exit "kill -- -$hpid"
	wait_until 50 eval "! flock -n $(printf %q "$1") true" || fail "$3: $1 was not locked"
	out=$(fenter) && fail "$3: the login went on past its budget: $out"
	assert_contains "$out" "$2" "$3"
	kill -- -"$hpid"
}
held_refuses "$OCI/lock" "is locked by \`alcovectl image\` (a pull or prune) for over 2." \
	"a login behind the store's lock is refused at its budget, saying why"
uid=$(id -u alcoi1)
mkdir -p -m 0711 "/run/alcove/$uid" && touch "/run/alcove/$uid/lock" && chmod 0600 "/run/alcove/$uid/lock" ||
	fail "the alcove's lock file"
held_refuses "/run/alcove/$uid/lock" \
	"Failed to lock /run/alcove/$uid: another login or a stop of the alcove held it past this login's 2.0 s" \
	"a login behind the alcove's lock is refused at its budget, saying why"
assert_eq keep "$(fenter)" "with both locks free, the same login goes on"
actl stop alcoi1 >/dev/null 2>&1

missing=$(make_config '
defaults = { mode = "user"; image = "alcoi-nope"; cgroup = "none"; persist = false; };
rules = ( { user = "alcoi1"; profile = "defaults"; } );')
out=$(actl --config "$missing" explain alcoi1)
assert_contains "$out" "warning   image \"alcoi-nope\" does not exist (\`alcovectl image pull SOURCE alcoi-nope\`); such logins are refused" \
	"explain says the image does not exist"
out=$(actl check-config "$missing" 2>&1) || fail "check-config failed on a missing image: $out"
assert_contains "$out" ":2: warning: defaults: image \"alcoi-nope\" does not exist" \
	"check-config says the image does not exist, naming its line"
chmod 0711 "$W" && install -m 0644 "$missing" "$W/missing.conf" || fail "a policy a user can read"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ALCOVECTL" check-config "$W/missing.conf" 2>&1) ||
	fail "check-config as a user failed: $out"
assert_contains "$out" "warning: cannot check images: run as root" \
	"check-config as a user says it cannot read the store"
out=$(in_alcove "$missing" alcoi1 true 2>&1) && fail "an alcove was built on a missing image"
assert_contains "$out" "image \"alcoi-nope\" does not exist" "the build refuses a missing image, naming it"

# --- rm and prune never remove a layer a running alcove stacks ---
uid=$(id -u alcoi1)
setsid "$ALCOVECTL" --config "$conf" enter alcoi1 -- /bin/sh -c 'sleep 600' >/dev/null 2>&1 &
epid=$!
on_exit "kill $epid"
wait_until 100 test -s "/run/alcove/$uid/layers" || fail "no /run/alcove/$uid/layers while the alcove runs"
bbl=$(actl image inspect alcoi-c --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"][7:])')
assert_contains "$(cat "/run/alcove/$uid/layers")" "$bbl" "the alcove records the layers it stacks"
assert_contains "$(actl image inspect alcoi-c)" "alcoves: (users)
  alcoi1" "inspect names the user of the alcove that uses the image"
assert_eq "['alcoi1']" "$(actl image inspect alcoi-c --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["alcoves"])')" \
	"inspect --json lists the alcoves' users as an array"
assert_contains "$(actl image inspect alcoi-a)" "alcoves: (users) none" \
	"inspect of an image that only shares a layer (wh.tar) with the alcove's names no alcove"
actl image rm alcoi-c >/dev/null || fail "image rm alcoi-c"
out=$(actl image prune) || fail "image prune: $out"
[ -d "$OCI/layers/$bbl" ] || fail "prune removed a layer the running alcove stacks"
assert_not_contains "$out" "$bbl" "prune keeps the layers of a running alcove whose image was removed"
[ -d "$OCI/layers/$base" ] || fail "prune removed a layer images alcoi-a and alcoi-b use"
actl stop alcoi1 >/dev/null 2>&1
{ wait "$epid"; } 2>/dev/null
# a prune whose removal stops midway (here at a mount point inside the layer) leaves nothing
# under the layer's digest name, which a pull or a build would take as the whole layer: the
# layer is moved to the store's trash first, removed there after the lock is let go
mount -t tmpfs alcoi-stop "$OCI/layers/$bbl/opt" || fail "a mount point inside layer $bbl"
on_exit "umount -l $OCI/layers/$bbl/opt; for m in $OCI/trash.*/opt; do umount -l \$m; done"
out=$(actl image prune 2>&1) || fail "prune failed on a removal it could not finish: $out"
assert_contains "$out" "removed layer sha256:$bbl" "prune removes the unused layer from the store"
assert_contains "$out" "alcovectl: Failed to remove $OCI/trash." \
	"a removal stopped at a mount point is a warning naming the trash directory"
assert_contains "$out" "(a mount point in it) (the next pull or prune tries again)" \
	"the warning says why and what happens next"
[ -e "$OCI/layers/$bbl" ] && fail "an interrupted prune left part of layer $bbl under its digest name"
pass "an interrupted prune leaves no part of a layer under its digest name"
umount -l "$OCI"/trash.*/opt || fail "the mount point did not move with the layer to the trash"
out=$(actl image prune) || fail "image prune: $out"
compgen -G "$OCI/trash.*" >/dev/null && fail "the next prune left what the interrupted one did not remove"
assert_not_contains "$(ls "$OCI/layers")" "$bbl" "once the alcove ended, prune removes its unused layer"
[ -d "$OCI/layers/$top" ] || fail "prune removed the whiteout layer image alcoi-a still uses"
pass "prune keeps every layer an image names"
# what a pull or prune removes (here a killed pull's directory of 100000 files) is removed
# after the store's lock is let go: a build waits for that lock, shared, at most 30 s
mkdir "$OCI/pull.0000000000000000" || fail "a stale pull directory"
$PY -c 'import os,sys
for i in range(100000): open(os.path.join(sys.argv[1], str(i)), "w").close()' "$OCI/pull.0000000000000000"
out=$($PY - "$ALCOVECTL" "$OCI" <<'PYEOF'
import fcntl, glob, os, subprocess, sys
lock = os.open(sys.argv[2] + "/lock", os.O_RDONLY)
p = subprocess.Popen([sys.argv[1], "image", "prune"], stdout=subprocess.DEVNULL)
seen = free = False
while p.poll() is None and not free:
    if glob.glob(sys.argv[2] + "/trash.*"):
        seen = True
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            free = True
            fcntl.flock(lock, fcntl.LOCK_UN)
        except BlockingIOError:
            pass
print("rc=%d seen=%s free=%s" % (p.wait(), seen, free))
PYEOF
)
assert_eq "rc=0 seen=True free=True" "$out" \
	"a stale pull's 100000 files are removed from the trash with the store's lock free"
[ -e "$OCI/pull.0000000000000000" ] && fail "prune left the stale pull directory"
compgen -G "$OCI/trash.*" >/dev/null && fail "prune left its trash"
pass "prune removed the stale pull directory and emptied its trash"

# --- skopeo's download stops at the store's reserve (5% of its filesystem's size and inodes, as
# alcove-unpack's): the store on a tmpfs of 40 MiB (reserve 2 MiB), a layout whose one blob is
# a fifo fed 39.5 MiB of random data, past the reserve but short of full (skopeo would fail on
# its own there; it writes what it reads a MiB at a time). alcovectl kills skopeo, fails with
# the reserve's line, leaves no record and no pull directory; a store already past its reserve
# refuses before skopeo runs ---
mount -t tmpfs -o size=40m,mode=0700 alcoi-full "$OCI" || fail "a small tmpfs over $OCI"
on_exit "umount -l $OCI"
cp -a "$W/B" "$W/F"
blob=$(mk top-blob "$W/F")
rm "$blob" && mkfifo "$blob" || fail "a fifo for the big blob"
setsid "$ALCOVECTL" image pull "oci:$W/F:latest" alcoi-x >/dev/null 2>"$W/full.err" &
fpid=$!
on_exit "kill -9 -- -$fpid"
exec 7>"$blob" # waits for skopeo to open the blob
spid=$(pgrep -s "$fpid" -x skopeo) || fail "no skopeo in the pull's session"
head -c 40448k /dev/urandom >&7 2>/dev/null # SIGPIPE once skopeo is killed
# (gone, or a zombie yet to be reaped); fd 7 stays open: skopeo must not end on its own
wait_until 100 sh -c "! ps -o stat= -p $fpid | grep -qv '^Z'" ||
	fail "the pull went on past the store's reserve: $(df -k "$OCI" | tail -1)"
wait "$fpid" && fail "a pull past the store's reserve worked"
exec 7>&-
assert_contains "$(cat "$W/full.err")" \
	"Failed to pull oci:$W/F:latest: refusing to fill the filesystem past its reserve: 5% of its size and inodes stay free (2048 KiB, " \
	"a pull whose download reaches the store's reserve fails, saying so"
ps -o stat= -p "$spid" | grep -qv '^Z' && fail "skopeo $spid runs on after the failed pull"
[ -e "$OCI/images/alcoi-x" ] && fail "the pull past the reserve recorded the image"
compgen -G "$OCI/pull.*" >/dev/null && fail "the pull past the reserve left $(ls "$OCI")"
pass "skopeo is killed at the store's reserve, leaving no record and no pull directory"
head -c 39m /dev/zero >"$OCI/filler" || fail "filling the small store"
out=$(actl image pull "oci:$W/A:latest" alcoi-x 2>&1) && fail "a pull into a store past its reserve worked"
assert_contains "$out" "Failed to pull oci:$W/A:latest: refusing to fill the filesystem past its reserve" \
	"a store past its reserve refuses a pull"
assert_not_contains "$out" "Getting image source signatures" \
	"a store past its reserve refuses the pull before skopeo runs"
compgen -G "$OCI/pull.*" >/dev/null && fail "the refused pull left $(ls "$OCI")"
umount "$OCI" || fail "umount the small store"
