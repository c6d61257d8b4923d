/* A WASI command for `cortex wasm run`: prints its arguments and one
 * environment variable, reads a file from the preopened directory if one
 * is named, and exits with the number of arguments. Built to wasm32 by
 * cmake/modules/wasm.cmake (this folder has no main.c: it is not a native
 * example). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("hello from wasm, argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *who = getenv("CX_WASM_WHO");
    if (who) printf("who=%s\n", who);
    if (argc > 2 && argv[1][0] == '@') {
        FILE *f = fopen(argv[2], "r");
        if (!f) {
            printf("cannot open %s\n", argv[2]);
            return 100;
        }
        char line[128];
        if (fgets(line, sizeof line, f)) printf("first line: %s", line);
        fclose(f);
    }
    return argc;
}
