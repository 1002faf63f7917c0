/* SPDX-License-Identifier: Apache-2.0 */
/* agent/cli.h - the command line: `packline <command> [<sub>] [options]`.
 *
 * Exit codes (documented in README and `packline --help`):
 *   0 success; 1 the command ran and found errors in its input (bad order,
 *   bad rule); 2 usage error; 3 configuration error; 4 store error;
 *   5 device or service error; 70 internal error.
 */
#ifndef PL_AGENT_CLI_H
#define PL_AGENT_CLI_H

enum cli_exit {
	CLI_OK = 0,
	CLI_EINPUT = 1,
	CLI_EUSAGE = 2,
	CLI_ECONFIG = 3,
	CLI_ESTORE = 4,
	CLI_EDEVICE = 5,
	CLI_EINTERNAL = 70,
};

int cli_main(int argc, char **argv);

#endif
