/* cortex — the command-line tool. One binary, one sub-command per file:
 * main.c only dispatches. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", cx_cli_serve, "run the HTTP server with the demo routes and static files"},
    {"wasm", cx_cli_wasm, "run WebAssembly modules and spec test scripts"},
    {"graphql", cx_cli_graphql, "execute GraphQL queries and introspect schemas"},
    {"eth", cx_cli_eth, "Ethereum utilities: hashing, ABI, RLP, keys, signing, JSON-RPC"},
    {"ipfs", cx_cli_ipfs, "IPFS: add and cat content, serve the gateway and RPC API"},
    {"version", cx_cli_version, "print the version"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: cortex <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'cortex <command> --help' describes a command's options.\n");
}

int cx_cli_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("cortex %s\n", CX_CLI_VERSION);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) return cx_cli_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cortex: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
