/* Fuzz the static handler: bytes → a request (target + conditional and
 * range headers) → cx_static_handler on a small fixture tree. */
#include "http/memx.h"
#include <cortex/static.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static cx_static *g_st[2];

static void put(const char *root, const char *rel, const char *data) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static char base[] = "/tmp/cx_fuzz_static_XXXXXX";
    if (!mkdtemp(base)) abort();
    char root[256], p[512];
    snprintf(root, sizeof root, "%s/root", base);
    mkdir(root, 0755);
    put(base, "outside.txt", "OUTSIDE");
    put(root, "index.html", "<h1>i</h1>");
    put(root, "a.txt", "hello world");
    snprintf(p, sizeof p, "%s/d", root);
    mkdir(p, 0755);
    put(root, "d/index.html", "d");
    put(root, "d/x.css", "x");
    snprintf(p, sizeof p, "%s/l", root);
    symlink("../outside.txt", p);
    snprintf(p, sizeof p, "%s/u", root);
    symlink("..", p);
    for (int w = 0; w < 2; w++) {
        cx_static_options o;
        cx_static_options_default(&o);
        o.root = root;
        o.no_openat2 = w;
        if (cx_static_new(&g_st[w], &o)) abort();
    }
    return 0;
}

static const char *names[] = {
    "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    char raw[8192];
    size_t n = 0;
    const char *m = data[0] & 1 ? "HEAD" : "GET";
    int walk = (data[0] >> 1) & 1;
    n += (size_t)snprintf(raw, sizeof raw, "%s /", m);
    /* Fields separated by '\n' in the input: target, then header values. */
    size_t i = 1, field = 0;
    for (; i < size && n < 4000; i++) {
        unsigned char c = data[i];
        if (c == '\n') break;
        if (c <= ' ' || c == 0x7f || c >= 0x80) c = (unsigned char)('a' + c % 26);
        raw[n++] = (char)c;
    }
    n += (size_t)snprintf(raw + n, sizeof raw - n, " HTTP/1.1\r\nHost: x\r\n");
    while (i < size && field < 6 && n < 7000) {
        i++;
        n += (size_t)snprintf(raw + n, sizeof raw - n, "%s: ", names[field++]);
        for (; i < size && data[i] != '\n' && n < 7500; i++) {
            unsigned char c = data[i];
            if (c < ' ' || c == 0x7f) c = ' ';
            raw[n++] = (char)c;
        }
        raw[n++] = '\r';
        raw[n++] = '\n';
    }
    raw[n++] = '\r';
    raw[n++] = '\n';
    int err, st;
    cx_memx *x = cx_memx_new(raw, n, &err, &st);
    if (!x) return 0;
    cx_memx_run(x, cx_static_handler, g_st[walk]);
    cx_str b = cx_memx_body(x);
    int status = cx_memx_status(x);
    /* Error bodies echo the path (problem "instance"); only file bodies count. */
    if ((status == 200 || status == 206) && b.len >= 7 && memmem(b.ptr, b.len, "OUTSIDE", 7))
        abort();
    cx_memx_free(x);
    return 0;
}
