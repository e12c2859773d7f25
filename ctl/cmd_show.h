/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* alcovectl show USER [--json]: argv[0] is "show". Returns the process exit code:
 * 0 shown, 1 no alcove of USER (or an error, printed on stderr), 2 usage. */
int cmd_show(int argc, char **argv);
