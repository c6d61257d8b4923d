/* cortex graphql — placeholder until the module lands (replaced by its owner). */
#include <stdio.h>
#include "cli.h"

int cx_cli_graphql(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "cortex graphql: not built yet\n");
    return 1;
}
