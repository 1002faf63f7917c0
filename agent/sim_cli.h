/* SPDX-License-Identifier: Apache-2.0 */
/* agent/sim_cli.h - `packline sim posnet`: serve the POSNET simulator.
 *
 *   packline sim posnet [--pty] [--link PATH] | --tcp [HOST:]PORT [--port-file FILE]
 *                       [--state FILE] [--paper FILE] [--status FILE] [--baud N]
 *                       [--fault SPEC]... [--paper-out] [--paper-back-ms MS]
 *                       [--strict-crc] [--no-daily-reset] [--paper-width 57|80]
 *
 * Serves fiscal/posnet_sim.h on a pseudo-terminal (default; the slave path
 * is printed on stdout, --link makes a symlink to it) or on a TCP port
 * (127.0.0.1 unless a host is given; port 0 picks one, printed as
 * HOST:PORT). --state loads the printer's state at start and rewrites it
 * (tmp + rename) after every change and at exit, BEFORE the reply leaves,
 * so a restarted simulator keeps its counters; --paper appends every
 * printed document (posnet_sim_paper format); --status rewrites one line
 * "rd hn bn bt bc di open footer" after every change. --baud paces both
 * directions like an 8N1 line (10 bit times per byte). SIGUSR1 toggles the
 * paper roll (out/in); SIGTERM and SIGINT exit with status 0 after saving.
 */
#ifndef PL_AGENT_SIM_CLI_H
#define PL_AGENT_SIM_CLI_H

/* argv[0] is the simulator kind ("posnet"); returns a cli_exit code. */
int sim_cli_main(int argc, char **argv);

#endif
