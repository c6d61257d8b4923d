/* The YAML layer of the configuration: libyaml's event parser, walked with
 * a stack of open mappings whose keys join into the dotted key. Only the
 * shape the schema can take is accepted (one document, nested mappings,
 * scalar values, and the one list, wasm.plugins: a sequence of flat
 * mappings whose methods may be a sequence of scalars); anything else is an
 * error with its position. */
#include "core/config_int.h"
#include <cortex/error.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

typedef struct level {
    size_t base;     /* length of the path above this mapping */
    bool have_key;   /* a key was read; its value comes next */
    yaml_mark_t key; /* where that key was */
} level;

/* wasm.plugins while it is being read: entries are collected here and
 * replace the configuration's list when the sequence ends. */
typedef struct plist {
    bool active;            /* inside the sequence */
    cx_config_plugins list; /* entries read so far (room for the maximum) */
    bool in_entry;          /* inside an entry's mapping */
    cx_config_plugin cur;   /* that entry */
    unsigned cur_seen;      /* its fields seen, bit = field index */
    yaml_mark_t cur_mark;   /* where it starts */
    int field;              /* the field whose value comes next, -1: a key comes next */
    bool in_methods;        /* inside methods: [...] */
    unsigned nmethods;
} plist;

typedef struct walker {
    cx_config *cfg;
    cx_config_error *err;
    const char *name;
    const char *data;
    size_t len;
    unsigned char *seen;
    char path[CX_CONFIG_MAX_KEY + 1];
    size_t plen;
    size_t depth; /* open mappings */
    level stack[CX_CONFIG_MAX_DEPTH];
    int documents;
    plist pl;
} walker;

static cx__config_pos at(const walker *w, yaml_mark_t mark) {
    return (cx__config_pos){
        .source = w->name, .line = (unsigned)mark.line + 1, .column = (unsigned)mark.column + 1};
}

/* Fail at mark, naming the current path (quoted: it is the user's text). */
static int fail_at(walker *w, int code, yaml_mark_t mark, const char *what) {
    cx__config_pos pos = at(w, mark);
    pos.label = "";
    if (!w->plen) return cx__config_fail(w->err, code, &pos, "", "%s", what);
    char shown[CX_CONFIG_MAX_KEY + 64];
    cx__config_quote(shown, sizeof shown, w->path, w->plen, CX_CONFIG_MAX_KEY);
    return cx__config_fail(w->err, code, &pos, w->path, "%s: %s", shown, what);
}

/* Plain ~, null or nothing: YAML's null, which clears an optional string. */
static bool is_null(const yaml_event_t *ev) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !ev->data.scalar.plain_implicit)
        return false;
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (strcmp((const char *)ev->data.scalar.value, nulls[i]) == 0) return true;
    return false;
}

static int on_key(walker *w, level *lv, const yaml_event_t *ev) {
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    size_t need = lv->base + (lv->base ? 1 : 0) + n;
    w->plen = lv->base;
    w->path[w->plen] = '\0';
    if (need > CX_CONFIG_MAX_KEY || memchr(s, '\0', n))
        return fail_at(w, need > CX_CONFIG_MAX_KEY ? CX_ELIMIT : CX_ENOTFOUND, ev->start_mark,
                       need > CX_CONFIG_MAX_KEY ? "key too long" : "key with a NUL byte");
    if (lv->base) w->path[w->plen++] = '.';
    memcpy(w->path + w->plen, s, n);
    w->plen += n;
    w->path[w->plen] = '\0';
    lv->have_key = true;
    lv->key = ev->start_mark;
    return CX_OK;
}

static int on_value(walker *w, level *lv, const yaml_event_t *ev) {
    size_t n = ev->data.scalar.length;
    const char *s = (const char *)ev->data.scalar.value;
    if (n > CX_CONFIG_MAX_STRING) return fail_at(w, CX_ELIMIT, ev->start_mark, "value too long");
    if (memchr(s, '\0', n)) return fail_at(w, CX_ECONFIG, ev->start_mark, "value with a NUL byte");
    if (cx__config_find(w->path, w->plen) < 0 && cx__config_is_section(w->path, w->plen))
        return fail_at(w, CX_ECONFIG, ev->start_mark, "a section: expects a mapping");
    cx__config_pos pos = at(w, ev->start_mark);
    /* An unknown key is reported where the key is, a bad value where it is. */
    if (cx__config_find(w->path, w->plen) < 0) pos = at(w, lv->key);
    int rc = cx__config_set_at(w->cfg, w->path, is_null(ev) ? NULL : s, &pos, w->seen, w->err);
    lv->have_key = false;
    w->plen = lv->base;
    w->path[w->plen] = '\0';
    return rc;
}

static int on_scalar(walker *w, const yaml_event_t *ev) {
    if (w->depth == 0) {
        if (is_null(ev)) return CX_OK; /* an empty document */
        return fail_at(w, CX_EPARSE, ev->start_mark, "the top level must be a mapping of settings");
    }
    level *lv = &w->stack[w->depth - 1];
    return lv->have_key ? on_value(w, lv, ev) : on_key(w, lv, ev);
}

static int on_mapping_start(walker *w, const yaml_event_t *ev) {
    if (w->depth > 0) {
        level *lv = &w->stack[w->depth - 1];
        if (!lv->have_key) return fail_at(w, CX_EPARSE, ev->start_mark, "a mapping as a key");
        if (cx__config_find(w->path, w->plen) >= 0)
            return fail_at(w, CX_ECONFIG, ev->start_mark, "expects a value, not a mapping");
        if (!cx__config_is_section(w->path, w->plen)) {
            cx__config_pos pos = at(w, lv->key);
            char shown[CX_CONFIG_MAX_KEY + 64];
            cx__config_quote(shown, sizeof shown, w->path, w->plen, CX_CONFIG_MAX_KEY);
            pos.label = "";
            return cx__config_fail(w->err, CX_ENOTFOUND, &pos, w->path, "unknown section %s",
                                   shown);
        }
    }
    if (w->depth == CX_CONFIG_MAX_DEPTH)
        return fail_at(w, CX_EDEPTH, ev->start_mark, "mappings nested too deep");
    w->stack[w->depth++] = (level){.base = w->plen};
    return CX_OK;
}

static void on_mapping_end(walker *w) {
    w->depth--;
    if (w->depth == 0) return;
    level *lv = &w->stack[w->depth - 1];
    lv->have_key = false;
    w->plen = lv->base;
    w->path[w->plen] = '\0';
}

/* ---- wasm.plugins ------------------------------------------------------------ */

static bool is_list_key(const char *path, size_t len) {
    int i = cx__config_find(path, len);
    return i >= 0 && strcmp(cx_config_keys(NULL)[i].type, "list") == 0;
}

/* "wasm.plugins[2]" or "wasm.plugins[2].fuel" into out. */
static const char *plugin_label(const walker *w, char *out, size_t cap, bool with_field) {
    const char *f = with_field ? cx__config_plugin_field_name(w->pl.field) : "";
    snprintf(out, cap, "%s[%u]%s%s", w->path, w->pl.list.count, *f ? "." : "", f);
    return out;
}

static int list_start(walker *w, level *lv) {
    int i = cx__config_find(w->path, w->plen);
    if (w->seen && w->seen[i]++) {
        cx__config_pos pos = at(w, lv->key);
        return cx__config_fail(w->err, CX_EPARSE, &pos, w->path, "set twice in the same place");
    }
    w->pl = (plist){.active = true, .field = -1};
    w->pl.list.items = calloc(CX_CONFIG_MAX_PLUGINS, sizeof *w->pl.list.items);
    if (!w->pl.list.items) return cx__config_fail(w->err, CX_ENOMEM, NULL, "", "out of memory");
    return CX_OK;
}

static int list_entry_start(walker *w, const yaml_event_t *ev) {
    if (w->pl.list.count == CX_CONFIG_MAX_PLUGINS) {
        char what[64];
        snprintf(what, sizeof what, "more than %d plugins", CX_CONFIG_MAX_PLUGINS);
        return fail_at(w, CX_ELIMIT, ev->start_mark, what);
    }
    cx__config_plugin_init(&w->pl.cur);
    w->pl.cur.source = strdup(w->name);
    if (!w->pl.cur.source) return cx__config_fail(w->err, CX_ENOMEM, NULL, "", "out of memory");
    w->pl.cur.line = (unsigned)ev->start_mark.line + 1;
    w->pl.cur.column = (unsigned)ev->start_mark.column + 1;
    w->pl.in_entry = true;
    w->pl.cur_seen = 0;
    w->pl.cur_mark = ev->start_mark;
    w->pl.field = -1;
    return CX_OK;
}

static int list_entry_end(walker *w) {
    char label[CX_CONFIG_MAX_KEY + 32];
    cx__config_pos pos = at(w, w->pl.cur_mark);
    plugin_label(w, label, sizeof label, false);
    pos.label = label;
    int rc = cx__config_plugin_check(&w->pl.cur, w->pl.cur_seen, &pos, label, w->err);
    if (rc) return rc;
    w->pl.list.items[w->pl.list.count++] = w->pl.cur;
    w->pl.cur = (cx_config_plugin){0};
    w->pl.in_entry = false;
    return CX_OK;
}

static void list_end(walker *w) {
    cx_config_plugins *list = &w->pl.list;
    if (!list->count) {
        free(list->items);
        list->items = NULL;
    }
    cx__config_plugins_replace(w->cfg, list);
    w->pl.active = false;
    level *lv = &w->stack[w->depth - 1];
    lv->have_key = false;
    w->plen = lv->base;
    w->path[w->plen] = '\0';
}

static int list_scalar(walker *w, const yaml_event_t *ev) {
    plist *pl = &w->pl;
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    char label[CX_CONFIG_MAX_KEY + 32];
    if (!pl->in_entry)
        return fail_at(w, CX_ECONFIG, ev->start_mark,
                       "each plugin is a mapping (path: ..., route: ...), not a value");
    if (n > CX_CONFIG_MAX_STRING) return fail_at(w, CX_ELIMIT, ev->start_mark, "value too long");
    if (memchr(s, '\0', n)) return fail_at(w, CX_ECONFIG, ev->start_mark, "value with a NUL byte");
    cx__config_pos pos = at(w, ev->start_mark);
    pos.label = plugin_label(w, label, sizeof label, true);
    if (pl->in_methods) {
        pl->nmethods++;
        return cx__config_plugin_method(&pl->cur, s, &pos, label, w->err);
    }
    if (pl->field < 0) {
        int f = cx__config_plugin_field(s, n);
        char shown[96];
        cx__config_quote(shown, sizeof shown, s, n, 48);
        if (f < 0)
            return cx__config_fail(w->err, CX_ENOTFOUND, &pos, label,
                                   "unknown field %s (path, kind, route, prefix, methods, fuel, "
                                   "timeout, memory_pages, max_body, max_response, reuse, "
                                   "max_idle)",
                                   shown);
        if (pl->cur_seen & (1u << f))
            return cx__config_fail(w->err, CX_EPARSE, &pos, label, "%s set twice", shown);
        pl->cur_seen |= 1u << f;
        pl->field = f;
        return CX_OK;
    }
    int rc =
        cx__config_plugin_set(&pl->cur, pl->field, is_null(ev) ? NULL : s, &pos, label, w->err);
    pl->field = -1;
    return rc;
}

/* Every event while inside wasm.plugins. */
static int list_event(walker *w, const yaml_event_t *ev) {
    plist *pl = &w->pl;
    char label[CX_CONFIG_MAX_KEY + 32];
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return list_scalar(w, ev);
    case YAML_SEQUENCE_START_EVENT:
        if (pl->in_entry && pl->field >= 0 && !pl->in_methods &&
            cx__config_plugin_is_methods(pl->field)) {
            pl->in_methods = true;
            pl->nmethods = 0;
            pl->cur.methods = 0;
            return CX_OK;
        }
        return fail_at(w, CX_EPARSE, ev->start_mark, "lists are not supported here");
    case YAML_SEQUENCE_END_EVENT:
        if (pl->in_methods) {
            pl->in_methods = false;
            if (!pl->nmethods) {
                cx__config_pos pos = at(w, ev->start_mark);
                pos.label = plugin_label(w, label, sizeof label, true);
                return cx__config_fail(w->err, CX_ECONFIG, &pos, label,
                                       "needs at least one method");
            }
            pl->field = -1;
            return CX_OK;
        }
        list_end(w);
        return CX_OK;
    case YAML_MAPPING_START_EVENT:
        if (!pl->in_entry) return list_entry_start(w, ev);
        return fail_at(w, CX_ECONFIG, ev->start_mark,
                       "a plugin's fields take values, not mappings");
    case YAML_MAPPING_END_EVENT:
        return list_entry_end(w);
    case YAML_ALIAS_EVENT:
        return fail_at(w, CX_EPARSE, ev->start_mark, "aliases are not supported");
    default:
        return CX_OK;
    }
}

static void list_free(walker *w) {
    cx_config_plugins *list = &w->pl.list;
    for (unsigned i = 0; i < list->count; i++) cx__config_plugin_free(&list->items[i]);
    free(list->items);
    cx__config_plugin_free(&w->pl.cur);
    w->pl = (plist){0};
}

static int on_event(walker *w, const yaml_event_t *ev) {
    if (w->pl.active) return list_event(w, ev);
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++w->documents > 1)
            return fail_at(w, CX_EPARSE, ev->start_mark, "more than one YAML document");
        return CX_OK;
    case YAML_SCALAR_EVENT:
        return on_scalar(w, ev);
    case YAML_MAPPING_START_EVENT:
        return on_mapping_start(w, ev);
    case YAML_MAPPING_END_EVENT:
        on_mapping_end(w);
        return CX_OK;
    case YAML_SEQUENCE_START_EVENT:
        if (w->depth > 0 && w->stack[w->depth - 1].have_key && is_list_key(w->path, w->plen))
            return list_start(w, &w->stack[w->depth - 1]);
        return fail_at(w, CX_EPARSE, ev->start_mark, "lists are not supported here");
    case YAML_ALIAS_EVENT:
        return fail_at(w, CX_EPARSE, ev->start_mark, "aliases are not supported");
    default:
        return CX_OK;
    }
}

/* Line and column of a byte offset, for reader errors, which carry no mark. */
static yaml_mark_t mark_of(const walker *w, size_t offset) {
    yaml_mark_t m = {0};
    if (offset > w->len) offset = w->len;
    for (size_t i = 0; i < offset; i++) {
        if (w->data[i] == '\n') {
            m.line++;
            m.column = 0;
        } else {
            m.column++;
        }
    }
    return m;
}

static int syntax_error(walker *w, const yaml_parser_t *p) {
    if (p->error == YAML_MEMORY_ERROR)
        return cx__config_fail(w->err, CX_ENOMEM, NULL, "", "out of memory");
    yaml_mark_t mark =
        p->error == YAML_READER_ERROR ? mark_of(w, p->problem_offset) : p->problem_mark;
    char what[CX_CONFIG_MESSAGE_MAX / 2];
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->context)
        snprintf(what, sizeof what, "malformed YAML: %s (%s from line %zu)", problem, p->context,
                 p->context_mark.line + 1);
    else
        snprintf(what, sizeof what, "malformed YAML: %s", problem);
    cx__config_pos pos = at(w, mark);
    pos.label = "";
    return cx__config_fail(w->err, CX_EPARSE, &pos, "", "%s", what);
}

static int walk(walker *w) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return cx__config_fail(w->err, CX_ENOMEM, NULL, "", "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)w->data, w->len);
    int rc = CX_OK;
    for (bool done = false; !done && !rc;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = syntax_error(w, &parser);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(w, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

int cx_config_load_string(cx_config *cfg, const char *data, size_t len, const char *name,
                          cx_config_error *err) {
    if (!name) name = "<string>";
    if (len > CX_CONFIG_MAX_FILE)
        return cx__config_fail(err, CX_ELIMIT, &(cx__config_pos){.source = name, .label = ""}, "",
                               "larger than %u bytes", CX_CONFIG_MAX_FILE);
    walker w = {.err = err, .name = name, .data = data ? data : "", .len = data ? len : 0};
    cx_config tmp;
    if (cx_config_copy(&tmp, cfg))
        return cx__config_fail(err, CX_ENOMEM, NULL, "", "out of memory");
    w.cfg = &tmp;
    w.seen = calloc(cx__config_count(), 1);
    int rc = w.seen ? walk(&w) : cx__config_fail(err, CX_ENOMEM, NULL, "", "out of memory");
    free(w.seen);
    list_free(&w);
    if (rc) {
        cx_config_free(&tmp);
        return rc;
    }
    cx_config_free(cfg);
    *cfg = tmp;
    return CX_OK;
}

/* The whole file, refusing more than CX_CONFIG_MAX_FILE bytes; reads until
 * end of file, so pipes and /dev/stdin work too. */
static int read_file(const char *path, char **out, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? CX_OK : CX_ENOMEM;
    while (!rc) {
        if (n == cap) {
            char *p = cap > CX_CONFIG_MAX_FILE ? NULL : realloc(buf, cap * 2);
            if (!p) {
                rc = cap > CX_CONFIG_MAX_FILE ? CX_ELIMIT : CX_ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t k = read(fd, buf + n, cap - n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) rc = -errno;
        if (k <= 0) break;
        n += (size_t)k;
    }
    close(fd);
    if (!rc && n > CX_CONFIG_MAX_FILE) rc = CX_ELIMIT;
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return CX_OK;
}

int cx_config_load_file(cx_config *cfg, const char *path, cx_config_error *err) {
    char *data = NULL;
    size_t len = 0;
    cx__config_pos pos = {.source = path ? path : "", .label = ""};
    if (!path) return cx__config_fail(err, CX_EINVAL, &pos, "", "no file name");
    int rc = read_file(path, &data, &len);
    if (rc == CX_ELIMIT)
        return cx__config_fail(err, rc, &pos, "", "larger than %u bytes", CX_CONFIG_MAX_FILE);
    if (rc) return cx__config_fail(err, rc, &pos, "", "cannot read: %s", cx_strerror(rc));
    rc = cx_config_load_string(cfg, data, len, path, err);
    free(data);
    return rc;
}
