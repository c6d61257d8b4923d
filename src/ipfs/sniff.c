/* Content sniffing for gateway responses whose path has no extension: the
 * few signatures that matter in practice, then text if the head is valid
 * UTF-8 without control bytes, else octet-stream. */
#include "gw_int.h"
#include <string.h>
#include <strings.h>

static bool starts(const uint8_t *p, size_t n, const char *sig, size_t sl) {
    return n >= sl && memcmp(p, sig, sl) == 0;
}

const char *cx_ipfs_sniff(const uint8_t *p, size_t n) {
    if (starts(p, n, "\x89PNG\r\n\x1a\n", 8)) return "image/png";
    if (starts(p, n, "\xff\xd8\xff", 3)) return "image/jpeg";
    if (starts(p, n, "GIF87a", 6) || starts(p, n, "GIF89a", 6)) return "image/gif";
    if (starts(p, n, "%PDF-", 5)) return "application/pdf";
    if (starts(p, n, "\x00asm", 4)) return "application/wasm";
    if (n >= 12 && starts(p, n, "RIFF", 4) && memcmp(p + 8, "WEBP", 4) == 0) return "image/webp";
    if (starts(p, n, "PK\x03\x04", 4)) return "application/zip";
    if (starts(p, n, "\x1f\x8b", 2)) return "application/x-gzip";
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) i++;
    if (n - i >= 5 && (!strncasecmp((const char *)p + i, "<!doc", 5) ||
                       !strncasecmp((const char *)p + i, "<html", 5)))
        return "text/html; charset=utf-8";
    if (n - i >= 4 && !strncasecmp((const char *)p + i, "<svg", 4)) return "image/svg+xml";
    /* UTF-8 text? A sequence cut by the sniff window is fine. */
    for (i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') break;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 9;
        if (k == 9 || (c >= 0xf5)) break;
        size_t j = 1;
        while (j <= k && i + j < n && (p[i + j] & 0xc0) == 0x80) j++;
        if (j <= k && i + j < n) break;
        i += j;
    }
    return i >= n ? "text/plain; charset=utf-8" : "application/octet-stream";
}
