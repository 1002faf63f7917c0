/* SPDX-License-Identifier: Apache-2.0 */
/* agent/main.c - the packline executable: hands argv to the CLI. */
#include "agent/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
