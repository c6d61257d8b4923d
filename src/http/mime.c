/* File extension to Content-Type. A short linear table: a static server
 * sees a few dozen kinds of file, and a scan of ~50 short strings costs less
 * than the open() before it. Text types name UTF-8 so that browsers do not
 * guess an encoding. */
#include <cortex/static.h>

static const struct mime_entry {
    const char *ext;
    const char *type;
} mime_table[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"ics", "text/calendar; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"xml", "application/xml"},
    {"xhtml", "application/xhtml+xml"},
    {"rss", "application/rss+xml"},
    {"atom", "application/atom+xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"toml", "application/toml"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"bmp", "image/bmp"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"mp3", "audio/mpeg"},
    {"wav", "audio/wav"},
    {"ogg", "audio/ogg"},
    {"oga", "audio/ogg"},
    {"opus", "audio/ogg"},
    {"flac", "audio/flac"},
    {"m4a", "audio/mp4"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"ogv", "video/ogg"},
    {"mov", "video/quicktime"},
};

#define MIME_DEFAULT "application/octet-stream"

/* The extension of the last path component; empty when there is none or the
 * only dot starts the name (".profile" has no extension). */
static cx_str extension(cx_str name) {
    size_t base = 0;
    for (size_t i = 0; i < name.len; i++)
        if (name.ptr[i] == '/') base = i + 1;
    for (size_t i = name.len; i > base + 1; i--)
        if (name.ptr[i - 1] == '.') return (cx_str){name.ptr + i, name.len - i};
    return (cx_str){"", 0};
}

const char *cx_static_mime_type(cx_str name) {
    cx_str ext = extension(name);
    if (ext.len == 0) return MIME_DEFAULT;
    for (size_t i = 0; i < sizeof mime_table / sizeof mime_table[0]; i++)
        if (cx_str_ieq(ext, cx_str_from(mime_table[i].ext))) return mime_table[i].type;
    return MIME_DEFAULT;
}
