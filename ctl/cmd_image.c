/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl image pull|list|inspect|rm: OCI images in /var/lib/alcove/oci (ctl/oci_store.h).
 * These run in alcovectl itself, as root, not in the helper: a pull runs skopeo with the
 * admin's environment (registry credentials in $HOME or $XDG_RUNTIME_DIR, a progress line per
 * blob on the admin's terminal), which the helper's cleared environment would not give it.
 * The store's lock (oci/lock) orders them with each other and with the helper, which reads
 * records and opens layers under a shared lock when it builds an alcove.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fdwait.h"
#include "fileio.h"
#include "fs_reserve.h"
#include "json.h"
#include "log.h"
#include "macro.h"
#include "oci_inuse.h"
#include "oci_store.h"
#include "oci_unpack.h"
#include "spawn.h"
#include "text_escape.h"

#define SKOPEO "/usr/bin/skopeo"

static void storep(OciStore *s)
{
	oci_store_close(s);
}

/* The store opened and locked with lock_op, and with clean what interrupted pulls left
 * removed (oci_store_clean: under LOCK_EX only). A failure is logged. */
static int store_open(OciStore *s, int lock_op, bool clean)
{
	AlcError e = {0};
	int r = oci_store_open(s, lock_op, &e);

	if (r < 0)
		return log_error("Failed to open the image store: %s", e.msg), r;
	r = clean ? oci_store_clean(s, &e) : 0;
	if (r < 0)
		log_error("Failed to clean up the image store: %s", e.msg);
	return r;
}

/* The end of a command that changed the store: the lock let go of, then what it moved to the
 * trash removed (oci_store_empty_trash; with pull_dir, the pull's own directory first, which
 * its flock keeps from any other clean-up). */
static void store_finish(OciStore *s, const char *pull_dir)
{
	AlcError e = {0};
	int r = oci_store_relock(s, LOCK_UN);

	if (r < 0) {
		log_warning("Failed to unlock %s/%s/lock: %s", ALCOVE_LIB_DIR, OCI_DIR,
			    strerror(-r));
		return;
	}
	r = pull_dir ? oci_store_remove(s->ocifd, pull_dir) : 0;
	if (r < 0 && r != -ENOENT)
		log_warning("Failed to remove %s/%s/%s: %s (the next pull or prune does)",
			    ALCOVE_LIB_DIR, OCI_DIR, pull_dir, strerror(-r));
	if (oci_store_empty_trash(s, &e) < 0)
		log_warning("Failed to %s (the next pull or prune tries again)", e.msg);
}

static bool source_ok(const char *src)
{
	static const char *const transports[] = {"docker://", "oci:", "oci-archive:",
						 "docker-archive:"};

	if (strchr(src, '\n'))
		return false;
	for (size_t i = 0; i < ELEMENTSOF(transports); i++)
		if (strncmp(src, transports[i], strlen(transports[i])) == 0 &&
		    src[strlen(transports[i])] != '\0')
			return true;
	return false;
}

/* What skopeo prints is shown a piece at a time, fgets' bound of old: a line, or RELAY_PIECE
 * bytes of a longer one. */
#define RELAY_PIECE 1023
/* How often the pull directory's filesystem is looked at while skopeo writes to it (and at
 * each line it prints): skopeo shows no progress on a pipe, a blob is one line however long it
 * takes, and what it writes meanwhile is bounded by the disk's speed times this. */
#define RESERVE_LOOK_MS 250

/* skopeo's output relayed while its download is watched (relay_skopeo_output). */
typedef struct SkopeoRelay {
	int fd, pidfd, layoutfd;
	bool killed;	     /* SIGKILLed: its output is drained to EOF, then it is reaped */
	int why;	     /* why it was: -ENOSPC (fs below its reserve), or fstatvfs' -errno */
	FsReserve fs;	     /* the look that found the filesystem short */
	long long next_look; /* CLOCK_MONOTONIC ms */
	size_t len;
	char buf[RELAY_PIECE];
} SkopeoRelay;

/* Each whole line of the buffer, or piece of RELAY_PIECE bytes, to our stderr escaped
 * (text_escape_n, spaces kept): a registry is whoever the source names, and on a terminal
 * skopeo would print its error text raw, escape sequences and all (a title, a cleared screen,
 * a forged "verified" line). With eof what is left too. The number of pieces shown. */
static size_t relay_show(SkopeoRelay *rl, bool eof)
{
	char shown[4 * (RELAY_PIECE + 1)];
	size_t pieces = 0;

	for (;;) {
		char *nl = memchr(rl->buf, '\n', rl->len);
		size_t n = nl ? (size_t)(nl - rl->buf) : rl->len;

		if (!nl && rl->len < RELAY_PIECE && !(eof && rl->len > 0))
			return pieces;
		(void)text_escape_n(rl->buf, n, true, shown, sizeof(shown));
		fprintf(stderr, "%s\n", shown);
		n += nl != NULL;
		rl->len -= n;
		memmove(rl->buf, rl->buf + n, rl->len);
		pieces++;
	}
}

/* The pull directory's filesystem looked at (fs_reserve.h, the reserve alcove-unpack keeps
 * too): below its reserve, or not to be looked at, skopeo is SIGKILLed through its pidfd (this
 * child and no other, whatever became of its pid number), its download over. */
static void relay_look(SkopeoRelay *rl)
{
	int r;

	rl->next_look = monotonic_ms() + RESERVE_LOOK_MS;
	if (rl->killed)
		return;
	r = fs_reserve_look(rl->layoutfd, &rl->fs);
	if (r >= 0 && !fs_reserve_short(&rl->fs, 0, 0))
		return;
	rl->why = r < 0 ? r : -ENOSPC;
	rl->killed = true;
	/* ESRCH: it has exited (not reaped yet: the wait after the relay does) */
	if (syscall(SYS_pidfd_send_signal, rl->pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		log_error_errno(-errno, "Failed to kill skopeo: %m");
}

/* One read of skopeo's output into the buffer's room (never none: relay_show empties a full
 * buffer): its length, 0 at EOF, or -errno. */
static ssize_t relay_read(SkopeoRelay *rl)
{
	ssize_t n;

	do
		n = read(rl->fd, rl->buf + rl->len, sizeof(rl->buf) - rl->len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? negative_errno() : n;
}

/* skopeo's output relayed until EOF (relay_show), the pull directory's filesystem looked at
 * every RESERVE_LOOK_MS and at each line (relay_look). 0, or poll's or read's -errno. */
static int relay_skopeo_output(SkopeoRelay *rl)
{
	rl->next_look = monotonic_ms() + RESERVE_LOOK_MS;
	for (;;) {
		struct pollfd p = {.fd = rl->fd, .events = POLLIN};
		long long left = rl->next_look - monotonic_ms();
		ssize_t n = 0;
		int r;

		r = poll(&p, 1, rl->killed ? -1 : (int)(left < 0 ? 0 : left));
		if (r < 0 && errno != EINTR)
			return negative_errno();
		if (r > 0 && (n = relay_read(rl)) <= 0) {
			relay_show(rl, true);
			return (int)n;
		}
		rl->len += (size_t)n;
		if ((n > 0 && relay_show(rl, false) > 0) || monotonic_ms() >= rl->next_look)
			relay_look(rl);
	}
}

/* "Failed to pull SOURCE: why", the source escaped as skopeo's own failure shows it. */
static void pull_failed(const char *source, const char *why)
{
	char shown[4 * PATH_MAX];

	(void)text_escape_n(source, strlen(source), true, shown, sizeof(shown));
	log_error("Failed to pull %s: %s", shown, why);
}

/* The pull failed for its filesystem: r from fs_reserve_look, or -ENOSPC below the reserve
 * fs; logged, r returned. */
static int reserve_failed(const char *source, int r, const FsReserve *fs)
{
	char why[FS_RESERVE_TEXT_MAX];

	if (r == -ENOSPC)
		fs_reserve_describe(fs, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "statvfs %s/%s: %s", ALCOVE_LIB_DIR, OCI_DIR,
			 strerror(-r));
	pull_failed(source, why);
	return r;
}

/* Refused before skopeo runs when the pull directory's filesystem is below its reserve. */
static int reserve_check(const char *source, int layoutfd)
{
	FsReserve fs;
	int r = fs_reserve_look(layoutfd, &fs);

	if (r >= 0 && fs_reserve_short(&fs, 0, 0))
		r = -ENOSPC;
	return r < 0 ? reserve_failed(source, r, &fs) : 0;
}

/* skopeo's output relayed and its download watched (relay_skopeo_output); killed (relay_look,
 * or here when the relay fails), it is reaped all the same. Its exit status is checked: 0,
 * the relay's -errno, or -EIO (logged). */
static int watch_skopeo(const char *source, int pipefd, int pidfd, int layoutfd)
{
	SkopeoRelay rl = {.fd = pipefd, .pidfd = pidfd, .layoutfd = layoutfd};
	char shown[4 * PATH_MAX];
	int code, sig, w, r = relay_skopeo_output(&rl);

	close(pipefd);
	if (r < 0 && !rl.killed && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 &&
	    errno != ESRCH)
		log_error_errno(-errno, "Failed to kill skopeo: %m");
	w = spawn_wait(pidfd, -1, &code, &sig);
	if (w < 0)
		return log_error("Failed to wait for skopeo: %s", strerror(-w)), w;
	if (rl.killed)
		return reserve_failed(source, rl.why, &rl.fs);
	if (r < 0)
		return log_error("Failed to relay skopeo's output: %s", strerror(-r)), r;
	if (code == 0)
		return 0;
	(void)text_escape_n(source, strlen(source), true, shown, sizeof(shown));
	log_error("Failed to copy %s with skopeo (%s %d)", shown, sig ? "signal" : "exit status",
		  sig ? sig : code);
	return -EIO;
}

/* skopeo copy SOURCE oci:DIR:alcove, its stdout and stderr through watch_skopeo, the pull
 * directory (layoutfd, with its flock) its fd 3. Its download stops at the filesystem's reserve
 * (fs_reserve.h), as alcove-unpack's layers do: a hostile or huge image does not fill the
 * host's disk. A killed alcovectl's skopeo is SIGKILLed with it (die_with_parent) and keeps the
 * directory it writes in locked until it is gone, so no other pull's or prune's clean-up moves
 * it to the trash while it still writes. 0, or -errno (logged). */
static int run_skopeo(const char *source, const char *dir, int layoutfd, bool insecure)
{
	char dest[256];
	const char *argv[8];
	size_t n = 0;
	int pipefd[2], pidfd, r = reserve_check(source, layoutfd);

	if (r < 0)
		return r;
	snprintf(dest, sizeof(dest), "oci:%s/%s/%s:alcove", ALCOVE_LIB_DIR, OCI_DIR, dir);
	argv[n++] = "skopeo";
	argv[n++] = "copy";
	if (insecure)
		argv[n++] = "--src-tls-verify=false";
	argv[n++] = source;
	argv[n++] = dest;
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "Failed to make a pipe for skopeo: %m");
	r = spawn_pidfd(&(SpawnSpec){.path = SKOPEO,
				     .argv = (char *const *)argv,
				     .envp = environ, /* the admin's: registry credentials */
				     .fds = {-1, pipefd[1], pipefd[1], layoutfd},
				     .n_fds = 4,
				     /* a killed alcovectl's pull is over: its skopeo must not
				      * download on into a directory nobody will read */
				     .die_with_parent = true},
			&pidfd);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return log_error("Failed to run " SKOPEO " (apt install skopeo): %s", strerror(-r)),
		       r;
	}
	r = watch_skopeo(source, pipefd[0], pidfd, layoutfd);
	close(pidfd);
	return r;
}

/* A refused image leaves nothing: the layers this pull made (under the exclusive lock, so no
 * record and no alcove can name them yet) go with it, the store as before the pull. */
static void remove_made(OciStore *s, const OciImage *img, const bool *made, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = made[i] ? oci_store_remove_layer(s, img->layers[i]) : 0;

		if (r < 0)
			log_error("Failed to remove layer sha256:%s of the refused pull: %s",
				  img->layers[i], strerror(-r));
	}
}

/* oci_store_relock, its failure logged: a pull must not end without a word. */
static int relock(OciStore *s, int lock_op)
{
	int r = oci_store_relock(s, lock_op);

	if (r < 0)
		log_error("Failed to %s %s/%s/lock: %s", lock_op == LOCK_UN ? "unlock" : "lock",
			  ALCOVE_LIB_DIR, OCI_DIR, strerror(-r));
	return r;
}

/* Whether layer hex is stored, or unpacked into <hex>.partial in the pull's directory. */
static bool layer_at_hand(const OciStore *s, int layoutfd, const char *hex)
{
	char partial[OCI_HEX_LEN + sizeof(".partial")];
	struct stat st;

	snprintf(partial, sizeof(partial), "%s.partial", hex);
	return fstatat(s->layersfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	       fstatat(layoutfd, partial, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Each layer of img not stored yet into <hex>.partial in the pull's own directory, its
 * diff_id checked (by alcove-unpack, ctl/oci_unpack.h), without the store's lock: builds go
 * on meanwhile (a layer is named by its digest, nothing else can write there, and a concurrent
 * pull of the same layer only loses the rename in place_layers). */
static int unpack_missing(const OciStore *s, int layoutfd, const char *name, const OciImage *img)
{
	for (size_t i = 0; i < img->n_layers; i++) {
		AlcError e = {0};
		int r;

		if (layer_at_hand(s, layoutfd, img->layers[i]))
			continue; /* stored, or unpacked already for an earlier duplicate */
		r = oci_unpack_layer(layoutfd, img->layers[i], &e);
		if (r < 0)
			return log_error("Failed to pull image %s: %s", name, e.msg), r;
	}
	return 0;
}

/* Whether each layer is stored or unpacked in the pull's directory: under the exclusive lock,
 * after unpack_missing looked without it (a prune may have removed a stored one since). */
static bool layers_ready(const OciStore *s, int layoutfd, const OciImage *img)
{
	for (size_t i = 0; i < img->n_layers; i++)
		if (!layer_at_hand(s, layoutfd, img->layers[i]))
			return false;
	return true;
}

/* The missing layers unpacked without the lock, then the lock taken exclusively with every
 * layer at hand. A layer pruned in between is unpacked again after letting go of the lock:
 * the exclusive lock is never held while unpacking (logins on images wait for it), and a
 * prune that keeps winning ends the pull after three rounds. */
static int unpack_then_lock(OciStore *s, int layoutfd, const char *name, const OciImage *img)
{
	for (int round = 1;; round++) {
		int r = unpack_missing(s, layoutfd, name, img);

		if (r < 0)
			return r;
		r = relock(s, LOCK_EX);
		if (r < 0)
			return r;
		if (layers_ready(s, layoutfd, img))
			return 0;
		if (round == 3)
			return log_error("Failed to pull image %s: its stored layers were pruned "
					 "while it unpacked, %d times",
					 name, round),
			       -EAGAIN;
		r = relock(s, LOCK_UN);
		if (r < 0)
			return r;
	}
}

/* Under the exclusive lock, with the record written in the same critical section (so prune,
 * which takes it too, never sees a placed layer that no record names): each unpacked layer
 * renamed into the store (layers_ready: each is stored or unpacked), made[i] set for each this
 * pull placed. */
static int place_layers(OciStore *s, int layoutfd, const char *name, OciImage *img, bool *made)
{
	char partial[OCI_HEX_LEN + sizeof(".partial")];
	AlcError e = {0};
	int r = 0;

	for (size_t i = 0; i < img->n_layers && r >= 0; i++) {
		struct stat st;

		snprintf(partial, sizeof(partial), "%s.partial", img->layers[i]);
		if (fstatat(layoutfd, partial, &st, AT_SYMLINK_NOFOLLOW) == 0)
			r = oci_layer_place(layoutfd, s->layersfd, img->layers[i], &made[i], &e);
		if (r < 0) {
			log_error("Failed to pull image %s: %s", name, e.msg);
			remove_made(s, img, made, i + 1); /* made[i]: placed, then fsync failed */
		} else
			fprintf(stderr, "layer sha256:%.12s: %s\n", img->layers[i],
				made[i] ? "unpacked" : "already stored");
	}
	return r;
}

/* A record renamed into images/ or removed from it made lasting; a failure is a warning (the
 * change is made: only its surviving a crash is in doubt). */
static void images_sync(const OciStore *s)
{
	if (fsync(s->imagesfd) < 0)
		log_warning_errno(-errno, "Failed to fsync %s/%s/images: %m", ALCOVE_LIB_DIR,
				  OCI_DIR);
}

/* The image's record, in the critical section that placed its layers. One that cannot be
 * written (ENOSPC) leaves nothing, as a refused image: the layers this pull placed (made) go. */
static int record_image(OciStore *s, const char *source, const char *name, OciImage *img,
			const bool *made)
{
	int r;

	snprintf(img->source, sizeof(img->source), "%s", source);
	img->pulled = (int64_t)time(NULL);
	r = oci_store_write_image(s, name, img);
	if (r < 0) {
		log_error("Failed to write %s/%s/images/%s: %s", ALCOVE_LIB_DIR, OCI_DIR, name,
			  strerror(-r));
		remove_made(s, img, made, img->n_layers);
		return r;
	}
	images_sync(s);
	return 0;
}

static int image_pull(const char *source, const char *name, bool insecure)
{
	bool made[OCI_MAX_LAYERS] = {false};
	_cleanup_(storep) OciStore s = OCI_STORE_INIT;
	_cleanup_close_ int layoutfd = -1;
	OciImage img = {0};
	AlcError e = {0};
	char dir[32];
	int r;

	if (store_open(&s, LOCK_EX, true) < 0)
		return CTL_EXIT_FAILURE;
	r = oci_store_pull_dir(&s, dir, &layoutfd);
	if (r < 0) {
		log_error("Failed to make a pull directory in %s/%s: %s", ALCOVE_LIB_DIR, OCI_DIR,
			  strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	/* the download may take long: builds must not wait for it (they take the lock shared) */
	r = relock(&s, LOCK_UN);
	if (r >= 0)
		r = run_skopeo(source, dir, layoutfd, insecure);
	if (r >= 0 && (r = oci_unpack_read_layout(layoutfd, &img, &e)) < 0)
		log_error("Failed to pull image %s: %s", name, e.msg);
	if (r >= 0)
		r = unpack_then_lock(&s, layoutfd, name, &img);
	if (r >= 0)
		r = place_layers(&s, layoutfd, name, &img, made);
	if (r >= 0)
		r = record_image(&s, source, name, &img, made);
	store_finish(&s, dir);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	printf("%s: sha256:%s, %zu layer%s\n", name, img.manifest, img.n_layers,
	       img.n_layers == 1 ? "" : "s");
	return CTL_EXIT_OK;
}

typedef struct PullOptions {
	bool insecure;
} PullOptions;

enum { OPT_INSECURE = 0x300 };

static int pull_option(void *userdata, int opt, const char *arg)
{
	PullOptions *o = userdata;

	if (opt != OPT_INSECURE)
		return CTL_EXIT_USAGE;
	o->insecure = true;
	return 0;
}

static int cmd_pull(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"insecure", no_argument, NULL, OPT_INSECURE}, {0}};
	PullOptions o = {0};
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, NULL, pull_option, &o, &first);
	if (r >= 0)
		return r;
	if (argc - first != 2)
		return ctl_usage(ctx, "pull needs SOURCE and NAME");
	if (!source_ok(argv[first]))
		return ctl_usage(ctx,
				 "SOURCE '%s' must be docker://HOST/REPO[:TAG], oci:DIR[:TAG], "
				 "oci-archive:FILE or docker-archive:FILE",
				 argv[first]);
	if (!oci_name_ok(argv[first + 1]))
		return ctl_usage(ctx, "NAME '%s' must be [A-Za-z0-9_.-]+, not starting with '.'",
				 argv[first + 1]);
	return image_pull(argv[first], argv[first + 1], o.insecure);
}

static void when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

static uint64_t total_size(const OciImage *img)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < img->n_layers; i++)
		sum += img->sizes[i];
	return sum;
}

static void list_one(const char *name, const OciImage *img, bool json, int *first)
{
	char t[64];

	when(img->pulled, t, sizeof(t));
	if (!json) {
		printf("%-20s sha256:%.12s %6zu %12llu  %s  %s\n", name, img->manifest,
		       img->n_layers, (unsigned long long)total_size(img), t, img->source);
		return;
	}
	int f = 1;
	printf("%s{", *first ? "" : ", ");
	*first = 0;
	json_key(stdout, "name", &f);
	json_string(stdout, name);
	json_key(stdout, "digest", &f);
	printf("\"sha256:%s\"", img->manifest);
	json_key(stdout, "layers", &f);
	printf("%zu", img->n_layers);
	json_key(stdout, "size", &f);
	printf("%llu", (unsigned long long)total_size(img));
	json_key(stdout, "pulled", &f);
	printf("%lld", (long long)img->pulled);
	json_key(stdout, "source", &f);
	json_string(stdout, img->source);
	fputs("}", stdout);
}

static int cmd_list_images(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(storep) OciStore s = OCI_STORE_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int first = 1, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (first != argc)
		return ctl_usage(ctx, "list takes no arguments");
	if (store_open(&s, LOCK_SH, false) < 0)
		return CTL_EXIT_FAILURE;
	r = opendir_fd(s.imagesfd, &d);
	if (r < 0)
		return log_error("Failed to list %s/%s/images: %s", ALCOVE_LIB_DIR, OCI_DIR,
				 strerror(-r)),
		       CTL_EXIT_FAILURE;
	first = 1;
	ctx->json_written = ctx->json;
	if (ctx->json)
		fputs("{\"images\": [", stdout);
	else
		printf("%-20s %-19s %6s %12s  %-23s  %s\n", "NAME", "DIGEST", "LAYERS", "SIZE",
		       "PULLED", "SOURCE");
	while ((de = readdir(d))) {
		OciImage img;

		if (!oci_name_ok(de->d_name))
			continue;
		r = oci_image_read(s.libfd, de->d_name, &img);
		if (r < 0) {
			log_error("Failed to read %s/%s/images/%s: %s", ALCOVE_LIB_DIR, OCI_DIR,
				  de->d_name, strerror(-r));
			continue;
		}
		list_one(de->d_name, &img, ctx->json, &first);
	}
	closedir(d);
	if (ctx->json)
		fputs("]}\n", stdout);
	return CTL_EXIT_OK;
}

static int read_image(OciStore *s, const char *name, OciImage *img)
{
	int r = oci_image_read(s->libfd, name, img);

	if (r == -ENOENT)
		log_error("image %s does not exist (`alcovectl image list` shows the images)",
			  name);
	else if (r < 0)
		log_error("Failed to read %s/%s/images/%s: %s", ALCOVE_LIB_DIR, OCI_DIR, name,
			  strerror(-r));
	return r;
}

/* "KEY=VALUE\n" lines as a JSON object */
static void labels_json(const char *labels)
{
	int first = 1;

	fputs("{", stdout);
	for (const char *l = labels; *l;) {
		size_t k = strcspn(l, "="), e = strcspn(l, "\n");
		char key[256], val[2048];

		snprintf(key, sizeof(key), "%.*s", (int)k, l);
		snprintf(val, sizeof(val), "%.*s", (int)(e - k - 1), l + k + 1);
		json_key(stdout, key, &first);
		json_string(stdout, val);
		l += e + (l[e] == '\n');
	}
	fputs("}", stdout);
}

/* img->config as a JSON object: User and WorkingDir strings, Env an array of its entries,
 * Entrypoint and Cmd the arrays recorded (jansson's own output), "used_by_logins" none. */
static void config_json(const char *config)
{
	int first = 1;
	bool in_env = false;

	fputs("{", stdout);
	json_key(stdout, "used_by_logins", &first);
	fputs("[]", stdout);
	for (const char *l = config; *l;) {
		size_t k = strcspn(l, "="), e = strcspn(l, "\n");
		char key[32], val[4096];
		bool env;

		snprintf(key, sizeof(key), "%.*s", (int)k, l);
		snprintf(val, sizeof(val), "%.*s", (int)(e - k - 1), l + k + 1);
		l += e + (l[e] == '\n');
		env = strcmp(key, "Env") == 0;
		if (in_env && !env)
			fputs("]", stdout);
		if (in_env && env)
			fputs(", ", stdout);
		else
			json_key(stdout, key, &first);
		if (env && !in_env)
			fputs("[", stdout);
		/* as JSON only what is a JSON array of strings (a record of an older alcove may
		 * hold a config's string as it was) */
		if ((strcmp(key, "Entrypoint") == 0 || strcmp(key, "Cmd") == 0) &&
		    oci_json_strings_ok(val))
			fputs(val, stdout);
		else
			json_string(stdout, val);
		in_env = env;
	}
	fputs(in_env ? "]}" : "}", stdout);
}

static void inspect_json(const char *name, const OciImage *img, const OciStore *s,
			 const char *alcoves)
{
	int f = 1;

	fputs("{", stdout);
	json_key(stdout, "name", &f);
	json_string(stdout, name);
	json_key(stdout, "digest", &f);
	printf("\"sha256:%s\"", img->manifest);
	json_key(stdout, "source", &f);
	json_string(stdout, img->source);
	json_key(stdout, "pulled", &f);
	printf("%lld", (long long)img->pulled);
	json_key(stdout, "alcoves", &f);
	fputs("[", stdout);
	for (const char *l = alcoves; *l;) {
		size_t e = strcspn(l, "\n");
		char user[256];

		snprintf(user, sizeof(user), "%.*s", (int)e, l);
		fputs(l == alcoves ? "" : ", ", stdout);
		json_string(stdout, user);
		l += e + (l[e] == '\n');
	}
	fputs("]", stdout);
	json_key(stdout, "labels", &f);
	labels_json(img->labels);
	json_key(stdout, "config", &f);
	config_json(img->config);
	json_key(stdout, "left_out", &f);
	fputs(img->cut ? "true" : "false", stdout);
	json_key(stdout, "layers", &f);
	fputs("[", stdout);
	for (size_t i = 0; i < img->n_layers; i++) {
		struct stat st;
		int lf = 1;

		printf("%s{", i ? ", " : "");
		json_key(stdout, "digest", &lf);
		printf("\"sha256:%s\"", img->layers[i]);
		json_key(stdout, "size", &lf);
		printf("%llu", (unsigned long long)img->sizes[i]);
		json_key(stdout, "stored", &lf);
		fputs(fstatat(s->layersfd, img->layers[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			      S_ISDIR(st.st_mode)
			  ? "true"
			  : "false",
		      stdout);
		fputs("}", stdout);
	}
	fputs("]}\n", stdout);
}

/* A heading, then each "KEY=VALUE\n" of list indented, or none when empty; the image's text
 * escaped (text_escape_n(), spaces kept), so that no terminal escape of its config reaches
 * the screen. */
static void lines_print(const char *head, const char *none, const char *list)
{
	printf("%s%s\n", head, *list ? "" : none);
	for (const char *l = list; *l;) {
		size_t e = strcspn(l, "\n");
		char shown[4 * OCI_RECORD_MAX];

		if (text_escape_n(l, e, true, shown, sizeof(shown)) < 0)
			printf("  %s...\n", shown); /* cannot be: a line of a record fits */
		else
			printf("  %s\n", shown);
		l += e + (l[e] == '\n');
	}
}

static int cmd_inspect_image(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(storep) OciStore s = OCI_STORE_INIT;
	OciImage img;
	char t[64], alcoves[1024];
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (argc - first != 1 || !oci_name_ok(argv[first]))
		return ctl_usage(ctx, "inspect needs one image NAME");
	if (store_open(&s, LOCK_SH, false) < 0 || read_image(&s, argv[first], &img) < 0)
		return CTL_EXIT_FAILURE;
	oci_alcoves_using(&img, alcoves, sizeof(alcoves));
	if (ctx->json) {
		ctx->json_written = true;
		inspect_json(argv[first], &img, &s, alcoves);
		return CTL_EXIT_OK;
	}
	when(img.pulled, t, sizeof(t));
	printf("name:    %s\ndigest:  sha256:%s\nsource:  %s\npulled:  %s\n", argv[first],
	       img.manifest, img.source, t);
	lines_print("alcoves: (users)", " none", alcoves);
	lines_print("config:  not used by logins (the user's shell, in their home)", "",
		    img.config);
	lines_print("labels:  ", "none", img.labels);
	if (img.cut)
		printf("left out: some labels or config entries (too long for the record, a key "
		       "over %d bytes, or holding a newline)\n",
		       OCI_KEY_MAX);
	printf("layers:  (base first)\n");
	for (size_t i = 0; i < img.n_layers; i++)
		printf("  sha256:%s %12llu bytes\n", img.layers[i],
		       (unsigned long long)img.sizes[i]);
	return CTL_EXIT_OK;
}

/* Only the record goes: its layers stay until `image prune` (another image may share them). */
static int cmd_rm_image(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(storep) OciStore s = OCI_STORE_INIT;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (argc - first != 1 || !oci_name_ok(argv[first]))
		return ctl_usage(ctx, "rm needs one image NAME");
	if (store_open(&s, LOCK_EX, false) < 0)
		return CTL_EXIT_FAILURE;
	if (unlinkat(s.imagesfd, argv[first], 0) < 0) {
		if (errno == ENOENT)
			log_error("image %s does not exist", argv[first]);
		else
			log_error_errno(-errno, "Failed to remove image %s: %m", argv[first]);
		return CTL_EXIT_FAILURE;
	}
	images_sync(&s);
	printf("removed image %s (`alcovectl image prune` removes layers no image uses)\n",
	       argv[first]);
	return CTL_EXIT_OK;
}

/* Layers that no image record and no alcove's layers file names (the rule: docs/INTERNALS.md,
 * "OCI images"). Under the store's exclusive lock: a build records its layers under the
 * shared one before it lets go. Nothing is removed when any of them cannot be read. */
static int prune_layers(OciStore *s, const OciLayerSet *keep, size_t *ret_kept)
{
	DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(s->layersfd, &d);

	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		if (!oci_hex_ok(de->d_name))
			continue;
		if (oci_layer_set_has(keep, de->d_name)) {
			(*ret_kept)++;
			continue;
		}
		r = oci_store_remove_layer(s, de->d_name);
		if (r < 0) {
			log_error("Failed to remove layer sha256:%s: %s", de->d_name, strerror(-r));
			break;
		}
		printf("removed layer sha256:%s\n", de->d_name);
	}
	closedir(d);
	return r;
}

static int cmd_prune_image(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(storep) OciStore s = OCI_STORE_INIT;
	OciLayerSet keep = {0};
	AlcError e = {0};
	size_t kept = 0;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (first != argc)
		return ctl_usage(ctx, "prune takes no arguments");
	if (store_open(&s, LOCK_EX, true) < 0)
		return CTL_EXIT_FAILURE;
	r = oci_layers_of_images(&s, &keep, &e);
	if (r >= 0)
		r = oci_layers_of_alcoves(&keep, &e);
	if (r < 0) {
		log_error("Failed to tell which layers are in use: %s; nothing removed", e.msg);
		oci_layer_set_free(&keep);
		return CTL_EXIT_FAILURE;
	}
	r = prune_layers(&s, &keep, &kept);
	oci_layer_set_free(&keep);
	store_finish(&s, NULL);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	printf("kept %zu layer%s in use\n", kept, kept == 1 ? "" : "s");
	return CTL_EXIT_OK;
}

static const struct {
	const char *name;
	CtlVerbFn run;
} image_verbs[] = {
    {"pull", cmd_pull},
    {"list", cmd_list_images},
    {"inspect", cmd_inspect_image},
    {"rm", cmd_rm_image},
    {"prune", cmd_prune_image},
};

int cmd_image(CtlContext *ctx, int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage(ctx, "which image verb?");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		printf("usage: alcovectl image %s\n  %s\n", ctx->verb->args, ctx->verb->help);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(image_verbs); i++)
		if (strcmp(argv[1], image_verbs[i].name) == 0)
			return image_verbs[i].run(ctx, argc - 1, argv + 1);
	return ctl_usage(ctx, "unknown image verb '%s'", argv[1]);
}
