/* cortex ipfs — placeholder until the module lands (replaced by its owner). */
#include <stdio.h>
#include "cli.h"

int cx_cli_ipfs(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "cortex ipfs: not built yet\n");
    return 1;
}
