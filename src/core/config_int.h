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

/* ---- wasm.plugins entries (config.c), for the YAML loader ----------------
 * An entry is a mapping of fields. The loader starts one with _init, sets
 * each field with _set (for methods given as a YAML sequence: clears
 * p->methods and calls _method per item instead), then calls _check with
 * the bitmask of the fields it saw (bit = field index) and the entry's
 * position. label names the entry or field in messages
 * ("wasm.plugins[2].fuel"). */
void cx__config_plugin_init(cx_config_plugin *p);
void cx__config_plugin_free(cx_config_plugin *p);
/* Index of a field name, or -1; and the name of an index ("" if none). */
int cx__config_plugin_field(const char *name, size_t len);
const char *cx__config_plugin_field_name(int field);
/* Is the field the list of methods (which may be a YAML sequence)? */
int cx__config_plugin_is_methods(int field);
int cx__config_plugin_set(cx_config_plugin *p, int field, const char *value,
                          const cx__config_pos *pos, const char *label, cx_config_error *err);
int cx__config_plugin_method(cx_config_plugin *p, const char *name, const cx__config_pos *pos,
                             const char *label, cx_config_error *err);
int cx__config_plugin_check(cx_config_plugin *p, unsigned seen, const cx__config_pos *pos,
                            const char *label, cx_config_error *err);
/* Free cfg's list and move *list in its place (*list is left empty). */
void cx__config_plugins_replace(cx_config *cfg, cx_config_plugins *list);

#endif
