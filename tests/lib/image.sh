# Test images for the integration tests (bash; source after common.sh).
#
#   dir=$(test_image bookworm)   builds a minbase Debian image once per machine and prints its path
#                                (a failed build ends the test: setup_fail, common.sh)
#
# The image is cached at /var/cache/alcove-tests/images/NAME and built under a lock, so parallel
# test scripts build it once. It must not live under /tmp (the lobby replaces /tmp) and must be
# on a filesystem that supports idmapped mounts (the cache is on the root fs: ext4 here).
ALCOVE_IMAGE_CACHE=${ALCOVE_IMAGE_CACHE:-/var/cache/alcove-tests/images}

# Names: "bookworm" (minbase) and "bookworm-login" (minbase + what login tests run inside:
# ps, ssh-add, sftp-server).
test_image() { # name
	local name=${1:-bookworm} dir suite include=
	case $name in
	bookworm) suite=bookworm ;;
	bookworm-login) suite=bookworm include=--include=procps,openssh-client,openssh-sftp-server ;;
	*) setup_fail "unknown test image '$name'" ;;
	esac
	dir=$ALCOVE_IMAGE_CACHE/$name
	mkdir -p "$ALCOVE_IMAGE_CACHE" || setup_fail "mkdir $ALCOVE_IMAGE_CACHE"
	(
		flock 9 || exit 1
		[ -e "$dir/.complete" ] && exit 0
		rm -rf "$dir.partial"
		echo "# building test image $name (mmdebstrap, once per machine)" >&2
		mmdebstrap --quiet --mode=root --variant=minbase $include "$suite" "$dir.partial" >&2 || exit 1
		touch "$dir.partial/.complete"
		rm -rf "$dir"
		mv "$dir.partial" "$dir"
	) 9>"$ALCOVE_IMAGE_CACHE/.lock${include:+-$name}" || setup_fail "could not build test image $name"
	echo "$dir"
}
