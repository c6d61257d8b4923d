/* cortex wasm — placeholder until the module lands (replaced by its owner). */
#include <stdio.h>
#include "cli.h"

int cx_cli_wasm(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "cortex wasm: not built yet\n");
    return 1;
}
