/* agent/cli.c - command dispatch (placeholder until the CLI lands). */
#include "agent/cli.h"

#include <stdio.h>
#include <string.h>

int cli_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "version") == 0) {
		printf("packline %s\n", PL_VERSION);
		return CLI_OK;
	}
	fprintf(stderr, "usage: packline <command>\n");
	return CLI_EUSAGE;
}
