/* SPDX-License-Identifier: Apache-2.0 */
/* tests/helpers/sim_cli_run.c - run `packline sim ...` without the full CLI.
 *
 * TEST HELPER: `sim_cli_run posnet [options]` is exactly sim_cli_main() on
 * the arguments after the program name, so the shell tests of the
 * simulator do not depend on agent/cli.c wiring the `sim` command.
 */
#include "agent/sim_cli.h"

int main(int argc, char **argv)
{
	return sim_cli_main(argc - 1, argv + 1);
}
