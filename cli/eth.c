/* cortex eth — placeholder until the module lands (replaced by its owner). */
#include <stdio.h>
#include "cli.h"

int cx_cli_eth(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "cortex eth: not built yet\n");
    return 1;
}
