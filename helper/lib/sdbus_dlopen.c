/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sd-bus calls of scope.c (and gc_scan.c), resolved from libsystemd.so.0 when the first
 * one is made.
 *
 * Why: the helper is exec'd for every login, twice (open and close), but talks to systemd
 * only when it builds an alcove with cgroup = "systemd" or stops one that has a scope.
 * Linked normally, libsystemd and what it pulls in (libgcrypt, liblzma, libzstd, liblz4,
 * libcap) are mapped and relocated at every exec: ~0.4 ms each time, measured by
 * tests/bench. These definitions carry the names and prototypes of <systemd/sd-bus.h>, so
 * scope.c is unchanged; the helper is linked without -lsystemd, so they are not exported
 * (a PIE exports nothing unless asked) and libsystemd, once loaded, binds only to itself.
 * The variadic calls go to their va_list twins (sd_bus_message_appendv, ...).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

static void *sym(const char *name)
{
	static void *lib;

	if (!lib) {
		/* the directory search of ld.so: the helper runs with a clean environment */
		lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		if (!lib)
			return NULL;
	}
	return dlsym(lib, name);
}

/* A function of libsystemd with a fixed argument list: FN(name, return type, value when
 * libsystemd cannot be loaded, (parameters), (arguments)). */
#define FN(name, type, fail, params, args)                                                         \
	type name params                                                                           \
	{                                                                                          \
		static type(*fn) params;                                                           \
		if (!fn)                                                                           \
			fn = (type(*) params)sym(#name);                                           \
		return fn ? fn args : fail;                                                        \
	}

FN(sd_bus_open_system, int, -ELIBACC, (sd_bus * *ret), (ret))
FN(sd_bus_flush_close_unref, sd_bus *, NULL, (sd_bus * bus), (bus))
FN(sd_bus_process, int, -ELIBACC, (sd_bus * bus, sd_bus_message **r), (bus, r))
FN(sd_bus_wait, int, -ELIBACC, (sd_bus * bus, uint64_t timeout_usec), (bus, timeout_usec))
FN(sd_bus_call, int, -ELIBACC,
   (sd_bus * bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
    sd_bus_message **reply),
   (bus, m, usec, ret_error, reply))
FN(sd_bus_match_signal, int, -ELIBACC,
   (sd_bus * bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
    const char *member, sd_bus_message_handler_t callback, void *userdata),
   (bus, ret, sender, path, interface, member, callback, userdata))
FN(sd_bus_slot_unref, sd_bus_slot *, NULL, (sd_bus_slot * slot), (slot))
FN(sd_bus_get_property_string, int, -ELIBACC,
   (sd_bus * bus, const char *destination, const char *path, const char *interface,
    const char *member, sd_bus_error *ret_error, char **ret),
   (bus, destination, path, interface, member, ret_error, ret))
FN(sd_bus_message_new_method_call, int, -ELIBACC,
   (sd_bus * bus, sd_bus_message **m, const char *destination, const char *path,
    const char *interface, const char *member),
   (bus, m, destination, path, interface, member))
FN(sd_bus_message_unref, sd_bus_message *, NULL, (sd_bus_message * m), (m))
FN(sd_bus_message_open_container, int, -ELIBACC,
   (sd_bus_message * m, char type, const char *contents), (m, type, contents))
FN(sd_bus_message_close_container, int, -ELIBACC, (sd_bus_message * m), (m))
FN(sd_bus_message_enter_container, int, -ELIBACC,
   (sd_bus_message * m, char type, const char *contents), (m, type, contents)) /* gc_scan.c */
FN(sd_bus_message_appendv, int, -ELIBACC, (sd_bus_message * m, const char *types, va_list ap),
   (m, types, ap))
FN(sd_bus_message_readv, int, -ELIBACC, (sd_bus_message * m, const char *types, va_list ap),
   (m, types, ap))
FN(sd_bus_call_methodv, int, -ELIBACC,
   (sd_bus * bus, const char *destination, const char *path, const char *interface,
    const char *member, sd_bus_error *ret_error, sd_bus_message **reply, const char *types,
    va_list ap),
   (bus, destination, path, interface, member, ret_error, reply, types, ap))
FN(sd_bus_error_is_set, int, 0, (const sd_bus_error *e), (e))
FN(sd_bus_error_has_name, int, 0, (const sd_bus_error *e, const char *name), (e, name))

void sd_bus_error_free(sd_bus_error *e)
{
	static void (*fn)(sd_bus_error *);

	if (!fn)
		fn = (void (*)(sd_bus_error *))sym("sd_bus_error_free");
	if (fn)
		fn(e);
}

int sd_bus_message_append(sd_bus_message *m, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = sd_bus_message_appendv(m, types, ap);
	va_end(ap);
	return r;
}

int sd_bus_message_read(sd_bus_message *m, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = sd_bus_message_readv(m, types, ap);
	va_end(ap);
	return r;
}

int sd_bus_call_method(sd_bus *bus, const char *destination, const char *path,
		       const char *interface, const char *member, sd_bus_error *ret_error,
		       sd_bus_message **reply, const char *types, ...)
{
	va_list ap;
	int r;

	va_start(ap, types);
	r = sd_bus_call_methodv(bus, destination, path, interface, member, ret_error, reply, types,
				ap);
	va_end(ap);
	return r;
}

/* sd_bus_error_has_names() expands to this; libsystemd has no va_list twin of it. */
int sd_bus_error_has_names_sentinel(const sd_bus_error *e, ...)
{
	const char *name;
	va_list ap;
	int r = 0;

	va_start(ap, e);
	while (!r && (name = va_arg(ap, const char *)))
		r = sd_bus_error_has_name(e, name);
	va_end(ap);
	return r;
}
