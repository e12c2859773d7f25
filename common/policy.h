/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The policy: /etc/alcove/alcove.conf (libconfig syntax) turned into data.
 * Pure: no syscalls beyond reading the file; every value validated with the
 * file:line of the setting. Shared by pam_alcove.so, alcove-helper, alcovectl.
 *
 *   defaults = { ...profile keys... };
 *   profiles = { name = { inherit = "other"; ...profile keys... }; ... };
 *   rules = ( { user|group|service|tty = "glob"...; rhost = "10.0.0.0/8"; profile = "name" | action = "skip"; }, ... );
 *   default_action = "skip" | "contain";   default_profile = "name";
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ALCOVE_DEFAULT_CONFIG SYSCONFDIR "/alcove/alcove.conf"

#define POLICY_MAX_LAYERS 16
#define POLICY_MAX_MOUNTS 32
#define POLICY_MAX_GROUPS 64
#define POLICY_MAX_ERRORS 64
#define POLICY_NAME_MAX 32 /* user and group names longer than this never reach a path */

typedef enum { ALCOVE_MODE_USER, ALCOVE_MODE_ROOT } AlcoveMode;
typedef enum { LOGOUT_KEEP, LOGOUT_STOP, LOGOUT_IDLE } LogoutPolicy;
typedef enum { CGROUP_SYSTEMD, CGROUP_NONE } CgroupPolicy;
typedef enum { FAILURE_CLOSED, FAILURE_OPEN } FailurePolicy;
typedef enum { SHARE_USER, SHARE_SESSION } SharePolicy;
typedef enum { NETWORK_HOST, NETWORK_NONE } NetworkPolicy;
/* When the filesystem of /var/lib/alcove cannot enforce layer_quota/layer_inodes. */
typedef enum { QUOTA_FALLBACK_REFUSE, QUOTA_FALLBACK_WARN } QuotaFallback;

/* Limits use systemd's property names; a bit in `set` says the value was given. */
typedef enum {
	LIMIT_MEMORY_MAX,
	LIMIT_MEMORY_HIGH,
	LIMIT_TASKS_MAX,
	LIMIT_CPU_WEIGHT,
	LIMIT_CPU_QUOTA, /* stored as CPUQuotaPerSecUSec: "50%" -> 500000 */
	LIMIT_IO_WEIGHT,
	_LIMIT_MAX,
} LimitKind;

#define LIMIT_INFINITY UINT64_MAX /* "infinity", as systemd spells it */
/* MemoryMax/MemoryHigh may be a share of the host's RAM ("25%"): the value is then
 * LIMIT_PERCENT_FLAG | millionths of RAM, turned into bytes when the scope is made (as
 * systemd's own "25%" counts physical memory). No byte size comes near the flag. */
#define LIMIT_PERCENT_FLAG (1ull << 62)
static inline bool limit_is_percent(uint64_t v)
{
	return v != LIMIT_INFINITY && (v & LIMIT_PERCENT_FLAG);
}

typedef struct Limits {
	unsigned set; /* bit (1u << LimitKind) */
	uint64_t value[_LIMIT_MAX];
} Limits;

typedef struct ProfileMount {
	char *source; /* absolute host path */
	char *target; /* absolute path inside the alcove; defaults to source */
	bool writable;
} ProfileMount;

/* Keys of a profile, in the order explain prints them. */
typedef enum {
	PKEY_MODE,
	PKEY_IMAGE,
	PKEY_PERSIST,
	PKEY_HOME,
	PKEY_HOSTNAME,
	PKEY_ON_LAST_LOGOUT,
	PKEY_IDLE_TIMEOUT,
	PKEY_CGROUP,
	PKEY_FAILURE,
	PKEY_LIMITS,
	PKEY_GROUPS_PASSTHROUGH,
	PKEY_MOUNTS,
	PKEY_SETUID,
	PKEY_SHARE,
	PKEY_NETWORK,
	PKEY_LAYER_QUOTA,
	PKEY_LAYER_INODES,
	PKEY_LAYER_QUOTA_FALLBACK,
	PKEY_TUN,
	PKEY_TMP_SIZE,
	PKEY_TMP_INODES,
	PKEY_MAX_SESSIONS,
	_PKEY_MAX,
} ProfileKey;

/* The size of each tmpfs of an alcove (/tmp, /run, /dev/shm): bytes, or a share of the host's
 * RAM as tmpfs's own size=N% counts it. Exactly one of the two is non-zero. */
typedef struct TmpfsSize {
	uint64_t bytes;
	unsigned percent; /* 1..100 */
} TmpfsSize;

#define TMPFS_SIZE_MIN (1024u * 1024u) /* below this /run cannot hold what a login puts there */
#define TMPFS_INODES_MIN 64u
#define TMPFS_INODES_MAX (1u << 30)

/* Where a resolved value came from: "builtin", "defaults" or a profile name, and its line. */
typedef struct Origin {
	const char *section;
	int line;
} Origin;

typedef struct Profile {
	char *name; /* "defaults" for the defaults section */
	char *inherit; /* parent profile name, NULL = defaults */
	AlcoveMode mode;
	char *image[POLICY_MAX_LAYERS]; /* top layer first, lowest last (overlayfs lowerdir order) */
	size_t n_image;
	bool persist;
	char *home;     /* "host" or an absolute pattern ("/srv/homes/%u") */
	char *hostname; /* pattern, %u = user name */
	LogoutPolicy on_last_logout;
	unsigned idle_timeout; /* seconds, for on_last_logout = "idle" */
	CgroupPolicy cgroup;
	FailurePolicy failure;
	Limits limits;
	char *groups_passthrough[POLICY_MAX_GROUPS]; /* group names mapped 1:1 into the alcove */
	size_t n_groups_passthrough;
	ProfileMount mounts[POLICY_MAX_MOUNTS];
	size_t n_mounts;
	bool setuid; /* allow setuid binaries of the image (nosuid otherwise) */
	SharePolicy share;
	NetworkPolicy network;
	uint64_t layer_quota;  /* bytes of the persistent layer; 0: none */
	uint64_t layer_inodes; /* inodes of the persistent layer; 0: none */
	QuotaFallback layer_quota_fallback;
	bool tun; /* sshd's tunnel forwarding (ssh -w) for contained logins: /dev/net/tun */
	TmpfsSize tmp_size;  /* size= of /tmp, /run, /dev/shm */
	uint64_t tmp_inodes; /* nr_inodes= of the same */
	unsigned max_sessions; /* share = "session": a user's alcoves at once; 0: no limit */
	Origin origin[_PKEY_MAX]; /* filled for resolved profiles */
	Origin limit_origin[_LIMIT_MAX]; /* per limit: limits merge key by key */
	int inherit_line;                /* line of `inherit`, 0 if none */
	int line;                        /* line of the section itself (0 for builtin) */
} Profile;

typedef enum { RULE_CONTAIN, RULE_SKIP } RuleAction;

typedef struct Rule {
	char *user, *group, *service, *tty; /* globs (fnmatch); NULL = any */
	char *rhost; /* an address or CIDR (policy_rhost_matches); NULL = any */
	char *profile;                             /* NULL = defaults */
	RuleAction action;
	int line;
	char *text; /* the rule as written, for explain */
} Rule;

/* reserved_ids: host ids no subordinate range may hold ("100000-199999": first and last). */
#define POLICY_MAX_RESERVED 64
typedef struct IdRange {
	uint32_t first, last;
	int line;
} IdRange;

typedef struct Policy {
	char *path;
	Profile defaults;  /* builtin values overlaid with the defaults section */
	Profile *profiles; /* fully resolved (inheritance applied) */
	size_t n_profiles;
	Rule *rules;
	size_t n_rules;
	RuleAction default_action; /* when no rule matches; RULE_SKIP unless configured */
	char *default_profile;
	int default_action_line;  /* 0 when not configured */
	int default_profile_line; /* 0 when not configured */
	IdRange reserved_ids[POLICY_MAX_RESERVED]; /* directory-service ids (LDAP, sssd) */
	size_t n_reserved_ids;
} Policy;

typedef struct PolicyErrors {
	size_t n;
	char *msg[POLICY_MAX_ERRORS]; /* "FILE:LINE: message" */
	int line[POLICY_MAX_ERRORS];  /* LINE, for sorting (policy_load returns them in order) */
} PolicyErrors;

/* Loads and validates. On failure returns -EINVAL (or -errno of reading the file) and fills
 * errs with every problem found; *ret untouched. */
int policy_load(const char *path, Policy **ret, PolicyErrors *errs);
void policy_free(Policy *p);
void policy_errors_clear(PolicyErrors *errs);

const Profile *policy_find_profile(const Policy *p, const char *name);

/* Who is logging in, as the matcher needs it (login.h: login_lookup() fills one). */
typedef struct Login {
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *const *groups; /* names of primary + supplementary groups */
	size_t n_groups;
	const char *service; /* PAM service, may be NULL */
	const char *tty;
	const char *rhost;
} Login;

typedef enum {
	DECISION_SKIP,    /* not contained: a skip rule, or nothing matched */
	DECISION_CONTAIN, /* contained with `profile` */
	DECISION_REFUSE,  /* the login must be refused: hostile name, root, ... */
} DecisionKind;

typedef struct Decision {
	DecisionKind kind;
	const Rule *rule; /* NULL when no rule matched */
	size_t rule_index;
	const Profile *profile; /* for DECISION_CONTAIN */
	char reason[512];       /* one line, for logs and explain */
} Decision;

/* Pure: first matching rule wins. */
void policy_decide(const Policy *p, const Login *login, Decision *ret);
/* The rule's user and group keys match the login (the keys every login of a user shares;
 * service, tty and rhost are the login's own). Pure; no root exception: policy_decide()'s. */
bool policy_rule_matches_user(const Rule *r, const Login *login);

/* A user or group name that may become part of a path: [A-Za-z0-9_.-], not "." or "..",
 * not starting with '-', at most POLICY_NAME_MAX bytes. */
bool policy_name_is_safe(const char *name);
/* One of the profile's image layers names the host's root ("/", "//", "/./"). */
bool profile_image_is_host_root(const Profile *pr);
/* What the alcove does at its last logout: on_last_logout, but share = "session" never idles
 * (no login can return to a session alcove: each gets one of its own), it stops instead. */
LogoutPolicy profile_last_logout(const Profile *pr);

/* Expands %u (user), %U (uid), %% in pattern; -EINVAL if the result is empty, contains
 * a ".." component, or (for a single-component value such as a hostname) a '/'. */
int policy_expand(const char *pattern, const char *user, uid_t uid, bool is_path, char **ret);

/* systemd-style values: "512M", "2G", "infinity" (bytes, 1024-based); "50%" (CPUQuota). */
int policy_parse_size(const char *s, uint64_t *ret);
int policy_parse_percent(const char *s, uint64_t *ret_per_sec_usec);
/* MemoryMax/MemoryHigh: a size, "infinity", or "N%" of RAM (0 < N <= 100, two decimals):
 * LIMIT_PERCENT_FLAG | millionths. -EINVAL / -ERANGE. */
int policy_parse_memory(const char *s, uint64_t *ret);

/* tmp_size: "8M"-style sizes (at least TMPFS_SIZE_MIN, never "infinity") or "N%" of RAM
 * (1..100); -EINVAL / -ERANGE. Formatted back as policy_format_limit() spells a size, or "N%". */
int policy_parse_tmpfs_size(const char *s, TmpfsSize *ret);
void policy_format_tmpfs_size(const TmpfsSize *v, char *buf, size_t size);

const char *limit_name(LimitKind k);
const char *profile_key_name(ProfileKey k);

/* ---- Added by the policy layer (issue 2) ---- */

/* Appends "FILE:LINE: message" (FILE = path, LINE omitted when 0); -ENOMEM, or -E2BIG once
 * POLICY_MAX_ERRORS are held (the last slot then says errors were left out). */
int policy_errors_add(PolicyErrors *errs, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Stable sort by line of the entries from index `from` on. */
void policy_errors_sort(PolicyErrors *errs, size_t from);

/* Names of the values of the choice keys (PKEY_MODE, PKEY_ON_LAST_LOGOUT, PKEY_CGROUP,
 * PKEY_FAILURE, PKEY_SHARE, PKEY_NETWORK, PKEY_LAYER_QUOTA_FALLBACK): "user", "keep",
 * "systemd", ... NULL for any other. */
const char *policy_choice_name(ProfileKey k, int value);
/* The value for name, or -EINVAL (also for a key that is no choice). */
int policy_choice_from_name(ProfileKey k, const char *name);
/* Lists the allowed names, as `"user" or "root"`, into buf. */
void policy_choice_list(ProfileKey k, char *buf, size_t size);
int profile_get_choice(const Profile *p, ProfileKey k);
void profile_set_choice(Profile *p, ProfileKey k, int value);

/* Profile keys and limits by name (the spelling of the config file); -EINVAL if unknown. */
int profile_key_from_name(const char *name);
int limit_from_name(const char *name);

/* Text form of a value: sizes as "512M" when exact, "infinity", CPUQuota as "50%". */
void policy_format_limit(LimitKind k, uint64_t value, char *buf, size_t size);
/* Text form of a profile key's resolved value, as explain prints it (lists comma-separated). */
void profile_format_value(const Profile *p, ProfileKey k, char *buf, size_t size);

/* Checks a pattern (home, hostname) as policy_expand would, with a sample user name: unknown
 * escapes, "..", '/' in a hostname. -EINVAL with a reason in reason[] when it is bad. */
int policy_pattern_check(const char *pattern, bool is_path, char *reason, size_t size);

/* Profile memory: builtin values (origin "builtin", line 0), free, deep overlay of the keys
 * that src sets (origin != NULL; limits key by key). */
int profile_init_builtin(Profile *p, const char *name);
void profile_done(Profile *p);
int profile_overlay(Profile *dst, const Profile *src);

const char *decision_kind_name(DecisionKind k); /* "contain", "skip", "refuse" */

/* rhost patterns: an IPv4 or IPv6 address with an optional /prefix ("10.0.0.0/8", "::1",
 * "fe80::/10"), never a name or glob (a client controls its reverse DNS name). check: 0, or
 * -EINVAL with the reason in reason[]. matches: NULL pattern matches anything; an rhost that
 * is not a literal address (a DNS name, absent) matches no pattern. IPv4 is compared as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), so either spelling of a client matches; a zone
 * ("%eth0") of the rhost is ignored. is_name: rhost is set, not "", and not a literal address
 * (sshd's UseDNS yes: a reverse DNS name); policy_decide() matches such an rhost against
 * every rhost rule that contains and none that skips. */
int policy_rhost_check(const char *pattern, char *reason, size_t size);
bool policy_rhost_matches(const char *pattern, const char *rhost);
bool policy_rhost_is_name(const char *rhost);

/* A name no account should have and nothing may look up or match: empty, ".", a '/', "..",
 * a control character (newline, ...), more than POLICY_LOGIN_NAME_MAX bytes, a leading '-'.
 * policy_decide() refuses such a login before any rule; login_lookup() before NSS.
 * A name that is not hostile but still not policy_name_is_safe() ("alice@corp", "a b", an
 * sssd "first.last@corp.example.com" longer than POLICY_NAME_MAX) is looked up and matched
 * like any other: matching is string comparison, so skipping it is fine (the module answers
 * PAM_IGNORE); containing it is refused, naming it (it would become a path component, a unit
 * name, a passwd line inside). */
#define POLICY_LOGIN_NAME_MAX 256 /* LOGIN_NAME_MAX: no NSS name is longer */
bool policy_name_is_hostile(const char *name);
