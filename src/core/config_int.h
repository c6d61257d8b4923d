/* Shared between config.c (the table of settings, values, environment,
 * dump) and config_yaml.c (the YAML loader). Not a public interface. */
#ifndef CX_CORE_CONFIG_INT_H
#define CX_CORE_CONFIG_INT_H

#include <cortex/config.h>
#include <stdbool.h>

/* Where a value came from, for messages. source "" means cx_config_set. */
typedef struct cx__config_pos {
    const char *source;
    unsigned line, column; /* 1-based, 0: none */
    const char *label;     /* what to call the key in messages (NULL: the key) */
} cx__config_pos;

/* Number of settings; a loader's "seen" array has this many entries. */
size_t cx__config_count(void);
/* Index of a key (full or with "server." left out), or -1. */
int cx__config_find(const char *key, size_t len);
/* Is prefix (len bytes) the start of some key followed by '.'? */
bool cx__config_is_section(const char *prefix, size_t len);

/* Set one key from text (NULL: null). When seen is not NULL, a key already
 * marked there is a duplicate. Errors are filled into err with pos. */
int cx__config_set_at(cx_config *cfg, const char *key, const char *value, const cx__config_pos *pos,
                      unsigned char *seen, cx_config_error *err);

/* Fill err (if any) and return code. The message is
 * "<source>:<line>:<col>: <key>: <detail>", parts left out when empty. */
int cx__config_fail(cx_config_error *err, int code, const cx__config_pos *pos, const char *key,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append s[0..n) to out[cap] quoted and escaped, cut with "..." past max
 * bytes: safe to print whatever the input held. */
void cx__config_quote(char *out, size_t cap, const char *s, size_t n, size_t max);

#endif
