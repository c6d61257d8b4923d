/* Configuration and structured logging, end to end.
 *
 *   example_config                         built-in YAML, environment, no flags
 *   example_config cortex.yaml             a file of your own
 *   example_config - log.format=json port=9000
 *                                          "-": the built-in YAML; then KEY=VALUE "flags"
 *   CORTEX_LOG_LEVEL=debug example_config  the environment sits between file and flags
 *
 * It layers the settings (defaults < YAML < CORTEX_* environment < flags),
 * prints the effective configuration, shows what an error looks like, then
 * configures the default logger from the settings and writes a few records.
 */
#include <cortex/config.h>
#include <cortex/log.h>
#include <stdio.h>
#include <string.h>

static const char builtin_yaml[] = "# what a cortex.yaml might hold\n"
                                   "server:\n"
                                   "  port: 8081\n"
                                   "  threads: 2\n"
                                   "log:\n"
                                   "  format: logfmt\n"
                                   "limits:\n"
                                   "  max_body: 1MiB\n"
                                   "  idle_timeout: 30s\n";

/* The layers, in order; the first failure is reported with its position. */
static int load_layers(cx_config *cfg, int argc, char **argv) {
    cx_config_error err;
    int rc;
    if (argc > 1 && strcmp(argv[1], "-") != 0)
        rc = cx_config_load_file(cfg, argv[1], &err);
    else
        rc = cx_config_load_string(cfg, builtin_yaml, sizeof builtin_yaml - 1, "built-in", &err);
    if (!rc) rc = cx_config_load_env(cfg, NULL, &err);
    for (int i = 2; i < argc && !rc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "expected KEY=VALUE, got '%s'\n", argv[i]);
            return 1;
        }
        *eq = '\0';
        rc = cx_config_set(cfg, argv[i], eq + 1, &err);
        *eq = '=';
    }
    if (rc) fprintf(stderr, "configuration error: %s\n", err.message);
    return rc ? 1 : 0;
}

/* A deliberate mistake, to show the message a user would get. */
static void show_an_error(void) {
    static const char bad[] = "server:\n  prot: 80\n";
    cx_config scratch;
    cx_config_error err;
    cx_config_init(&scratch);
    if (cx_config_load_string(&scratch, bad, sizeof bad - 1, "typo.yaml", &err))
        printf("# a typo is reported like this:\n#   %s\n", err.message);
    cx_config_free(&scratch);
}

static void write_some_records(cx_logger *lg, const cx_config *cfg) {
    cx_log(lg, CX_LOG_INFO, "configured", "host", cfg->host, "format",
           cx_log_format_name(cfg->log_format), NULL);
    CX_LOG(lg, CX_LOG_INFO, "limits", CX_KV_UINT("max_body", cfg->limits.max_body),
           CX_KV_UINT("idle_timeout_ms", cfg->limits.idle_timeout_ms),
           CX_KV_BOOL("access_log", cfg->access_log));
    CX_LOG(lg, CX_LOG_DEBUG, "only at debug", CX_KV_STR("hint", "try CORTEX_LOG_LEVEL=debug"));
    CX_LOG(lg, CX_LOG_WARN, "escaped", CX_KV_STR("text", "a \"quoted\"\nvalue"),
           CX_KV_FLOAT("ratio", 0.25));
    cx_log_access(lg, CX_STR("GET"), CX_STR("/plaintext"), 200, 13, 84, CX_STR("127.0.0.1:50000"));
}

int main(int argc, char **argv) {
    cx_config cfg;
    if (cx_config_init(&cfg)) return 1;
    if (load_layers(&cfg, argc, argv)) {
        cx_config_free(&cfg);
        return 1;
    }
    cx_buf out = CX_BUF_INIT;
    cx_config_dump(&cfg, &out);
    fwrite(out.data, 1, out.len, stdout);
    cx_buf_free(&out);
    show_an_error();
    fflush(stdout);

    /* Records go to stdout here so the output reads in order. */
    cx_logger *lg = cx_log_default();
    cx_config_apply_log(&cfg, lg);
    cx_log_set_fd(lg, 1);
    write_some_records(lg, &cfg);
    cx_config_free(&cfg);
    return 0;
}
