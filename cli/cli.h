/* Sub-commands of the cortex CLI. Each returns the process exit status:
 * 0 success, 1 failure at run time, 2 bad usage. */
#ifndef CX_CLI_H
#define CX_CLI_H

#define CX_CLI_VERSION "0.1.0"

int cx_cli_serve(int argc, char **argv);
int cx_cli_version(int argc, char **argv);
int cx_cli_wasm(int argc, char **argv);    /* cli/wasm.c */
int cx_cli_graphql(int argc, char **argv); /* cli/graphql.c */
int cx_cli_eth(int argc, char **argv);     /* cli/eth.c */
int cx_cli_ipfs(int argc, char **argv);    /* cli/ipfs.c */

#endif
