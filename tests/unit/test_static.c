/* Tests for static files (static.c, mime.c), driven through in-memory
 * exchanges. The fixture tree is built in a fresh temporary directory on
 * first use and removed at exit:
 *
 *   base/outside.txt            a file the server must never reach
 *   base/root/                  the served root (see make_fixture)
 *
 * Resolution has two modes (openat2, component walk); the traversal tests
 * run in both. */
#include "harness.h"
#include "http/ctx.h"
#include "http/memx.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/router.h>
#include <cortex/static.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif

#define HELLO      "hello world\n" /* 12 bytes */
#define BIG_SIZE   ((3u << 20) + 123u)
#define KNOWN_TIME 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static char g_base[64];
static char g_root[PATH_MAX];
static int g_ready; /* 0: not yet, 1: built, -1: failed */

/* ---- fixture ------------------------------------------------------------- */

static int put_file(const char *rel, const void *data, size_t len) {
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    FILE *f = fopen(p, "wb");
    if (!f) return -1;
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && n == len ? 0 : -1;
}

static int put_str(const char *rel, const char *s) {
    return put_file(rel, s, strlen(s));
}

static int mk_dir(const char *rel) {
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    return mkdir(p, 0755);
}

static int mk_link(const char *target, const char *rel) {
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    return symlink(target, p);
}

static unsigned char big_byte(size_t i) {
    return (unsigned char)(i * 7u + (i >> 9) + (i >> 17));
}

static int make_big(void) {
    unsigned char *b = malloc(BIG_SIZE);
    if (!b) return -1;
    for (size_t i = 0; i < BIG_SIZE; i++) b[i] = big_byte(i);
    int rc = put_file("big.bin", b, BIG_SIZE);
    free(b);
    return rc;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

static void remove_fixture(void) {
    if (g_base[0]) nftw(g_base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_links(void) {
    char abs_inside[PATH_MAX * 2], abs_outside[PATH_MAX * 2];
    snprintf(abs_inside, sizeof abs_inside, "%s/hello.txt", g_root);
    snprintf(abs_outside, sizeof abs_outside, "%s/outside.txt", g_base);
    int rc = mk_link("../outside.txt", "escape.txt");
    rc |= mk_link(abs_outside, "abs_out.txt");
    rc |= mk_link(abs_inside, "abs_in.txt");
    rc |= mk_link("hello.txt", "inlink.txt");
    rc |= mk_link("..", "updir");
    rc |= mk_link("sub", "sublink");
    rc |= mk_link("/proc/self/root/etc/passwd", "proc.txt");
    rc |= mk_link("sub/../../outside.txt", "sub_escape.txt");
    return rc;
}

static int make_tree(void) {
    int rc = put_str("index.html", "<h1>home</h1>");
    rc |= put_str("hello.txt", HELLO);
    rc |= put_str("app.js", "let x = 1;");
    rc |= put_str("data.json", "{}");
    rc |= put_str("pic.PNG", "\x89PNG");
    rc |= put_str("noext", "x");
    rc |= put_str("a b.txt", "spaced");
    rc |= put_str("..\\outside.txt", "a file with a backslash in its name");
    rc |= put_file("empty.txt", "", 0);
    rc |= put_str(".secret", "s");
    rc |= mk_dir(".well-known") | put_str(".well-known/acme", "token");
    rc |= mk_dir("sub") | put_str("sub/index.html", "<p>sub</p>") | put_str("sub/page.html", "pg");
    rc |= mk_dir("evil.com") | put_str("evil.com/index.html", "e");
    rc |= mk_dir("noindex") | put_str("noindex/file.txt", "f");
    rc |= mk_dir("dirindex") | mk_dir("dirindex/index.html");
    rc |= mk_dir("custom") | put_str("custom/default.htm", "custom index");
    char fifo[PATH_MAX * 2];
    snprintf(fifo, sizeof fifo, "%s/fifo", g_root);
    rc |= mkfifo(fifo, 0644);
    return rc | make_links() | make_big();
}

static int make_fixture(void) {
    snprintf(g_base, sizeof g_base, "/tmp/cx_static_XXXXXX");
    if (!mkdtemp(g_base)) return -1;
    atexit(remove_fixture);
    snprintf(g_root, sizeof g_root, "%s/root", g_base);
    char out[PATH_MAX * 2];
    snprintf(out, sizeof out, "%s/outside.txt", g_base);
    FILE *f = fopen(out, "w");
    if (!f || fputs("secret outside", f) < 0 || fclose(f)) return -1;
    if (mkdir(g_root, 0755)) return -1;
    return make_tree();
}

static bool fixture(void) {
    if (!g_ready) g_ready = make_fixture() == 0 ? 1 : -1;
    if (g_ready < 0) fprintf(stderr, "  fixture could not be built\n");
    return g_ready > 0;
}

/* Does this kernel let us use openat2 (so that the "auto" mode uses it)? */
static bool have_openat2(void) {
#if defined(SYS_openat2) && __has_include(<linux/openat2.h>)
    struct open_how how = {.flags = O_PATH, .resolve = RESOLVE_BENEATH};
    long fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    if (fd >= 0) close((int)fd);
    return fd >= 0;
#else
    return false;
#endif
}

/* ---- helpers --------------------------------------------------------------- */

static cx_static *open_st(const cx_static_options *o) {
    cx_static *st = NULL;
    int rc = cx_static_new(&st, o);
    if (rc) fprintf(stderr, "  cx_static_new: %s\n", cx_strerror(rc));
    return st;
}

static cx_static *open_mode(bool walk) {
    cx_static_options o;
    cx_static_options_default(&o);
    o.root = g_root;
    o.no_openat2 = walk;
    return open_st(&o);
}

static cx_static *open_default(void) {
    return open_mode(false);
}

/* Run one request: NULL when the parser refused it (*parse_status set). */
static cx_memx *exchange(void *data, cx_handler_fn fn, const char *method, const char *target,
                         const char *headers, int *parse_status) {
    char raw[16384];
    int n = snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: test\r\n%s\r\n", method, target,
                     headers ? headers : "");
    if (n < 0 || (size_t)n >= sizeof raw) return NULL;
    int err = 0, status = 0;
    cx_memx *m = cx_memx_new(raw, (size_t)n, &err, &status);
    if (!m) {
        if (parse_status) *parse_status = status;
        return NULL;
    }
    cx_memx_run(m, fn, data);
    return m;
}

static cx_memx *req(cx_static *st, const char *method, const char *target, const char *headers) {
    cx_memx *m = exchange(st, cx_static_handler, method, target, headers, NULL);
    if (!m) fprintf(stderr, "  request %s %s was not parsed\n", method, target);
    return m;
}

static cx_memx *get(cx_static *st, const char *target, const char *headers) {
    return req(st, "GET", target, headers);
}

/* The status of a request; a parser refusal counts as its 4xx status. */
static int status_of(cx_static *st, const char *method, const char *target, const char *headers) {
    int parse_status = 0;
    cx_memx *m = exchange(st, cx_static_handler, method, target, headers, &parse_status);
    if (!m) return parse_status ? parse_status : -1;
    int s = cx_memx_status(m);
    cx_memx_free(m);
    return s;
}

/* True when the request got nowhere near a file: refused by the parser or
 * answered 4xx by the handler, and no outside byte in the body. */
static bool refused(cx_static *st, const char *target) {
    int parse_status = 0;
    cx_memx *m = exchange(st, cx_static_handler, "GET", target, NULL, &parse_status);
    if (!m) return parse_status >= 400 && parse_status < 500;
    cx_str body = cx_memx_body(m);
    bool leaked = body.len >= 14 && memmem(body.ptr, body.len, "secret outside", 14);
    int s = cx_memx_status(m);
    cx_memx_free(m);
    if (s != 404 && s != 400) fprintf(stderr, "  %s answered %d\n", target, s);
    return !leaked && (s == 404 || s == 400);
}

static const char *hdr(cx_memx *m, const char *name) {
    return m ? cx_memx_header(m, name) : NULL;
}

#define CHECK_BODY(m, s)                                                                           \
    do {                                                                                           \
        cx_str b_ = cx_memx_body(m);                                                               \
        CHECK_MEM(b_.ptr, b_.len, s);                                                              \
    } while (0)

static void set_mtime(const char *rel, time_t t) {
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", g_root, rel);
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    utimensat(AT_FDCWD, p, ts, 0);
}

static int count_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* ---- MIME types ---------------------------------------------------------- */

TEST(mime_text_types_carry_charset) {
    CHECK_STR(cx_static_mime_type(CX_STR("index.html")), "text/html; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("a.htm")), "text/html; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("s.css")), "text/css; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("a.js")), "text/javascript; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("m.mjs")), "text/javascript; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("r.txt")), "text/plain; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("r.md")), "text/markdown; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("r.csv")), "text/csv; charset=utf-8");
}

TEST(mime_binary_and_structured_types) {
    CHECK_STR(cx_static_mime_type(CX_STR("d.json")), "application/json");
    CHECK_STR(cx_static_mime_type(CX_STR("p.png")), "image/png");
    CHECK_STR(cx_static_mime_type(CX_STR("p.jpg")), "image/jpeg");
    CHECK_STR(cx_static_mime_type(CX_STR("p.jpeg")), "image/jpeg");
    CHECK_STR(cx_static_mime_type(CX_STR("i.svg")), "image/svg+xml");
    CHECK_STR(cx_static_mime_type(CX_STR("f.woff2")), "font/woff2");
    CHECK_STR(cx_static_mime_type(CX_STR("m.wasm")), "application/wasm");
    CHECK_STR(cx_static_mime_type(CX_STR("d.pdf")), "application/pdf");
    CHECK_STR(cx_static_mime_type(CX_STR("v.mp4")), "video/mp4");
    CHECK_STR(cx_static_mime_type(CX_STR("a.tar.gz")), "application/gzip");
}

TEST(mime_extension_is_case_insensitive) {
    CHECK_STR(cx_static_mime_type(CX_STR("INDEX.HTML")), "text/html; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("Pic.PnG")), "image/png");
}

TEST(mime_unknown_or_missing_extension_is_octet_stream) {
    CHECK_STR(cx_static_mime_type(CX_STR("noext")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type(CX_STR("a.unknownext")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type(CX_STR(".profile")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type(CX_STR("trailing.")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type(CX_STR("")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type((cx_str){NULL, 0}), "application/octet-stream");
}

TEST(mime_only_the_last_component_counts) {
    CHECK_STR(cx_static_mime_type(CX_STR("dir.html/file")), "application/octet-stream");
    CHECK_STR(cx_static_mime_type(CX_STR("a.d/b.css")), "text/css; charset=utf-8");
    CHECK_STR(cx_static_mime_type(CX_STR("a/.hidden")), "application/octet-stream");
}

/* ---- construction -------------------------------------------------------- */

TEST(options_default_values) {
    cx_static_options o;
    memset(&o, 0xff, sizeof o);
    cx_static_options_default(&o);
    CHECK(o.root == NULL);
    CHECK_STR(o.index, "index.html");
    CHECK_EQ(o.max_age, 0);
    CHECK_EQ(o.etag, CX_STATIC_ETAG_STRONG);
    CHECK(!o.hidden);
    CHECK_EQ(o.max_path, CX_STATIC_DEFAULT_MAX_PATH);
    CHECK_STR(o.param, "path");
    CHECK(o.mime == NULL);
    CHECK(!o.no_openat2);
}

TEST(new_missing_root_fails) {
    cx_static *st = (cx_static *)1;
    cx_static_options o = {.root = "/nonexistent/cortex/static/root"};
    CHECK_EQ(cx_static_new(&st, &o), CX_ENOENT);
    CHECK(st == NULL);
}

TEST(new_root_that_is_a_file_fails) {
    if (!fixture()) return;
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/hello.txt", g_root);
    cx_static *st = NULL;
    cx_static_options o = {.root = p};
    CHECK_EQ(cx_static_new(&st, &o), -ENOTDIR);
    CHECK(st == NULL);
}

TEST(new_rejects_missing_arguments) {
    cx_static *st = NULL;
    cx_static_options o = {0};
    CHECK_EQ(cx_static_new(NULL, &o), CX_EINVAL);
    CHECK_EQ(cx_static_new(&st, NULL), CX_EINVAL);
    CHECK_EQ(cx_static_new(&st, &o), CX_EINVAL);
    o.root = "";
    CHECK_EQ(cx_static_new(&st, &o), CX_EINVAL);
    CHECK(st == NULL);
}

TEST(new_rejects_bad_index_and_etag) {
    if (!fixture()) return;
    cx_static *st = NULL;
    const char *bad[] = {"a/b", "..", ".", "/index.html"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cx_static_options o = {.root = g_root, .index = bad[i]};
        CHECK_EQ(cx_static_new(&st, &o), CX_ECONFIG);
    }
    cx_static_options o = {.root = g_root, .etag = (cx_static_etag)7};
    CHECK_EQ(cx_static_new(&st, &o), CX_ECONFIG);
    CHECK(st == NULL);
}

TEST(new_with_zeroed_options_uses_defaults) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root};
    cx_static *st = open_st(&o);
    CHECK(st != NULL);
    cx_memx *m = get(st, "/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "<h1>home</h1>");
    CHECK(hdr(m, "ETag") && hdr(m, "ETag")[0] == '"');
    CHECK(hdr(m, "Cache-Control") == NULL);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(free_null_is_harmless) {
    cx_static_free(NULL);
    CHECK(1);
}

TEST(handler_without_data_is_an_error) {
    cx_memx *m = exchange(NULL, cx_static_handler, "GET", "/", NULL, NULL);
    CHECK(m != NULL);
    CHECK_EQ(cx_memx_status(m), 500);
    cx_memx_free(m);
}

/* ---- plain files ---------------------------------------------------------- */

TEST(get_file_body_and_type) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/hello.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, HELLO);
    CHECK_STR(hdr(m, "Content-Type"), "text/plain; charset=utf-8");
    CHECK_STR(hdr(m, "Accept-Ranges"), "bytes");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(types_follow_extensions) {
    if (!fixture()) return;
    cx_static *st = open_default();
    const char *cases[][2] = {{"/app.js", "text/javascript; charset=utf-8"},
                              {"/data.json", "application/json"},
                              {"/pic.PNG", "image/png"},
                              {"/noext", "application/octet-stream"},
                              {"/index.html", "text/html; charset=utf-8"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cx_memx *m = get(st, cases[i][0], NULL);
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_STR(hdr(m, "Content-Type"), cases[i][1]);
        cx_memx_free(m);
    }
    cx_static_free(st);
}

static const char *mime_hook(cx_str name, void *arg) {
    (*(int *)arg)++;
    if (cx_str_eq(name, CX_STR("noext"))) return "text/x-custom";
    return NULL;
}

TEST(custom_mime_hook_comes_first) {
    if (!fixture()) return;
    int calls = 0;
    cx_static_options o = {.root = g_root, .mime = mime_hook, .mime_arg = &calls};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/noext", NULL);
    CHECK_STR(hdr(m, "Content-Type"), "text/x-custom");
    cx_memx_free(m);
    m = get(st, "/hello.txt", NULL);
    CHECK_STR(hdr(m, "Content-Type"), "text/plain; charset=utf-8");
    cx_memx_free(m);
    CHECK_EQ(calls, 2);
    cx_static_free(st);
}

TEST(last_modified_is_imf_fixdate) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    cx_memx *m = get(st, "/data.json", NULL);
    CHECK_STR(hdr(m, "Last-Modified"), "Sun, 06 Nov 1994 08:49:37 GMT");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(etag_is_quoted_and_strong_by_default) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/hello.txt", NULL);
    const char *e = hdr(m, "ETag");
    CHECK(e != NULL);
    if (e) {
        size_t n = strlen(e);
        CHECK(n > 2 && e[0] == '"' && e[n - 1] == '"');
        CHECK(strchr(e + 1, '"') == e + n - 1);
    }
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(etag_changes_with_mtime) {
    if (!fixture()) return;
    cx_static *st = open_default();
    set_mtime("app.js", 1000000000);
    cx_memx *a = get(st, "/app.js", NULL);
    set_mtime("app.js", 1000000001);
    cx_memx *b = get(st, "/app.js", NULL);
    CHECK(hdr(a, "ETag") && hdr(b, "ETag") && strcmp(hdr(a, "ETag"), hdr(b, "ETag")) != 0);
    cx_memx_free(a);
    cx_memx_free(b);
    cx_static_free(st);
}

TEST(etag_weak_option) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .etag = CX_STATIC_ETAG_WEAK};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/hello.txt", NULL);
    CHECK(hdr(m, "ETag") && strncmp(hdr(m, "ETag"), "W/\"", 3) == 0);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(etag_off_option) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .etag = CX_STATIC_ETAG_OFF};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/hello.txt", NULL);
    CHECK(hdr(m, "ETag") == NULL);
    CHECK(hdr(m, "Last-Modified") != NULL);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(max_age_sets_cache_control) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .max_age = 3600};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/hello.txt", NULL);
    CHECK_STR(hdr(m, "Cache-Control"), "max-age=3600");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(head_has_headers_but_no_body) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = req(st, "HEAD", "/hello.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_EQ(cx_memx_body(m).len, 0);
    CHECK_STR(hdr(m, "Content-Type"), "text/plain; charset=utf-8");
    CHECK(hdr(m, "ETag") != NULL);
    CHECK(hdr(m, "Last-Modified") != NULL);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(empty_file_is_200_with_empty_body) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/empty.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_EQ(cx_memx_body(m).len, 0);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(percent_encoded_name) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/a%20b.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "spaced");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(query_string_is_ignored) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/hello.txt?v=123", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, HELLO);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(bad_escape_is_400) {
    if (!fixture()) return;
    cx_static *st = open_default();
    int s = status_of(st, "GET", "/hello%zz.txt", NULL);
    CHECK(s == 400);
    s = status_of(st, "GET", "/hello%2", NULL);
    CHECK(s == 400);
    cx_static_free(st);
}

TEST(missing_file_is_404_problem) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/nope.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 404);
    CHECK_STR(hdr(m, "Content-Type"), "application/problem+json");
    CHECK(hdr(m, "ETag") == NULL);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(file_with_trailing_slash_is_404) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_of(st, "GET", "/hello.txt/", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/hello.txt/x", NULL), 404);
    cx_static_free(st);
}

TEST(fifo_is_404_and_does_not_block) {
    if (!fixture()) return;
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        CHECK_EQ(status_of(st, "GET", "/fifo", NULL), 404);
        cx_static_free(st);
    }
}

TEST(device_is_404) {
    if (!fixture()) return;
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/null", g_root);
    if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) != 0) SKIP("mknod needs privileges");
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        CHECK_EQ(status_of(st, "GET", "/null", NULL), 404);
        cx_static_free(st);
    }
    unlink(p);
}

TEST(unreadable_file_is_404) {
    if (!fixture()) return;
    if (geteuid() == 0) SKIP("root reads everything");
    put_str("locked.txt", "x");
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/locked.txt", g_root);
    chmod(p, 0);
    cx_static *st = open_default();
    CHECK_EQ(status_of(st, "GET", "/locked.txt", NULL), 404);
    cx_static_free(st);
    unlink(p);
}

TEST(other_methods_are_405_with_allow) {
    if (!fixture()) return;
    cx_static *st = open_default();
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        const char *h = strcmp(methods[i], "OPTIONS") ? "Content-Length: 0\r\n" : NULL;
        cx_memx *m = req(st, methods[i], "/hello.txt", h);
        CHECK_EQ(cx_memx_status(m), 405);
        CHECK_STR(hdr(m, "Allow"), "GET, HEAD");
        cx_memx_free(m);
    }
    cx_static_free(st);
}

TEST(descriptors_are_closed) {
    if (!fixture()) return;
    cx_static *st = open_default();
    int before = count_fds();
    const char *targets[] = {"/hello.txt", "/", "/sub", "/sub/", "/nope", "/fifo", "/noindex/"};
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
            cx_memx *m = get(st, targets[i], "Range: bytes=0-1\r\n");
            cx_memx_free(m);
        }
    }
    CHECK_EQ(count_fds(), before);
    cx_static_free(st);
}

/* ---- directories ----------------------------------------------------------- */

TEST(root_serves_index) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "<h1>home</h1>");
    CHECK_STR(hdr(m, "Content-Type"), "text/html; charset=utf-8");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(subdirectory_with_slash_serves_index) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/sub/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "<p>sub</p>");
    cx_memx_free(m);
    m = get(st, "/sub/page.html", NULL);
    CHECK_BODY(m, "pg");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(subdirectory_without_slash_redirects) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/sub", NULL);
    CHECK_EQ(cx_memx_status(m), 301);
    CHECK_STR(hdr(m, "Location"), "/sub/");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(redirect_keeps_query_and_encoding) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/s%75b?x=1&y=2", NULL);
    CHECK_EQ(cx_memx_status(m), 301);
    CHECK_STR(hdr(m, "Location"), "/s%75b/?x=1&y=2");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(redirect_never_leaves_the_site) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "//evil.com", NULL);
    if (m) {
        CHECK_EQ(cx_memx_status(m), 301);
        CHECK_STR(hdr(m, "Location"), "/evil.com/");
    }
    cx_memx_free(m);
    m = get(st, "///evil.com?q", NULL);
    if (m) CHECK_STR(hdr(m, "Location"), "/evil.com/?q");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(directory_without_index_is_404) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_of(st, "GET", "/noindex/", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/noindex", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/noindex/file.txt", NULL), 200);
    cx_static_free(st);
}

TEST(index_that_is_a_directory_is_404) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_of(st, "GET", "/dirindex/", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/dirindex", NULL), 404);
    cx_static_free(st);
}

TEST(index_disabled) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .index = ""};
    cx_static *st = open_st(&o);
    CHECK_EQ(status_of(st, "GET", "/", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/sub/", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/sub", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/hello.txt", NULL), 200);
    cx_static_free(st);
}

TEST(custom_index_name) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .index = "default.htm"};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/custom/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "custom index");
    CHECK_STR(hdr(m, "Content-Type"), "text/html; charset=utf-8");
    cx_memx_free(m);
    CHECK_EQ(status_of(st, "GET", "/custom", NULL), 301);
    CHECK_EQ(status_of(st, "GET", "/", NULL), 404);
    cx_static_free(st);
}

TEST(head_on_directory_index) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = req(st, "HEAD", "/sub/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_EQ(cx_memx_body(m).len, 0);
    CHECK_STR(hdr(m, "Content-Type"), "text/html; charset=utf-8");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(dot_segments_that_stay_inside_still_work) {
    if (!fixture()) return;
    cx_static *st = open_default();
    int s = status_of(st, "GET", "/./hello.txt", NULL);
    CHECK(s == 200 || s == 400);
    CHECK_EQ(status_of(st, "GET", "/sub//page.html", NULL), 200);
    cx_static_free(st);
}

/* ---- staying inside the root ------------------------------------------------ */

static void check_refused_both_modes(const char *target) {
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        if (!refused(st, target)) {
            fprintf(stderr, "  not refused (%s mode): %s\n", walk ? "walk" : "openat2", target);
            cx_test_failed_++;
        }
        cx_static_free(st);
    }
}

TEST(traversal_plain_dotdot) {
    if (!fixture()) return;
    check_refused_both_modes("/../outside.txt");
    check_refused_both_modes("/sub/../../outside.txt");
    check_refused_both_modes("/..");
    check_refused_both_modes("/sub/..");
}

TEST(traversal_dotdot_even_when_it_would_stay_inside) {
    if (!fixture()) return;
    check_refused_both_modes("/sub/../hello.txt");
}

TEST(traversal_percent_encoded_dots) {
    if (!fixture()) return;
    check_refused_both_modes("/%2e%2e/outside.txt");
    check_refused_both_modes("/%2E%2E/outside.txt");
    check_refused_both_modes("/.%2e/outside.txt");
    check_refused_both_modes("/%2e./outside.txt");
    check_refused_both_modes("/sub/%2e%2e/%2e%2e/outside.txt");
}

TEST(traversal_encoded_slashes) {
    if (!fixture()) return;
    check_refused_both_modes("/..%2foutside.txt");
    check_refused_both_modes("/..%2Foutside.txt");
    check_refused_both_modes("/sub%2f..%2f..%2foutside.txt");
    check_refused_both_modes("/%2e%2e%2foutside.txt");
    check_refused_both_modes("/%2f%2e%2e%2foutside.txt");
}

TEST(traversal_double_encoding_is_just_a_name) {
    if (!fixture()) return;
    check_refused_both_modes("/%252e%252e/outside.txt");
}

TEST(traversal_backslash_is_an_ordinary_character) {
    if (!fixture()) return;
    /* The file "..\outside.txt" begins with a dot, hence the option. */
    cx_static_options o = {.root = g_root, .hidden = true};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/..%5Coutside.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "a file with a backslash in its name");
    cx_memx_free(m);
    cx_static_free(st);
    check_refused_both_modes("/..%5C..%5Coutside.txt");
}

TEST(traversal_nul_byte) {
    if (!fixture()) return;
    check_refused_both_modes("/hello.txt%00.png");
    check_refused_both_modes("/%00");
}

TEST(traversal_relative_symlink_out) {
    if (!fixture()) return;
    check_refused_both_modes("/escape.txt");
    check_refused_both_modes("/sub_escape.txt");
}

TEST(traversal_absolute_symlinks) {
    if (!fixture()) return;
    check_refused_both_modes("/abs_out.txt");
    /* Absolute links are refused even when they point inside. */
    check_refused_both_modes("/abs_in.txt");
}

TEST(traversal_directory_symlink_out) {
    if (!fixture()) return;
    check_refused_both_modes("/updir/outside.txt");
    check_refused_both_modes("/updir/");
    check_refused_both_modes("/updir");
}

TEST(traversal_proc_magic_link) {
    if (!fixture()) return;
    check_refused_both_modes("/proc.txt");
}

TEST(symlinks_inside_follow_only_with_openat2) {
    if (!fixture()) return;
    cx_static *walk = open_mode(true);
    CHECK_EQ(status_of(walk, "GET", "/inlink.txt", NULL), 404);
    CHECK_EQ(status_of(walk, "GET", "/sublink/page.html", NULL), 404);
    cx_static_free(walk);
    if (!have_openat2()) SKIP("openat2 is not available here");
    cx_static *st = open_mode(false);
    cx_memx *m = get(st, "/inlink.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, HELLO);
    cx_memx_free(m);
    CHECK_EQ(status_of(st, "GET", "/sublink/page.html", NULL), 200);
    cx_static_free(st);
}

TEST(walk_mode_serves_ordinary_files) {
    if (!fixture()) return;
    cx_static *st = open_mode(true);
    cx_memx *m = get(st, "/sub/page.html", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "pg");
    cx_memx_free(m);
    CHECK_EQ(status_of(st, "GET", "/", NULL), 200);
    CHECK_EQ(status_of(st, "GET", "/sub", NULL), 301);
    CHECK_EQ(status_of(st, "GET", "/sub/", NULL), 200);
    CHECK_EQ(status_of(st, "GET", "/sub//%2e/page.html", NULL), 200);
    CHECK_EQ(status_of(st, "GET", "/nope/page.html", NULL), 404);
    CHECK_EQ(status_of(st, "GET", "/hello.txt/page.html", NULL), 404);
    cx_static_free(st);
}

TEST(hidden_files_are_404_by_default) {
    if (!fixture()) return;
    check_refused_both_modes("/.secret");
    check_refused_both_modes("/.well-known/acme");
    check_refused_both_modes("/sub/../.secret");
}

TEST(hidden_files_when_allowed) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .hidden = true};
    cx_static *st = open_st(&o);
    cx_memx *m = get(st, "/.well-known/acme", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "token");
    cx_memx_free(m);
    CHECK_EQ(status_of(st, "GET", "/.secret", NULL), 200);
    CHECK(refused(st, "/../outside.txt"));
    cx_static_free(st);
}

TEST(path_length_limit) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .max_path = 32};
    cx_static *st = open_st(&o);
    char target[64];
    memset(target, 'a', sizeof target);
    target[0] = '/';
    target[33] = '\0'; /* 33 bytes: over */
    CHECK_EQ(status_of(st, "GET", target, NULL), 414);
    target[32] = '\0'; /* exactly the limit: looked up */
    CHECK_EQ(status_of(st, "GET", target, NULL), 404);
    cx_static_free(st);
}

TEST(default_path_limit) {
    if (!fixture()) return;
    cx_static *st = open_default();
    char *target = malloc(5000);
    memset(target, 'b', 4999);
    target[0] = '/';
    target[4999] = '\0';
    CHECK_EQ(status_of(st, "GET", target, NULL), 414);
    for (int i = 1; i < 4000; i += 2) target[i] = '/';
    target[4000] = '\0';
    CHECK_EQ(status_of(st, "GET", target, NULL), 404);
    free(target);
    cx_static_free(st);
}

/* ---- the path from a route wildcard ---------------------------------------- */

static const char *g_param_value;

/* What a router does for "GET /static/ *path": the wildcard's value as a
 * parameter, the handler's data unchanged. */
static int with_param(cx_ctx *ctx) {
    ctx->params[0].name = CX_STR("path");
    ctx->params[0].value = cx_str_from(g_param_value);
    ctx->nparams = 1;
    return cx_static_handler(ctx);
}

static cx_memx *get_param(cx_static *st, const char *target, const char *param) {
    g_param_value = param;
    return exchange(st, with_param, "GET", target, NULL, NULL);
}

TEST(param_names_the_file) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get_param(st, "/static/hello.txt", "hello.txt");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, HELLO);
    cx_memx_free(m);
    m = get_param(st, "/static/sub/page.html", "sub/page.html");
    CHECK_BODY(m, "pg");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(param_empty_is_the_root_without_redirect) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get_param(st, "/static/", "");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "<h1>home</h1>");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(param_directory_redirect_uses_the_request_path) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get_param(st, "/static/sub", "sub");
    CHECK_EQ(cx_memx_status(m), 301);
    CHECK_STR(hdr(m, "Location"), "/static/sub/");
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(param_traversal_refused) {
    if (!fixture()) return;
    const char *bad[] = {"../outside.txt", "sub/../../outside.txt", "/../outside.txt",
                         "escape.txt",     "updir/outside.txt",     ".secret"};
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            cx_memx *m = get_param(st, "/static/x", bad[i]);
            CHECK_EQ(cx_memx_status(m), 404);
            cx_memx_free(m);
        }
        cx_static_free(st);
    }
}

static int with_other_param(cx_ctx *ctx) {
    ctx->params[0].name = CX_STR("file");
    ctx->params[0].value = CX_STR("hello.txt");
    ctx->nparams = 1;
    return cx_static_handler(ctx);
}

TEST(param_name_is_configurable) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .param = "file"};
    cx_static *st = open_st(&o);
    cx_memx *m = exchange(st, with_other_param, "GET", "/x/sub/page.html", NULL, NULL);
    CHECK_BODY(m, HELLO);
    cx_memx_free(m);
    cx_static_free(st);
    /* A parameter of another name leaves the whole path in charge. */
    st = open_default();
    m = exchange(st, with_other_param, "GET", "/sub/page.html", NULL, NULL);
    CHECK_BODY(m, "pg");
    cx_memx_free(m);
    cx_static_free(st);
}

/* ---- behind the real router ------------------------------------------------ */

/* A router with the files under "/static/" plus the wildcard, and one
 * ordinary route that must win over nothing else. */
static cx_router *files_router(cx_static *st) {
    cx_router *r = NULL;
    if (cx_router_new(&r)) return NULL;
    if (cx_router_get(r, "/static/*path", cx_static_handler, st)) {
        cx_router_free(r);
        return NULL;
    }
    return r;
}

static cx_memx *routed(cx_router *r, const char *method, const char *target, const char *h) {
    return exchange(r, cx_router_handle, method, target, h, NULL);
}

TEST(router_wildcard_serves_files) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_router *r = files_router(st);
    CHECK(r != NULL);
    cx_memx *m = routed(r, "GET", "/static/sub/page.html", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "pg");
    cx_memx_free(m);
    m = routed(r, "GET", "/static/a%20b.txt", NULL);
    CHECK_BODY(m, "spaced");
    cx_memx_free(m);
    m = routed(r, "GET", "/static/", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_BODY(m, "<h1>home</h1>");
    cx_memx_free(m);
    cx_router_free(r);
    cx_static_free(st);
}

TEST(router_wildcard_redirect_and_head) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_router *r = files_router(st);
    cx_memx *m = routed(r, "GET", "/static/sub?x=1", NULL);
    CHECK_EQ(cx_memx_status(m), 301);
    CHECK_STR(hdr(m, "Location"), "/static/sub/?x=1");
    cx_memx_free(m);
    m = routed(r, "HEAD", "/static/hello.txt", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_EQ(cx_memx_body(m).len, 0);
    CHECK_STR(hdr(m, "Content-Type"), "text/plain; charset=utf-8");
    cx_memx_free(m);
    m = routed(r, "GET", "/static/hello.txt", "Range: bytes=-6\r\n");
    CHECK_EQ(cx_memx_status(m), 206);
    CHECK_BODY(m, "world\n");
    cx_memx_free(m);
    cx_router_free(r);
    cx_static_free(st);
}

TEST(router_wildcard_traversal_refused) {
    if (!fixture()) return;
    const char *bad[] = {"/static/%2e%2e/outside.txt",
                         "/static/..%2foutside.txt",
                         "/static/sub/%2e%2e/%2e%2e/outside.txt",
                         "/static/escape.txt",
                         "/static/updir/outside.txt",
                         "/static/abs_out.txt",
                         "/static/%2e%2e%2f%2e%2e%2foutside.txt"};
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        cx_router *r = files_router(st);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            int parse_status = 0;
            cx_memx *m = exchange(r, cx_router_handle, "GET", bad[i], NULL, &parse_status);
            if (!m) {
                CHECK(parse_status >= 400 && parse_status < 500);
                continue;
            }
            int s = cx_memx_status(m);
            if (s != 404 && s != 400) fprintf(stderr, "  %s answered %d\n", bad[i], s);
            CHECK(s == 404 || s == 400);
            cx_str b = cx_memx_body(m);
            CHECK(!memmem(b.ptr, b.len, "secret outside", 14));
            cx_memx_free(m);
        }
        cx_router_free(r);
        cx_static_free(st);
    }
}

/* ---- conditional requests ---------------------------------------------------- */

/* The ETag the server gives for a file, in buf. */
static const char *etag_of(cx_static *st, const char *target, char *buf, size_t cap) {
    cx_memx *m = get(st, target, NULL);
    const char *e = hdr(m, "ETag");
    snprintf(buf, cap, "%s", e ? e : "");
    cx_memx_free(m);
    return buf;
}

static int status_with(cx_static *st, const char *method, const char *target, const char *name,
                       const char *value) {
    char h[1100];
    int n = snprintf(h, sizeof h, "%.500s: %.500s\r\n", name, value);
    if (n < 0 || (size_t)n >= sizeof h) return -1;
    return status_of(st, method, target, h);
}

TEST(if_none_match_exact_is_304) {
    if (!fixture()) return;
    cx_static *st = open_default();
    char tag[128];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    char h[256];
    snprintf(h, sizeof h, "If-None-Match: %s\r\n", tag);
    cx_memx *m = get(st, "/hello.txt", h);
    CHECK_EQ(cx_memx_status(m), 304);
    CHECK_EQ(cx_memx_body(m).len, 0);
    CHECK_STR(hdr(m, "ETag"), tag);
    CHECK(hdr(m, "Last-Modified") != NULL);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(if_none_match_list_and_weak_forms) {
    if (!fixture()) return;
    cx_static *st = open_default();
    char tag[128], v[512];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    snprintf(v, sizeof v, "\"nope\", %s, \"other\"", tag);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", v), 304);
    snprintf(v, sizeof v, "W/%s", tag); /* weak comparison ignores W/ */
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", v), 304);
    snprintf(v, sizeof v, "\"a\",,%s", tag);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", v), 304);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "*"), 304);
    cx_static_free(st);
}

TEST(if_none_match_mismatch_or_garbage_is_200) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "\"nope\""), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "nope"), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "\"unterminated"), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "W/"), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", ",,,"), 200);
    cx_static_free(st);
}

TEST(if_none_match_on_head_is_304) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_with(st, "HEAD", "/hello.txt", "If-None-Match", "*"), 304);
    cx_static_free(st);
}

TEST(if_none_match_takes_precedence_over_if_modified_since) {
    if (!fixture()) return;
    cx_static *st = open_default();
    const char *h = "If-None-Match: \"nope\"\r\n"
                    "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n";
    CHECK_EQ(status_of(st, "GET", "/hello.txt", h), 200);
    cx_static_free(st);
}

TEST(if_modified_since) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    const char *f = "/data.json";
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"), 304);
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:38 GMT"), 304);
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"), 200);
    CHECK_EQ(status_with(st, "HEAD", f, "If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"), 304);
    cx_static_free(st);
}

TEST(if_modified_since_obsolete_date_forms) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    const char *f = "/data.json";
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT"), 304);
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun Nov  6 08:49:37 1994"), 304);
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun Nov  6 08:49:36 1994"), 200);
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Sun Nov 16 08:49:37 1994"), 304);
    /* Two-digit years below 70 are this century. */
    CHECK_EQ(status_with(st, "GET", f, "If-Modified-Since", "Monday, 01-Jan-01 00:00:00 GMT"), 304);
    cx_static_free(st);
}

TEST(if_modified_since_invalid_dates_are_ignored) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    const char *bad[] = {"yesterday",
                         "",
                         "Sun, 06 Nov 2094 08:49:37",
                         "Sun, 06 Nov 2094 08:49:37 UTC",
                         "Sun, 31 Feb 2094 08:49:37 GMT",
                         "Sun, 06 Foo 2094 08:49:37 GMT",
                         "Sun, 06 Nov 2094 25:49:37 GMT",
                         "Sun, 06 Nov 2094 08:61:37 GMT",
                         "Xyz, 06 Nov 2094 08:49:37 GMT",
                         "Sun, 6 Nov 2094 08:49:37 GMT",
                         "Sun, 06 Nov 2094 08:49:37 GMT trailing",
                         "Sun, 00 Nov 2094 08:49:37 GMT",
                         "Sunday, 06-Nov-94 08:49:37",
                         "Sun Nov  6 08:49:37",
                         "1e9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int s = status_with(st, "GET", "/data.json", "If-Modified-Since", bad[i]);
        if (s != 200) fprintf(stderr, "  date \"%s\" gave %d\n", bad[i], s);
        CHECK_EQ(s, 200);
    }
    cx_static_free(st);
}

TEST(if_match) {
    if (!fixture()) return;
    cx_static *st = open_default();
    char tag[128], v[256];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", tag), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", "*"), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", "\"nope\""), 412);
    snprintf(v, sizeof v, "W/%s", tag); /* strong comparison: a weak tag never matches */
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", v), 412);
    cx_static_free(st);
}

TEST(if_match_with_weak_etags_always_fails) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .etag = CX_STATIC_ETAG_WEAK};
    cx_static *st = open_st(&o);
    char tag[128];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", tag), 412);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", tag), 304);
    cx_static_free(st);
}

TEST(if_unmodified_since) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    const char *f = "/data.json";
    CHECK_EQ(status_with(st, "GET", f, "If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:36 GMT"),
             412);
    CHECK_EQ(status_with(st, "GET", f, "If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
             200);
    CHECK_EQ(status_with(st, "GET", f, "If-Unmodified-Since", "garbage"), 200);
    /* If-Match, when present, makes If-Unmodified-Since irrelevant. */
    CHECK_EQ(status_of(st, "GET", f,
                       "If-Match: *\r\nIf-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"),
             200);
    cx_static_free(st);
}

TEST(etag_off_conditionals) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .etag = CX_STATIC_ETAG_OFF};
    cx_static *st = open_st(&o);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "*"), 304);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-None-Match", "\"x\""), 200);
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Match", "\"x\""), 412);
    cx_static_free(st);
}

TEST(conditionals_on_missing_files_are_404) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_with(st, "GET", "/nope", "If-None-Match", "*"), 404);
    CHECK_EQ(status_with(st, "GET", "/nope", "If-Match", "*"), 404);
    cx_static_free(st);
}

/* ---- ranges ------------------------------------------------------------------- */

static void check_range(cx_static *st, const char *range, int status, const char *content_range,
                        const char *body) {
    char h[256];
    snprintf(h, sizeof h, "Range: %s\r\n", range);
    cx_memx *m = get(st, "/hello.txt", h);
    if (!m) {
        cx_test_failed_++;
        return;
    }
    if (cx_memx_status(m) != status) fprintf(stderr, "  range \"%s\"\n", range);
    CHECK_EQ(cx_memx_status(m), status);
    if (content_range)
        CHECK_STR(hdr(m, "Content-Range"), content_range);
    else
        CHECK(hdr(m, "Content-Range") == NULL);
    if (body) CHECK_BODY(m, body);
    cx_memx_free(m);
}

TEST(range_first_last) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=0-4", 206, "bytes 0-4/12", "hello");
    check_range(st, "bytes=6-10", 206, "bytes 6-10/12", "world");
    check_range(st, "bytes=0-0", 206, "bytes 0-0/12", "h");
    check_range(st, "bytes=11-11", 206, "bytes 11-11/12", "\n");
    cx_static_free(st);
}

TEST(range_open_ended) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=6-", 206, "bytes 6-11/12", "world\n");
    check_range(st, "bytes=0-", 206, "bytes 0-11/12", HELLO);
    cx_static_free(st);
}

TEST(range_suffix) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=-6", 206, "bytes 6-11/12", "world\n");
    check_range(st, "bytes=-12", 206, "bytes 0-11/12", HELLO);
    check_range(st, "bytes=-100", 206, "bytes 0-11/12", HELLO);
    cx_static_free(st);
}

TEST(range_last_past_the_end_is_clamped) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=6-1000", 206, "bytes 6-11/12", "world\n");
    check_range(st, "bytes=0-99999999999999999999999999", 206, "bytes 0-11/12", HELLO);
    cx_static_free(st);
}

TEST(range_unsatisfiable_is_416) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=12-", 416, "bytes */12", NULL);
    check_range(st, "bytes=12-20", 416, "bytes */12", NULL);
    check_range(st, "bytes=100-200", 416, "bytes */12", NULL);
    check_range(st, "bytes=-0", 416, "bytes */12", NULL);
    check_range(st, "bytes=99999999999999999999999-", 416, "bytes */12", NULL);
    cx_static_free(st);
}

TEST(range_on_empty_file_is_416) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/empty.txt", "Range: bytes=0-\r\n");
    CHECK_EQ(cx_memx_status(m), 416);
    CHECK_STR(hdr(m, "Content-Range"), "bytes */0");
    cx_memx_free(m);
    m = get(st, "/empty.txt", "Range: bytes=-5\r\n");
    CHECK_EQ(cx_memx_status(m), 416);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(range_bad_forms_are_ignored) {
    if (!fixture()) return;
    cx_static *st = open_default();
    const char *bad[] = {"bytes=abc",  "bytes=5-2",   "bytes=",      "bytes=-",     "items=0-1",
                         "bytes=--1",  "bytes=1-2-3", "bytes=0x1-2", "bytes 0-1",   "bytes=1 -2",
                         "bytes=1- 2", "bytes=+1-2",  "bytes=-1-2",  "bytes=1-2x",  "bytes=-abc",
                         "bytes",      "=0-1",        "bytesx=0-1",  "bytes=1-2;q", "bytes=\t"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_range(st, bad[i], 200, NULL, HELLO);
    cx_static_free(st);
}

TEST(range_multiple_ranges_serve_the_whole_file) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "bytes=0-1,3-4", 200, NULL, HELLO);
    check_range(st, "bytes=0-1, 3-4", 200, NULL, HELLO);
    check_range(st, "bytes=-1,0-", 200, NULL, HELLO);
    check_range(st, "bytes=0-1,", 200, NULL, HELLO);
    cx_static_free(st);
}

TEST(range_unit_is_case_insensitive_and_ows_trimmed) {
    if (!fixture()) return;
    cx_static *st = open_default();
    check_range(st, "Bytes=0-4", 206, "bytes 0-4/12", "hello");
    check_range(st, "BYTES=0-4", 206, "bytes 0-4/12", "hello");
    cx_static_free(st);
}

TEST(range_is_ignored_for_head) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = req(st, "HEAD", "/hello.txt", "Range: bytes=0-4\r\n");
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK(hdr(m, "Content-Range") == NULL);
    CHECK_EQ(cx_memx_body(m).len, 0);
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(range_with_matching_if_none_match_is_304) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_of(st, "GET", "/hello.txt", "Range: bytes=0-4\r\nIf-None-Match: *\r\n"), 304);
    cx_static_free(st);
}

TEST(if_range_with_etag) {
    if (!fixture()) return;
    cx_static *st = open_default();
    char tag[128], h[512];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    snprintf(h, sizeof h, "Range: bytes=0-4\r\nIf-Range: %s\r\n", tag);
    cx_memx *m = get(st, "/hello.txt", h);
    CHECK_EQ(cx_memx_status(m), 206);
    CHECK_BODY(m, "hello");
    cx_memx_free(m);
    CHECK_EQ(status_of(st, "GET", "/hello.txt", "Range: bytes=0-4\r\nIf-Range: \"stale\"\r\n"),
             200);
    snprintf(h, sizeof h, "Range: bytes=0-4\r\nIf-Range: W/%s\r\n", tag);
    CHECK_EQ(status_of(st, "GET", "/hello.txt", h), 200);
    cx_static_free(st);
}

TEST(if_range_with_weak_server_tags_never_matches) {
    if (!fixture()) return;
    cx_static_options o = {.root = g_root, .etag = CX_STATIC_ETAG_WEAK};
    cx_static *st = open_st(&o);
    char tag[128], h[512];
    etag_of(st, "/hello.txt", tag, sizeof tag);
    snprintf(h, sizeof h, "Range: bytes=0-4\r\nIf-Range: %s\r\n", tag);
    CHECK_EQ(status_of(st, "GET", "/hello.txt", h), 200);
    cx_static_free(st);
}

TEST(if_range_with_date) {
    if (!fixture()) return;
    set_mtime("data.json", KNOWN_TIME);
    cx_static *st = open_default();
    const char *h = "Range: bytes=0-0\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n";
    cx_memx *m = get(st, "/data.json", h);
    CHECK_EQ(cx_memx_status(m), 206);
    CHECK_BODY(m, "{");
    cx_memx_free(m);
    h = "Range: bytes=0-0\r\nIf-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\n";
    CHECK_EQ(status_of(st, "GET", "/data.json", h), 200);
    h = "Range: bytes=0-0\r\nIf-Range: not a date\r\n";
    CHECK_EQ(status_of(st, "GET", "/data.json", h), 200);
    cx_static_free(st);
}

TEST(if_range_without_range_is_ignored) {
    if (!fixture()) return;
    cx_static *st = open_default();
    CHECK_EQ(status_with(st, "GET", "/hello.txt", "If-Range", "\"x\""), 200);
    cx_static_free(st);
}

/* ---- a large file ------------------------------------------------------------ */

static bool big_matches(cx_str body, size_t off) {
    for (size_t i = 0; i < body.len; i++)
        if ((unsigned char)body.ptr[i] != big_byte(off + i)) return false;
    return true;
}

TEST(large_file_is_byte_exact) {
    if (!fixture()) return;
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        cx_memx *m = get(st, "/big.bin", NULL);
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_EQ(cx_memx_body(m).len, BIG_SIZE);
        CHECK(big_matches(cx_memx_body(m), 0));
        CHECK_STR(hdr(m, "Content-Type"), "application/octet-stream");
        cx_memx_free(m);
        cx_static_free(st);
    }
}

TEST(large_file_range_in_the_middle) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = get(st, "/big.bin", "Range: bytes=1048576-2097151\r\n");
    CHECK_EQ(cx_memx_status(m), 206);
    CHECK_EQ(cx_memx_body(m).len, 1048576);
    CHECK(big_matches(cx_memx_body(m), 1048576));
    char cr[64];
    snprintf(cr, sizeof cr, "bytes 1048576-2097151/%u", BIG_SIZE);
    CHECK_STR(hdr(m, "Content-Range"), cr);
    cx_memx_free(m);
    m = get(st, "/big.bin", "Range: bytes=-123\r\n");
    CHECK_EQ(cx_memx_body(m).len, 123);
    CHECK(big_matches(cx_memx_body(m), BIG_SIZE - 123));
    cx_memx_free(m);
    cx_static_free(st);
}

TEST(large_file_head) {
    if (!fixture()) return;
    cx_static *st = open_default();
    cx_memx *m = req(st, "HEAD", "/big.bin", NULL);
    CHECK_EQ(cx_memx_status(m), 200);
    CHECK_EQ(cx_memx_body(m).len, 0);
    cx_memx_free(m);
    cx_static_free(st);
}

/* ---- odd input ------------------------------------------------------------------ */

TEST(odd_paths_never_crash) {
    if (!fixture()) return;
    const char *odd[] = {"/%",        "/%%",  "/%ff%fe", "/\xc3\xa9",  "/%c3%28",      "//",
                         "/./",       "/.",   "/...",    "/..../",     "/%2f",         "/%2f%2f",
                         "/a/./b/..", "/~",   "/*",      "/;x",        "/a?",          "/?",
                         "/#x",       "/%20", "/sub/./", "/sub/.%2e/", "/hello.txt%2f"};
    for (int walk = 0; walk < 2; walk++) {
        cx_static *st = open_mode(walk);
        for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
            int s = status_of(st, "GET", odd[i], NULL);
            CHECK(s == 200 || s == 301 || s == 400 || s == 404);
        }
        cx_static_free(st);
    }
}

TEST(odd_headers_never_crash) {
    if (!fixture()) return;
    cx_static *st = open_default();
    const char *odd[] = {"Range: bytes=\r\nIf-Range: W/\r\n",
                         "If-None-Match: W/\"\r\n",
                         "If-Match: \"\r\n",
                         "If-Modified-Since: Sun, 06 Nov 1994 08:49:3\r\n",
                         "If-Modified-Since: Sun Nov  6 08:49:37 199\r\n",
                         "If-Range: \"\r\nRange: bytes=0-1\r\n",
                         "If-Range: W\r\nRange: bytes=0-1\r\n",
                         "Range: bytes=18446744073709551615-18446744073709551615\r\n",
                         "Range: bytes=-18446744073709551616\r\n"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        int s = status_of(st, "GET", "/hello.txt", odd[i]);
        CHECK(s == 200 || s == 206 || s == 304 || s == 412 || s == 416);
    }
    cx_static_free(st);
}

TEST(shared_between_many_requests) {
    if (!fixture()) return;
    cx_static *st = open_default();
    int ok = 0;
    for (int i = 0; i < 200; i++) {
        cx_memx *m = get(st, i % 2 ? "/hello.txt" : "/sub/", NULL);
        ok += cx_memx_status(m) == 200;
        cx_memx_free(m);
    }
    CHECK_EQ(ok, 200);
    cx_static_free(st);
}

TEST_MAIN()
