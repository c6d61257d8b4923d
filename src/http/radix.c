/* The router's radix tree. Static runs are compressed (a node splits when a
 * new pattern diverges inside it); ":param" and "*wild" children hang off
 * the static node that ends just after a '/', one of each per node, which is
 * what lets two routes disagree on a parameter's name be caught at
 * registration.
 *
 * Lookup is a depth-first search in priority order — static, then param,
 * then wildcard — that backs up when a branch dead-ends. A node is entered
 * at most once per search, because each step consumes a fixed amount of the
 * path given where it starts. Only nodes with a param or wildcard child
 * need a backtracking frame; they end right after a '/' of some pattern,
 * so CX_ROUTER_MAX_SEGMENTS frames suffice and the stack is a fixed array:
 * no allocation and no recursion on the request path. */
#include "radix.h"
#include <cortex/error.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { K_STATIC, K_PARAM, K_WILD };

#define ALL_METHODS (((1u << CX_METHOD_COUNT_) - 1) & ~1u)

typedef struct cx_rleaf {
    cx_rroute *slots[CX_METHOD_COUNT_]; /* [CX_RADIX_ANY]: any method */
    uint32_t allowed;
} cx_rleaf;

struct cx_rnode {
    uint8_t kind;
    uint16_t nkids; /* static children; at most 256 (one per first byte) */
    size_t len;     /* of text */
    char *text;     /* static: the bytes to match; param/wild: the name */
    char *first;    /* first byte of each static child, for memchr */
    cx_rnode **kids;
    cx_rnode *param;
    cx_rnode *wild;
    cx_rleaf *leaf;
};

/* ---- nodes ---------------------------------------------------------------- */

static cx_rnode *node_new(int kind, const char *text, size_t len) {
    cx_rnode *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = (uint8_t)kind;
    n->text = malloc(len + 1);
    if (!n->text) {
        free(n);
        return NULL;
    }
    memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    return n;
}

static void node_free(cx_rnode *n) {
    if (!n) return;
    for (unsigned i = 0; i < n->nkids; i++) node_free(n->kids[i]);
    node_free(n->param);
    node_free(n->wild);
    free(n->kids);
    free(n->first);
    free(n->leaf);
    free(n->text);
    free(n);
}

cx_rnode *cx_radix_new(void) {
    return node_new(K_STATIC, "", 0);
}

void cx_radix_free(cx_rnode *root) {
    node_free(root);
}

/* Most nodes have a handful of children and most static runs are a few
 * bytes: plain loops beat the libc calls there. */
#define SHORT_SCAN 16

static int kid_index(const cx_rnode *n, char c) {
    if (n->nkids <= SHORT_SCAN) {
        for (unsigned i = 0; i < n->nkids; i++)
            if (n->first[i] == c) return (int)i;
        return -1;
    }
    const char *p = memchr(n->first, c, n->nkids);
    return p ? (int)(p - n->first) : -1;
}

static bool same_bytes(const char *a, const char *b, size_t n) {
    if (n > SHORT_SCAN) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

static int add_kid(cx_rnode *n, cx_rnode *kid) {
    cx_rnode **k = realloc(n->kids, (n->nkids + 1u) * sizeof *k);
    if (!k) return CX_ENOMEM;
    n->kids = k;
    char *f = realloc(n->first, n->nkids + 1u);
    if (!f) return CX_ENOMEM;
    n->first = f;
    k[n->nkids] = kid;
    f[n->nkids] = kid->text[0];
    n->nkids++;
    return CX_OK;
}

/* Split parent's kid i after l bytes; the new upper half takes its place. */
static cx_rnode *split(cx_rnode *parent, int i, size_t l) {
    cx_rnode *c = parent->kids[i];
    cx_rnode *m = node_new(K_STATIC, c->text, l);
    char *rest = malloc(c->len - l + 1);
    cx_rnode **mk = malloc(sizeof *mk);
    char *mf = malloc(1);
    if (!m || !rest || !mk || !mf) {
        node_free(m);
        free(rest);
        free(mk);
        free(mf);
        return NULL;
    }
    memcpy(rest, c->text + l, c->len - l + 1);
    free(c->text);
    c->text = rest;
    c->len -= l;
    mk[0] = c;
    mf[0] = rest[0];
    m->kids = mk;
    m->first = mf;
    m->nkids = 1;
    parent->kids[i] = m;
    return m;
}

/* Drop every node that ends no route and leads to none; true when n itself
 * is such a node. Runs only after a failed insert or a removal. */
static bool prune(cx_rnode *n) {
    for (unsigned i = 0; i < n->nkids;) {
        if (prune(n->kids[i])) {
            node_free(n->kids[i]);
            n->nkids--;
            n->kids[i] = n->kids[n->nkids];
            n->first[i] = n->first[n->nkids];
        } else {
            i++;
        }
    }
    if (n->param && prune(n->param)) {
        node_free(n->param);
        n->param = NULL;
    }
    if (n->wild && prune(n->wild)) {
        node_free(n->wild);
        n->wild = NULL;
    }
    if (n->leaf && !n->leaf->allowed) {
        free(n->leaf);
        n->leaf = NULL;
    }
    return !n->leaf && !n->nkids && !n->param && !n->wild;
}

/* ---- patterns ------------------------------------------------------------- */

/* A ':' or '*' opening a segment; elsewhere they are literal bytes. */
static bool sigil_at(const char *p, size_t i) {
    return i > 0 && p[i - 1] == '/' && (p[i] == ':' || p[i] == '*');
}

static size_t seg_end(const char *p, size_t len, size_t i) {
    while (i < len && p[i] != '/') i++;
    return i;
}

static size_t static_end(const char *p, size_t len, size_t i) {
    while (i < len && !sigil_at(p, i)) i++;
    return i;
}

static bool name_ok(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

static int add_name(const char *p, size_t len, size_t i, size_t e, cx_str *names, unsigned *np) {
    cx_str name = {p + i + 1, e - i - 1};
    if (p[i] == '*' && e != len) return CX_EINVAL;
    if (!name_ok(name.ptr, name.len)) return CX_EINVAL;
    for (unsigned k = 0; k < *np; k++)
        if (cx_str_eq(names[k], name)) return CX_EINVAL;
    if (*np >= CX_MAX_PARAMS) return CX_ELIMIT;
    names[(*np)++] = name;
    return CX_OK;
}

int cx_radix_check(const char *p, size_t len, cx_str *names, unsigned *np) {
    *np = 0;
    if (!p || len == 0 || p[0] != '/') return CX_EINVAL;
    if (len > CX_ROUTER_MAX_PATTERN) return CX_ELIMIT;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)p[k] < 0x20 || p[k] == 0x7f) return CX_EINVAL;
    unsigned segs = 0;
    for (size_t i = 1;;) {
        size_t e = seg_end(p, len, i);
        if (++segs > CX_ROUTER_MAX_SEGMENTS) return CX_ELIMIT;
        if (e == i && e != len) return CX_EINVAL; /* "//": an empty segment inside */
        if (sigil_at(p, i)) {
            int rc = add_name(p, len, i, e, names, np);
            if (rc) return rc;
        }
        if (e == len) return CX_OK;
        i = e + 1;
    }
}

/* ---- insertion ------------------------------------------------------------ */

static cx_rnode *insert_static(cx_rnode *n, const char *s, size_t len) {
    while (len) {
        int i = kid_index(n, s[0]);
        if (i < 0) {
            cx_rnode *k = node_new(K_STATIC, s, len);
            if (!k || add_kid(n, k)) {
                node_free(k);
                return NULL;
            }
            return k;
        }
        cx_rnode *c = n->kids[i];
        size_t l = 0;
        while (l < c->len && l < len && c->text[l] == s[l]) l++;
        if (l < c->len && !(c = split(n, i, l))) return NULL;
        n = c;
        s += l;
        len -= l;
    }
    return n;
}

static int insert_named(cx_rnode **n, int kind, const char *name, size_t len) {
    cx_rnode **slot = kind == K_PARAM ? &(*n)->param : &(*n)->wild;
    if (*slot) {
        if ((*slot)->len != len || memcmp((*slot)->text, name, len) != 0) return CX_EINVAL;
        *n = *slot;
        return CX_OK;
    }
    if (!(*slot = node_new(kind, name, len))) return CX_ENOMEM;
    *n = *slot;
    return CX_OK;
}

static void leaf_update(cx_rleaf *l) {
    uint32_t m = 0;
    for (int k = 1; k < CX_METHOD_COUNT_; k++)
        if (l->slots[k]) m |= CX_RADIX_BIT(k);
    if (l->slots[CX_METHOD_GET]) m |= CX_RADIX_BIT(CX_METHOD_HEAD);
    if (l->slots[CX_RADIX_ANY]) m |= ALL_METHODS;
    if (m) m |= CX_RADIX_BIT(CX_METHOD_OPTIONS);
    l->allowed = m;
}

static int set_slot(cx_rnode *n, cx_rroute *rt) {
    if (!n->leaf && !(n->leaf = calloc(1, sizeof *n->leaf))) return CX_ENOMEM;
    if (n->leaf->slots[rt->slot]) return CX_EEXIST;
    n->leaf->slots[rt->slot] = rt;
    leaf_update(n->leaf);
    return CX_OK;
}

int cx_radix_insert(cx_rnode *root, const char *p, size_t len, cx_rroute *rt) {
    if (rt->slot < 0 || rt->slot >= CX_METHOD_COUNT_) return CX_EINVAL;
    cx_rnode *n = root;
    int rc = CX_OK;
    for (size_t i = 0; i < len && rc == CX_OK;) {
        size_t e;
        if (sigil_at(p, i)) {
            e = seg_end(p, len, i);
            rc = insert_named(&n, p[i] == ':' ? K_PARAM : K_WILD, p + i + 1, e - i - 1);
        } else {
            e = static_end(p, len, i);
            if (!(n = insert_static(n, p + i, e - i))) rc = CX_ENOMEM;
        }
        i = e;
    }
    if (rc == CX_OK) rc = set_slot(n, rt);
    if (rc) prune(root);
    return rc;
}

/* The node a pattern ends at, without creating anything. */
static cx_rnode *locate(cx_rnode *n, const char *p, size_t len) {
    for (size_t i = 0; i < len && n;) {
        if (sigil_at(p, i)) {
            n = p[i] == ':' ? n->param : n->wild;
            i = seg_end(p, len, i);
            continue;
        }
        size_t e = static_end(p, len, i);
        while (i < e && n) {
            int k = kid_index(n, p[i]);
            cx_rnode *c = k >= 0 ? n->kids[k] : NULL;
            if (c && (c->len > e - i || memcmp(c->text, p + i, c->len) != 0)) c = NULL;
            if (c) i += c->len;
            n = c;
        }
    }
    return n;
}

void cx_radix_remove(cx_rnode *root, const char *p, size_t len, const cx_rroute *rt) {
    cx_rnode *n = locate(root, p, len);
    if (n && n->leaf && n->leaf->slots[rt->slot] == rt) {
        n->leaf->slots[rt->slot] = NULL;
        leaf_update(n->leaf);
    }
    prune(root);
}

/* ---- lookup --------------------------------------------------------------- */

static const cx_rroute *pick(const cx_rleaf *l, cx_method m) {
    int k = (int)m;
    const cx_rroute *rt = NULL;
    if (k == CX_METHOD_HEAD)
        rt = l->slots[CX_METHOD_HEAD] ? l->slots[CX_METHOD_HEAD] : l->slots[CX_METHOD_GET];
    else if (k > 0 && k < CX_METHOD_COUNT_)
        rt = l->slots[k];
    return rt ? rt : l->slots[CX_RADIX_ANY];
}

/* Enter n at *pos: match its part of the path and record a value. */
static bool consume(const cx_rnode *n, cx_str path, size_t *pos, cx_str *vals, unsigned *nv) {
    size_t i = *pos, rest = path.len - i;
    if (n->kind == K_STATIC) {
        if (rest < n->len || !same_bytes(path.ptr + i, n->text, n->len)) return false;
        *pos = i + n->len;
        return true;
    }
    size_t take = rest;
    if (n->kind == K_PARAM) {
        const char *seg = path.ptr + i, *slash = memchr(seg, '/', rest);
        if (slash) take = (size_t)(slash - seg);
        if (take == 0) return false;
    }
    if (*nv >= CX_MAX_PARAMS) return false; /* cannot happen: patterns are checked */
    vals[(*nv)++] = (cx_str){path.ptr + i, take};
    *pos = i + take;
    return true;
}

enum { TRY_STATIC, TRY_PARAM, TRY_WILD, TRY_NONE };

typedef struct frame {
    const cx_rnode *n;
    size_t pos;       /* where the path stood after n */
    unsigned char nv; /* values recorded up to n */
    unsigned char next;
} frame;

/* The frame's next alternative in priority order, or NULL when spent. */
static const cx_rnode *next_alt(frame *f, cx_str path) {
    const cx_rnode *n = f->n;
    bool more = f->pos < path.len;
    if (f->next == TRY_STATIC) {
        f->next = TRY_PARAM;
        int k = more ? kid_index(n, path.ptr[f->pos]) : -1;
        if (k >= 0) return n->kids[k];
    }
    if (f->next == TRY_PARAM) {
        f->next = TRY_WILD;
        if (more && n->param) return n->param;
    }
    if (f->next == TRY_WILD) {
        f->next = TRY_NONE;
        if (n->wild) return n->wild;
    }
    return NULL;
}

/* The search. With allowed == NULL it stops at the first leaf that takes
 * method m; otherwise it visits every leaf matching the path and ORs their
 * allowed masks. */
static const cx_rroute *walk(const cx_rnode *root, cx_method m, cx_str path, cx_str *vals,
                             unsigned *nv_out, uint32_t *allowed) {
    frame st[CX_ROUTER_MAX_SEGMENTS + 1];
    unsigned sp = 0, nv = 0;
    size_t pos = 0;
    const cx_rnode *n = root;
    for (;;) {
        if (n && consume(n, path, &pos, vals, &nv)) {
            if (pos == path.len && n->leaf) {
                const cx_rroute *rt = allowed ? NULL : pick(n->leaf, m);
                if (allowed) *allowed |= n->leaf->allowed;
                if (rt) {
                    *nv_out = nv;
                    return rt;
                }
            }
            if ((n->param || n->wild) && sp < sizeof st / sizeof st[0]) {
                st[sp++] = (frame){n, pos, (unsigned char)nv, TRY_STATIC};
            } else {
                int k = pos < path.len ? kid_index(n, path.ptr[pos]) : -1;
                n = k >= 0 ? n->kids[k] : NULL;
                continue;
            }
        }
        for (n = NULL; sp > 0; sp--) {
            frame *f = &st[sp - 1];
            if ((n = next_alt(f, path))) {
                pos = f->pos;
                nv = f->nv;
                break;
            }
        }
        if (!n) return NULL;
    }
}

const cx_rroute *cx_radix_find(const cx_rnode *root, cx_method m, cx_str path, cx_str *values,
                               unsigned *nvalues) {
    *nvalues = 0;
    if (!path.ptr) return NULL;
    return walk(root, m, path, values, nvalues, NULL);
}

uint32_t cx_radix_allowed(const cx_rnode *root, cx_str path) {
    cx_str vals[CX_MAX_PARAMS];
    unsigned nv = 0;
    uint32_t allowed = 0;
    if (path.ptr) walk(root, CX_METHOD_OTHER, path, vals, &nv, &allowed);
    return allowed;
}
