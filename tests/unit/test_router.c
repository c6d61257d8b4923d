/* Router, middleware chain, context and problem responses.
 *
 * Matching is tested through cx_router_match (no request needed); the
 * context through hand-built cx_ctx values; cx_router_handle and
 * cx_problem through in-memory exchanges (memx.c), which run the server's
 * own request/response code without a socket. */
#include "harness.h"
#include "http/ctx.h"
#include "http/memx.h"
#include "http/message.h"
#include <cortex/error.h>
#include <cortex/http.h>
#include <cortex/router.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

/* ---- helpers -------------------------------------------------------------- */

static char tape[1024]; /* what handlers and middleware did, in order */

static void note(const char *fmt, ...) {
    size_t n = strlen(tape);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tape + n, sizeof tape - n, fmt, ap);
    va_end(ap);
}

static int h_tag(cx_ctx *ctx) {
    const char *tag = cx_ctx_data(ctx);
    note("H%s;", tag ? tag : "-");
    return 0;
}

static int mw_tag(cx_ctx *ctx) {
    const char *tag = cx_ctx_data(ctx);
    note("%s>;", tag);
    int rc = cx_next(ctx);
    note("<%s;", (const char *)cx_ctx_data(ctx));
    return rc;
}

static cx_router *mkr(void) {
    cx_router *r = NULL;
    CHECK_EQ(cx_router_new(&r), 0);
    return r;
}

static int matchp(cx_router *r, cx_method m, const char *path, cx_route_match *out) {
    return cx_router_match(r, m, cx_str_from(path), out);
}

/* The data of the route GET path matches, or "" when none. */
static const char *hit(cx_router *r, cx_method m, const char *path) {
    cx_route_match mt;
    if (matchp(r, m, path, &mt) != 0) return "";
    return mt.data ? mt.data : "(null)";
}

static const char *param_of(const cx_route_match *mt, const char *name) {
    static char buf[256];
    for (unsigned i = 0; i < mt->nparams; i++) {
        if (cx_str_eq(mt->params[i].name, cx_str_from(name))) {
            snprintf(buf, sizeof buf, "%.*s", (int)mt->params[i].value.len,
                     mt->params[i].value.ptr);
            return buf;
        }
    }
    return "(absent)";
}

static const char *pattern_of(const cx_route_match *mt) {
    static char buf[CX_ROUTER_MAX_PATTERN + 1];
    snprintf(buf, sizeof buf, "%.*s", (int)mt->pattern.len, mt->pattern.ptr);
    return buf;
}

static const char *allow_of(uint32_t mask) {
    static char buf[128];
    cx_router_allow_format(mask, buf, sizeof buf);
    return buf;
}

#define BIT(m) (1u << (m))

/* ---- static routes -------------------------------------------------------- */

TEST(static_routes_match_exactly) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/", h_tag, "root"), 0);
    CHECK_EQ(cx_router_get(r, "/users", h_tag, "users"), 0);
    CHECK_EQ(cx_router_get(r, "/users/new", h_tag, "new"), 0);
    CHECK_EQ(cx_router_get(r, "/about/team", h_tag, "team"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/"), "root");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users"), "users");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/new"), "new");
    CHECK_STR(hit(r, CX_METHOD_GET, "/about/team"), "team");
    CHECK_STR(hit(r, CX_METHOD_GET, "/about"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/ne"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/newer"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/Users"), "");
    cx_router_free(r);
}

TEST(not_found_has_no_allowed_methods) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a", h_tag, "a"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/b", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, 0);
    CHECK_EQ(mt.nparams, 0);
    CHECK(mt.handler == NULL);
    cx_router_free(r);
}

TEST(empty_router_matches_nothing) {
    cx_router *r = mkr();
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, 0);
    cx_router_free(r);
}

TEST(radix_splits_shared_prefixes) {
    cx_router *r = mkr();
    const char *pats[] = {"/search", "/support", "/s", "/sx", "/se", "/searching", "/su/p"};
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
        CHECK_EQ(cx_router_get(r, pats[i], h_tag, (void *)pats[i]), 0);
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
        CHECK_STR(hit(r, CX_METHOD_GET, pats[i]), pats[i]);
    CHECK_STR(hit(r, CX_METHOD_GET, "/sea"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/su"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/searchin"), "");
    cx_router_free(r);
}

TEST(trailing_slash_is_strict) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users", h_tag, "bare"), 0);
    CHECK_EQ(cx_router_get(r, "/posts/", h_tag, "slash"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/posts"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users"), "bare");
    CHECK_STR(hit(r, CX_METHOD_GET, "/posts/"), "slash");
    cx_router_free(r);
    r = mkr();
    CHECK_EQ(cx_router_get(r, "/users", h_tag, "bare"), 0);
    CHECK_EQ(cx_router_get(r, "/users/", h_tag, "slash"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/users"), "bare");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/"), "slash");
    cx_router_free(r);
}

TEST(literal_colon_and_star_inside_segment) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_post(r, "/v1/things:batchGet", h_tag, "batch"), 0);
    CHECK_EQ(cx_router_get(r, "/a*b", h_tag, "star"), 0);
    CHECK_STR(hit(r, CX_METHOD_POST, "/v1/things:batchGet"), "batch");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a*b"), "star");
    CHECK_STR(hit(r, CX_METHOD_GET, "/ab"), "");
    cx_router_free(r);
}

TEST(non_ascii_and_spaces_match_bytewise) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/caf\xc3\xa9/a b", h_tag, "cafe"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/caf\xc3\xa9/a b"), "cafe");
    CHECK_STR(hit(r, CX_METHOD_GET, "/cafe/a b"), "");
    cx_router_free(r);
}

/* ---- parameters and wildcards --------------------------------------------- */

TEST(param_extracts_segment) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users/:id", h_tag, "user"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/users/42", &mt), 0);
    CHECK_EQ(mt.nparams, 1);
    CHECK_STR(param_of(&mt, "id"), "42");
    CHECK_STR(pattern_of(&mt), "/users/:id");
    CHECK(mt.handler == h_tag);
    CHECK_STR((const char *)mt.data, "user");
    cx_router_free(r);
}

TEST(param_values_point_into_the_path) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/u/:a/:b", h_tag, NULL), 0);
    const char *path = "/u/xy/z";
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, path, &mt), 0);
    CHECK(mt.params[0].value.ptr == path + 3);
    CHECK_EQ(mt.params[0].value.len, 2);
    CHECK(mt.params[1].value.ptr == path + 6);
    CHECK_MEM(mt.params[0].name.ptr, mt.params[0].name.len, "a");
    CHECK_MEM(mt.params[1].name.ptr, mt.params[1].name.len, "b");
    cx_router_free(r);
}

TEST(several_params_in_order) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users/:uid/posts/:pid/comments/:cid", h_tag, "c"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/users/7/posts/abc/comments/x-y", &mt), 0);
    CHECK_EQ(mt.nparams, 3);
    CHECK_STR(param_of(&mt, "uid"), "7");
    CHECK_STR(param_of(&mt, "pid"), "abc");
    CHECK_STR(param_of(&mt, "cid"), "x-y");
    CHECK_MEM(mt.params[2].name.ptr, mt.params[2].name.len, "cid");
    cx_router_free(r);
}

TEST(param_needs_a_nonempty_segment) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users/:id", h_tag, "user"), 0);
    CHECK_EQ(cx_router_get(r, "/p/:a/q", h_tag, "q"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/1/"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/1/2"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/p//q"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/p/x/q"), "q");
    cx_router_free(r);
}

TEST(param_at_root) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/:slug", h_tag, "slug"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/hello", &mt), 0);
    CHECK_STR(param_of(&mt, "slug"), "hello");
    CHECK_STR(hit(r, CX_METHOD_GET, "/"), "");
    cx_router_free(r);
}

TEST(param_value_may_hold_any_byte_but_slash) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/f/:name", h_tag, "f"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/f/a:b*c.d e%", &mt), 0);
    CHECK_STR(param_of(&mt, "name"), "a:b*c.d e%");
    cx_router_free(r);
}

TEST(wildcard_takes_the_rest) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/files/*path", h_tag, "files"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/files/a/b/c.txt", &mt), 0);
    CHECK_STR(param_of(&mt, "path"), "a/b/c.txt");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/files/", &mt), 0);
    CHECK_STR(param_of(&mt, "path"), "");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/files//x/", &mt), 0);
    CHECK_STR(param_of(&mt, "path"), "/x/");
    CHECK_STR(hit(r, CX_METHOD_GET, "/files"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/filesx"), "");
    cx_router_free(r);
}

TEST(wildcard_at_root_matches_everything) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/*all", h_tag, "all"), 0);
    CHECK_EQ(cx_router_get(r, "/api/x", h_tag, "x"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/", &mt), 0);
    CHECK_STR(param_of(&mt, "all"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/x"), "x");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/y"), "all");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/x/"), "all");
    cx_router_free(r);
}

TEST(param_then_wildcard) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/repos/:owner/*rest", h_tag, "repo"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/repos/me/tree/main/src", &mt), 0);
    CHECK_STR(param_of(&mt, "owner"), "me");
    CHECK_STR(param_of(&mt, "rest"), "tree/main/src");
    CHECK_STR(hit(r, CX_METHOD_GET, "/repos/me"), "");
    cx_router_free(r);
}

TEST(max_params_are_all_extracted) {
    cx_router *r = mkr();
    char pat[512] = "", path[512] = "";
    for (int i = 0; i < CX_ROUTER_MAX_PARAMS; i++) {
        char seg[32];
        snprintf(seg, sizeof seg, "/:p%d", i);
        strcat(pat, seg);
        snprintf(seg, sizeof seg, "/v%d", i);
        strcat(path, seg);
    }
    CHECK_EQ(cx_router_get(r, pat, h_tag, "many"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, path, &mt), 0);
    CHECK_EQ(mt.nparams, CX_ROUTER_MAX_PARAMS);
    CHECK_STR(param_of(&mt, "p0"), "v0");
    CHECK_STR(param_of(&mt, "p15"), "v15");
    cx_router_free(r);
}

/* ---- priority and backtracking -------------------------------------------- */

TEST(static_beats_param) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users/:id", h_tag, "param"), 0);
    CHECK_EQ(cx_router_get(r, "/users/new", h_tag, "static"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/new"), "static");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/newer"), "param");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/ne"), "param");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/1"), "param");
    cx_router_free(r);
}

TEST(param_beats_wildcard) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/x/*rest", h_tag, "wild"), 0);
    CHECK_EQ(cx_router_get(r, "/x/:id", h_tag, "param"), 0);
    CHECK_EQ(cx_router_get(r, "/x/fixed", h_tag, "static"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/x/fixed"), "static");
    CHECK_STR(hit(r, CX_METHOD_GET, "/x/7"), "param");
    CHECK_STR(hit(r, CX_METHOD_GET, "/x/7/8"), "wild");
    CHECK_STR(hit(r, CX_METHOD_GET, "/x/"), "wild");
    cx_router_free(r);
}

TEST(backtracks_from_static_to_param) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a/:x/c", h_tag, "xc"), 0);
    CHECK_EQ(cx_router_get(r, "/a/b/d", h_tag, "bd"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/b/c", &mt), 0);
    CHECK_STR((const char *)mt.data, "xc");
    CHECK_STR(param_of(&mt, "x"), "b");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/b/d"), "bd");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/z/c"), "xc");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/z/d"), "");
    cx_router_free(r);
}

TEST(backtracks_from_param_to_wildcard) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a/:x/c", h_tag, "xc"), 0);
    CHECK_EQ(cx_router_get(r, "/a/*rest", h_tag, "rest"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/b/d", &mt), 0);
    CHECK_STR((const char *)mt.data, "rest");
    CHECK_STR(param_of(&mt, "rest"), "b/d");
    CHECK_EQ(mt.nparams, 1); /* the abandoned ":x" leaves no value behind */
    cx_router_free(r);
}

TEST(backtracks_out_of_a_partial_static_match) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a/bc/d", h_tag, "bcd"), 0);
    CHECK_EQ(cx_router_get(r, "/a/:x", h_tag, "x"), 0);
    CHECK_EQ(cx_router_get(r, "/a/*rest", h_tag, "rest"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/bc"), "x");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/b"), "x");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/bc/e"), "rest");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/bc/d"), "bcd");
    cx_router_free(r);
}

TEST(backtracks_several_levels) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/:a/:b/:c/end", h_tag, "params"), 0);
    CHECK_EQ(cx_router_get(r, "/x/y/z/other", h_tag, "statics"), 0);
    CHECK_EQ(cx_router_get(r, "/x/:b/z/more", h_tag, "mixed"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/x/y/z/end", &mt), 0);
    CHECK_STR((const char *)mt.data, "params");
    CHECK_STR(param_of(&mt, "a"), "x");
    CHECK_STR(param_of(&mt, "b"), "y");
    CHECK_STR(param_of(&mt, "c"), "z");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/x/y/z/more", &mt), 0);
    CHECK_STR((const char *)mt.data, "mixed");
    CHECK_EQ(mt.nparams, 1);
    CHECK_STR(param_of(&mt, "b"), "y");
    CHECK_STR(hit(r, CX_METHOD_GET, "/x/y/z/other"), "statics");
    cx_router_free(r);
}

TEST(priority_is_decided_at_the_first_differing_segment) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a/b/*rest", h_tag, "static-then-wild"), 0);
    CHECK_EQ(cx_router_get(r, "/a/:x/c", h_tag, "param-then-static"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/b/c"), "static-then-wild");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/z/c"), "param-then-static");
    cx_router_free(r);
}

TEST(method_is_part_of_the_match) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_post(r, "/a/b", h_tag, "post-static"), 0);
    CHECK_EQ(cx_router_get(r, "/a/:x", h_tag, "get-param"), 0);
    CHECK_STR(hit(r, CX_METHOD_POST, "/a/b"), "post-static");
    CHECK_STR(hit(r, CX_METHOD_GET, "/a/b"), "get-param");
    CHECK_STR(hit(r, CX_METHOD_POST, "/a/c"), "");
    cx_router_free(r);
}

TEST(same_pattern_different_methods) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/item/:id", h_tag, "get"), 0);
    CHECK_EQ(cx_router_put(r, "/item/:id", h_tag, "put"), 0);
    CHECK_EQ(cx_router_delete(r, "/item/:id", h_tag, "delete"), 0);
    CHECK_EQ(cx_router_patch(r, "/item/:id", h_tag, "patch"), 0);
    CHECK_EQ(cx_router_post(r, "/item/:id", h_tag, "post"), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_TRACE, "/item/:id", h_tag, "trace"), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_CONNECT, "/item/:id", h_tag, "connect"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/item/1"), "get");
    CHECK_STR(hit(r, CX_METHOD_PUT, "/item/1"), "put");
    CHECK_STR(hit(r, CX_METHOD_DELETE, "/item/1"), "delete");
    CHECK_STR(hit(r, CX_METHOD_PATCH, "/item/1"), "patch");
    CHECK_STR(hit(r, CX_METHOD_POST, "/item/1"), "post");
    CHECK_STR(hit(r, CX_METHOD_TRACE, "/item/1"), "trace");
    CHECK_STR(hit(r, CX_METHOD_CONNECT, "/item/1"), "connect");
    CHECK_STR(hit(r, CX_METHOD_OTHER, "/item/1"), "");
    cx_router_free(r);
}

/* ---- 405, HEAD, OPTIONS, any ---------------------------------------------- */

TEST(method_not_allowed_reports_allowed) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_post(r, "/x", h_tag, "post"), 0);
    CHECK_EQ(cx_router_put(r, "/x", h_tag, "put"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/x", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, BIT(CX_METHOD_POST) | BIT(CX_METHOD_PUT) | BIT(CX_METHOD_OPTIONS));
    CHECK_STR(allow_of(mt.allowed), "OPTIONS, POST, PUT");
    cx_router_free(r);
}

TEST(allowed_is_the_union_over_matching_patterns) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_post(r, "/a/b", h_tag, "post"), 0);
    CHECK_EQ(cx_router_put(r, "/a/:x", h_tag, "put"), 0);
    CHECK_EQ(cx_router_delete(r, "/a/*rest", h_tag, "del"), 0);
    CHECK_EQ(cx_router_patch(r, "/other", h_tag, "patch"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/b", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "DELETE, OPTIONS, POST, PUT");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/c", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "DELETE, OPTIONS, PUT");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/c/d", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "DELETE, OPTIONS");
    /* On success the mask is filled too. */
    CHECK_EQ(matchp(r, CX_METHOD_POST, "/a/b", &mt), 0);
    CHECK_STR(allow_of(mt.allowed), "DELETE, OPTIONS, POST, PUT");
    cx_router_free(r);
}

TEST(get_answers_head) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/g", h_tag, "get"), 0);
    CHECK_STR(hit(r, CX_METHOD_HEAD, "/g"), "get");
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_POST, "/g", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "GET, HEAD, OPTIONS");
    cx_router_free(r);
}

TEST(explicit_head_wins_over_get) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/g", h_tag, "get"), 0);
    CHECK_EQ(cx_router_add(r, CX_METHOD_HEAD, "/g", h_tag, "head"), 0);
    CHECK_STR(hit(r, CX_METHOD_HEAD, "/g"), "head");
    CHECK_STR(hit(r, CX_METHOD_GET, "/g"), "get");
    cx_router_free(r);
}

TEST(head_only_route_does_not_answer_get) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_add(r, CX_METHOD_HEAD, "/h", h_tag, "head"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/h", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "HEAD, OPTIONS");
    cx_router_free(r);
}

TEST(options_without_route_is_automatic) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/o", h_tag, "get"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_OPTIONS, "/o", &mt), CX_ENOTFOUND);
    CHECK_STR(allow_of(mt.allowed), "GET, HEAD, OPTIONS");
    CHECK_EQ(cx_router_options(r, "/p", h_tag, "opt"), CX_ESTATE); /* frozen by the match */
    cx_router_free(r);
}

TEST(options_route_takes_precedence) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/o", h_tag, "get"), 0);
    CHECK_EQ(cx_router_options(r, "/o", h_tag, "opt"), 0);
    CHECK_STR(hit(r, CX_METHOD_OPTIONS, "/o"), "opt");
    cx_router_free(r);
}

TEST(any_matches_every_method) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_any(r, "/any", h_tag, "any"), 0);
    for (int m = 0; m < CX_METHOD_COUNT_; m++) CHECK_STR(hit(r, (cx_method)m, "/any"), "any");
    CHECK_STR(hit(r, (cx_method)99, "/any"), "any");
    CHECK_STR(hit(r, (cx_method)-1, "/any"), "any");
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/any", &mt), 0);
    CHECK_STR(allow_of(mt.allowed), "CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE");
    cx_router_free(r);
}

TEST(specific_method_beats_any) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_any(r, "/m", h_tag, "any"), 0);
    CHECK_EQ(cx_router_get(r, "/m", h_tag, "get"), 0);
    CHECK_EQ(cx_router_any(r, "/m", h_tag, "any2"), CX_EEXIST);
    CHECK_STR(hit(r, CX_METHOD_GET, "/m"), "get");
    CHECK_STR(hit(r, CX_METHOD_HEAD, "/m"), "get");
    CHECK_STR(hit(r, CX_METHOD_POST, "/m"), "any");
    CHECK_STR(hit(r, CX_METHOD_OPTIONS, "/m"), "any");
    cx_router_free(r);
}

TEST(unknown_method_gets_only_any) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/u", h_tag, "get"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_OTHER, "/u", &mt), CX_ENOTFOUND);
    CHECK(mt.allowed != 0);
    cx_router_free(r);
}

TEST(allow_format) {
    char buf[128];
    CHECK_EQ(cx_router_allow_format(0, buf, sizeof buf), 0);
    CHECK_STR(buf, "");
    CHECK_EQ(cx_router_allow_format(BIT(CX_METHOD_GET), buf, sizeof buf), 3);
    CHECK_STR(buf, "GET");
    uint32_t all = 0;
    for (int m = 1; m < CX_METHOD_COUNT_; m++) all |= BIT(m);
    const char *want = "CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, TRACE";
    CHECK_EQ(cx_router_allow_format(all, buf, sizeof buf), strlen(want));
    CHECK_STR(buf, want);
    /* Truncation, like snprintf. */
    char small[8];
    CHECK_EQ(cx_router_allow_format(all, small, sizeof small), strlen(want));
    CHECK_STR(small, "CONNECT");
    CHECK_EQ(cx_router_allow_format(all, NULL, 0), strlen(want));
    CHECK_EQ(cx_router_allow_format(BIT(0), buf, sizeof buf), 0); /* OTHER has no name */
}

/* ---- registration errors and limits --------------------------------------- */

TEST(duplicate_route_is_eexist) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/d/:id", h_tag, "one"), 0);
    CHECK_EQ(cx_router_get(r, "/d/:id", h_tag, "two"), CX_EEXIST);
    CHECK_EQ(cx_router_get(r, "/s", h_tag, "one"), 0);
    CHECK_EQ(cx_router_get(r, "/s", h_tag, "two"), CX_EEXIST);
    CHECK_EQ(cx_router_get(r, "/w/*p", h_tag, "one"), 0);
    CHECK_EQ(cx_router_get(r, "/w/*p", h_tag, "two"), CX_EEXIST);
    CHECK_STR(hit(r, CX_METHOD_GET, "/d/1"), "one");
    CHECK_STR(hit(r, CX_METHOD_GET, "/s"), "one");
    CHECK_STR(hit(r, CX_METHOD_GET, "/w/x"), "one");
    cx_router_free(r);
}

TEST(param_names_must_agree_per_position) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/u/:id", h_tag, "get"), 0);
    CHECK_EQ(cx_router_post(r, "/u/:uid", h_tag, "post"), CX_EINVAL);
    CHECK_EQ(cx_router_get(r, "/u/:uid/x", h_tag, "x"), CX_EINVAL);
    CHECK_EQ(cx_router_post(r, "/u/:id", h_tag, "post"), 0);
    CHECK_EQ(cx_router_get(r, "/u/:id/x", h_tag, "x"), 0);
    CHECK_EQ(cx_router_get(r, "/f/*path", h_tag, "f"), 0);
    CHECK_EQ(cx_router_post(r, "/f/*rest", h_tag, "f"), CX_EINVAL);
    /* A param and a wildcard at the same place are different kinds: fine. */
    CHECK_EQ(cx_router_get(r, "/f/:name", h_tag, "n"), 0);
    CHECK_STR(hit(r, CX_METHOD_POST, "/u/3"), "post");
    cx_router_free(r);
}

TEST(malformed_patterns_are_einval) {
    cx_router *r = mkr();
    const char *bad[] = {
        "",      "x",      "users", "//",    "/a//b", "/:",    "/*",     "/:a-b",   "/:a.b",
        "/*a/b", "/:a/:a", "/a/:",  "/a\tb", "/a\nb", "/\x7f", "/x/*p/", "/:id/*id"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = cx_router_get(r, bad[i], h_tag, NULL);
        if (rc != CX_EINVAL) fprintf(stderr, "  pattern %zu \"%s\" gave %d\n", i, bad[i], rc);
        CHECK_EQ(rc, CX_EINVAL);
    }
    CHECK_EQ(cx_router_get(r, NULL, h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_get(r, "/ok", NULL, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_get(NULL, "/ok", h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_add(r, CX_METHOD_OTHER, "/ok", h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_add(r, CX_METHOD_COUNT_, "/ok", h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_add(r, (cx_method)-3, "/ok", h_tag, NULL), CX_EINVAL);
    /* None of them left anything behind. */
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/b", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, 0);
    cx_router_free(r);
}

TEST(failed_registration_leaves_no_trace) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/t/:a/x", h_tag, "ax"), 0);
    /* Conflicts deep down, after new static nodes could have been made. */
    CHECK_EQ(cx_router_get(r, "/t/:b/y", h_tag, "by"), CX_EINVAL);
    CHECK_EQ(cx_router_get(r, "/t/:a/x", h_tag, "dup"), CX_EEXIST);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/t/1/y", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/t/1/x"), "ax");
    cx_router_free(r);
}

TEST(params_limit) {
    cx_router *r = mkr();
    char pat[512] = "";
    for (int i = 0; i <= CX_ROUTER_MAX_PARAMS; i++) {
        char seg[16];
        snprintf(seg, sizeof seg, "/:p%d", i);
        strcat(pat, seg);
    }
    CHECK_EQ(cx_router_get(r, pat, h_tag, NULL), CX_ELIMIT);
    *strrchr(pat, '/') = '\0';
    CHECK_EQ(cx_router_get(r, pat, h_tag, NULL), 0);
    cx_router_free(r);
}

TEST(pattern_length_limit) {
    cx_router *r = mkr();
    char pat[CX_ROUTER_MAX_PATTERN + 2];
    memset(pat, 'a', sizeof pat);
    pat[0] = '/';
    pat[CX_ROUTER_MAX_PATTERN] = '\0';
    CHECK_EQ(cx_router_get(r, pat, h_tag, "long"), 0);
    pat[CX_ROUTER_MAX_PATTERN] = 'a';
    pat[CX_ROUTER_MAX_PATTERN + 1] = '\0';
    CHECK_EQ(cx_router_get(r, pat, h_tag, NULL), CX_ELIMIT);
    CHECK_STR(hit(r, CX_METHOD_GET, pat), "");
    pat[CX_ROUTER_MAX_PATTERN] = '\0';
    CHECK_STR(hit(r, CX_METHOD_GET, pat), "long");
    cx_router_free(r);
}

TEST(prefix_counts_toward_pattern_length) {
    cx_router *r = mkr();
    char pre[CX_ROUTER_MAX_PATTERN];
    memset(pre, 'p', sizeof pre);
    pre[0] = '/';
    pre[CX_ROUTER_MAX_PATTERN - 2] = '\0';
    cx_router *g = cx_router_group(r, pre);
    CHECK(g != NULL);
    CHECK_EQ(cx_router_get(g, "/a", h_tag, NULL), 0);
    CHECK_EQ(cx_router_get(g, "/ab", h_tag, NULL), CX_ELIMIT);
    cx_router_free(r);
}

TEST(segment_limit) {
    cx_router *r = mkr();
    char pat[2 * CX_ROUTER_MAX_SEGMENTS + 8] = "";
    for (int i = 0; i < CX_ROUTER_MAX_SEGMENTS; i++) strcat(pat, "/s");
    CHECK_EQ(cx_router_get(r, pat, h_tag, "deep"), 0);
    strcat(pat, "/s");
    CHECK_EQ(cx_router_get(r, pat, h_tag, NULL), CX_ELIMIT);
    CHECK_STR(hit(r, CX_METHOD_GET, pat), "");
    pat[strlen(pat) - 2] = '\0';
    CHECK_STR(hit(r, CX_METHOD_GET, pat), "deep");
    cx_router_free(r);
}

TEST(deep_backtracking_with_params_everywhere) {
    /* A param alternative at every level: the matcher's frame stack is at
     * its largest. */
    cx_router *r = mkr();
    char pat[2 * CX_ROUTER_MAX_SEGMENTS + 8] = "", path[2 * CX_ROUTER_MAX_SEGMENTS + 8] = "";
    for (int i = 0; i < CX_ROUTER_MAX_SEGMENTS - 1; i++) strcat(pat, "/s");
    CHECK_EQ(cx_router_get(r, pat, h_tag, "statics"), 0);
    char sub[2 * CX_ROUTER_MAX_SEGMENTS + 8] = "";
    for (int i = 0; i < CX_ROUTER_MAX_SEGMENTS - 1; i++) {
        char p2[2 * CX_ROUTER_MAX_SEGMENTS + 16];
        snprintf(p2, sizeof p2, "%s/:p/end", sub);
        CHECK_EQ(cx_router_get(r, p2, h_tag, "param"), 0);
        strcat(sub, "/s");
    }
    strcpy(path, pat);
    CHECK_STR(hit(r, CX_METHOD_GET, path), "statics");
    path[strlen(path) - 1] = 'x'; /* the last static fails: back up one level */
    CHECK_STR(hit(r, CX_METHOD_GET, path), "");
    cx_router_free(r);
}

TEST(thousands_of_routes) {
    cx_router *r = mkr();
    enum { N = 3000 };
    static char pats[N][48];
    for (int i = 0; i < N; i++) {
        switch (i % 3) {
        case 0:
            snprintf(pats[i], sizeof pats[i], "/r%d", i);
            break;
        case 1:
            snprintf(pats[i], sizeof pats[i], "/res/%d/items/:id", i);
            break;
        default:
            snprintf(pats[i], sizeof pats[i], "/deep/%d/x/%d/*rest", i % 97, i);
            break;
        }
        int rc = cx_router_get(r, pats[i], h_tag, pats[i]);
        if (rc) fprintf(stderr, "  %s: %d\n", pats[i], rc);
        CHECK_EQ(rc, 0);
    }
    int bad = 0;
    for (int i = 0; i < N; i++) {
        char path[64];
        switch (i % 3) {
        case 0:
            snprintf(path, sizeof path, "/r%d", i);
            break;
        case 1:
            snprintf(path, sizeof path, "/res/%d/items/abc", i);
            break;
        default:
            snprintf(path, sizeof path, "/deep/%d/x/%d/a/b", i % 97, i);
            break;
        }
        if (strcmp(hit(r, CX_METHOD_GET, path), pats[i]) != 0) bad++;
    }
    CHECK_EQ(bad, 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/r3001"), "");
    CHECK_STR(hit(r, CX_METHOD_GET, "/res/2/items/abc"), "");
    cx_router_free(r);
}

/* ---- match arguments ------------------------------------------------------ */

TEST(match_rejects_bad_arguments) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/", h_tag, NULL), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "", &mt), CX_EINVAL);
    CHECK_EQ(matchp(r, CX_METHOD_GET, "x", &mt), CX_EINVAL);
    CHECK_EQ(matchp(r, CX_METHOD_GET, "*", &mt), CX_EINVAL);
    CHECK_EQ(cx_router_match(NULL, CX_METHOD_GET, CX_STR("/"), &mt), CX_EINVAL);
    CHECK_EQ(cx_router_match(r, CX_METHOD_GET, CX_STR("/"), NULL), CX_EINVAL);
    CHECK_EQ(cx_router_match(r, CX_METHOD_GET, (cx_str){NULL, 1}, &mt), CX_EINVAL);
    cx_router_free(r);
}

TEST(match_path_with_embedded_nul) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a/:x", h_tag, "x"), 0);
    cx_route_match mt;
    CHECK_EQ(cx_router_match(r, CX_METHOD_GET, (cx_str){"/a/b\0c", 6}, &mt), 0);
    CHECK_EQ(mt.params[0].value.len, 3);
    CHECK_EQ(cx_router_match(r, CX_METHOD_GET, (cx_str){"/a\0", 3}, &mt), CX_ENOTFOUND);
    cx_router_free(r);
}

/* ---- freezing ------------------------------------------------------------- */

TEST(first_match_freezes) {
    cx_router *r = mkr();
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_get(r, "/a", h_tag, NULL), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/a"), "(null)");
    CHECK_EQ(cx_router_get(r, "/b", h_tag, NULL), CX_ESTATE);
    CHECK_EQ(cx_router_get(g, "/b", h_tag, NULL), CX_ESTATE);
    CHECK_EQ(cx_router_use(r, mw_tag, "m"), CX_ESTATE);
    CHECK_EQ(cx_router_use(g, mw_tag, "m"), CX_ESTATE);
    CHECK(cx_router_group(r, "/h") == NULL);
    cx_router *sub = mkr();
    CHECK_EQ(cx_router_mount(r, "/s", sub), CX_ESTATE);
    cx_router_free(sub);
    CHECK_EQ(cx_router_freeze(r), 0); /* again: a no-op */
    cx_router_free(r);
}

TEST(explicit_freeze) {
    cx_router *r = mkr();
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_get(g, "/a", h_tag, "a"), 0);
    CHECK_EQ(cx_router_freeze(g), 0); /* a group freezes its whole tree */
    CHECK_EQ(cx_router_get(r, "/b", h_tag, NULL), CX_ESTATE);
    CHECK_STR(hit(r, CX_METHOD_GET, "/g/a"), "a");
    CHECK_EQ(cx_router_freeze(NULL), CX_EINVAL);
    cx_router_free(r);
}

TEST(matching_on_a_group_uses_the_whole_tree) {
    cx_router *r = mkr();
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_get(g, "/a", h_tag, "a"), 0);
    CHECK_EQ(cx_router_get(r, "/b", h_tag, "b"), 0);
    CHECK_STR(hit(g, CX_METHOD_GET, "/g/a"), "a");
    CHECK_STR(hit(g, CX_METHOD_GET, "/b"), "b");
    cx_router_free(r);
}

struct race {
    cx_router *r;
    pthread_barrier_t *go;
    int bad;
};

static void *race_main(void *arg) {
    struct race *x = arg;
    pthread_barrier_wait(x->go);
    for (int i = 0; i < 2000; i++) {
        char path[32];
        snprintf(path, sizeof path, "/n/%d", i % 50);
        cx_route_match mt;
        if (matchp(x->r, CX_METHOD_GET, path, &mt) != 0 || mt.chain_len != 2)
            x->bad++;
        else if (!cx_str_eq(mt.params[0].value, cx_str_from(path + 3)))
            x->bad++;
        if (matchp(x->r, CX_METHOD_GET, "/static/x", &mt) != 0) x->bad++;
    }
    return NULL;
}

TEST(threads_share_a_lazily_frozen_router) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_use(r, mw_tag, "m"), 0);
    CHECK_EQ(cx_router_get(r, "/n/:n", h_tag, "n"), 0);
    CHECK_EQ(cx_router_get(r, "/static/x", h_tag, "x"), 0);
    enum { T = 4 };
    pthread_t th[T];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, T);
    struct race xs[T];
    for (int i = 0; i < T; i++) {
        xs[i] = (struct race){r, &go, 0};
        pthread_create(&th[i], NULL, race_main, &xs[i]);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ(xs[i].bad, 0);
    }
    pthread_barrier_destroy(&go);
    cx_router_free(r);
}

/* ---- groups --------------------------------------------------------------- */

TEST(group_prefixes_its_routes) {
    cx_router *r = mkr();
    cx_router *api = cx_router_group(r, "/api");
    CHECK(api != NULL);
    CHECK_EQ(cx_router_get(api, "/users", h_tag, "users"), 0);
    CHECK_EQ(cx_router_get(api, "/users/:id", h_tag, "user"), 0);
    CHECK_EQ(cx_router_get(api, "", h_tag, "api"), 0);
    CHECK_EQ(cx_router_get(api, "/", h_tag, "api/"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/api/users/9", &mt), 0);
    CHECK_STR(pattern_of(&mt), "/api/users/:id");
    CHECK_STR(param_of(&mt, "id"), "9");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/users"), "users");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api"), "api");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/"), "api/");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users"), "");
    cx_router_free(r);
}

TEST(group_patterns_need_a_leading_slash) {
    cx_router *r = mkr();
    cx_router *api = cx_router_group(r, "/api");
    CHECK_EQ(cx_router_get(api, "users", h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_get(r, "", h_tag, NULL), CX_EINVAL); /* a root has no prefix */
    cx_router_free(r);
}

TEST(group_prefix_validation) {
    cx_router *r = mkr();
    CHECK(cx_router_group(r, NULL) == NULL);
    CHECK(cx_router_group(r, "api") == NULL);
    CHECK(cx_router_group(r, "/api/") == NULL);
    CHECK(cx_router_group(r, "/a//b") == NULL);
    CHECK(cx_router_group(r, "/files/*rest") == NULL);
    CHECK(cx_router_group(r, "/:bad-name") == NULL);
    CHECK(cx_router_group(NULL, "/x") == NULL);
    CHECK(cx_router_group(r, "") != NULL);
    CHECK(cx_router_group(r, "/") != NULL);
    CHECK(cx_router_group(r, "/v1/:tenant") != NULL);
    /* Calls on a failed group fail cleanly. */
    CHECK_EQ(cx_router_get(cx_router_group(r, "bad"), "/x", h_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_use(NULL, mw_tag, NULL), CX_EINVAL);
    CHECK_EQ(cx_router_use(r, NULL, NULL), CX_EINVAL);
    cx_router_free(r);
}

TEST(empty_prefix_group_shares_the_namespace) {
    cx_router *r = mkr();
    cx_router *g = cx_router_group(r, "/");
    CHECK_EQ(cx_router_get(g, "/x", h_tag, "gx"), 0);
    CHECK_EQ(cx_router_get(r, "/x", h_tag, "rx"), CX_EEXIST);
    CHECK_STR(hit(r, CX_METHOD_GET, "/x"), "gx");
    cx_router_free(r);
}

TEST(group_with_param_prefix) {
    cx_router *r = mkr();
    cx_router *t = cx_router_group(r, "/t/:tenant");
    CHECK_EQ(cx_router_get(t, "/users/:id", h_tag, "u"), 0);
    CHECK_EQ(cx_router_get(t, "/x/:tenant", h_tag, NULL), CX_EINVAL); /* repeated name */
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/t/acme/users/5", &mt), 0);
    CHECK_STR(param_of(&mt, "tenant"), "acme");
    CHECK_STR(param_of(&mt, "id"), "5");
    CHECK_STR(pattern_of(&mt), "/t/:tenant/users/:id");
    cx_router_free(r);
}

TEST(nested_groups) {
    cx_router *r = mkr();
    cx_router *api = cx_router_group(r, "/api");
    cx_router *v1 = cx_router_group(api, "/v1");
    cx_router *adm = cx_router_group(v1, "/admin");
    CHECK_EQ(cx_router_get(adm, "/stats", h_tag, "stats"), 0);
    CHECK_EQ(cx_router_get(v1, "/ping", h_tag, "ping"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/api/v1/admin/stats", &mt), 0);
    CHECK_STR(pattern_of(&mt), "/api/v1/admin/stats");
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/v1/ping"), "ping");
    cx_router_free(api); /* owned by r: a no-op */
    cx_router_free(r);
}

TEST(chain_order_is_root_then_groups_then_handler) {
    cx_router *r = mkr();
    cx_router *api = cx_router_group(r, "/api");
    cx_router *v1 = cx_router_group(api, "/v1");
    CHECK_EQ(cx_router_get(v1, "/x", h_tag, "h"), 0);
    /* Middleware added after the route still wraps it. */
    CHECK_EQ(cx_router_use(v1, mw_tag, "v1a"), 0);
    CHECK_EQ(cx_router_use(r, mw_tag, "root1"), 0);
    CHECK_EQ(cx_router_use(api, mw_tag, "api"), 0);
    CHECK_EQ(cx_router_use(r, mw_tag, "root2"), 0);
    CHECK_EQ(cx_router_use(v1, mw_tag, "v1b"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/api/v1/x", &mt), 0);
    CHECK_EQ(mt.chain_len, 6);
    const char *want[] = {"root1", "root2", "api", "v1a", "v1b", "h"};
    for (unsigned i = 0; i < mt.chain_len && i < 6; i++)
        CHECK_STR((const char *)mt.chain[i].data, want[i]);
    CHECK(mt.chain[5].fn == h_tag);
    CHECK(mt.chain[0].fn == mw_tag);
    cx_router_free(r);
}

TEST(sibling_group_middleware_does_not_leak) {
    cx_router *r = mkr();
    cx_router *a = cx_router_group(r, "/a");
    cx_router *b = cx_router_group(r, "/b");
    CHECK_EQ(cx_router_use(a, mw_tag, "A"), 0);
    CHECK_EQ(cx_router_use(b, mw_tag, "B"), 0);
    CHECK_EQ(cx_router_get(a, "/x", h_tag, "ax"), 0);
    CHECK_EQ(cx_router_get(b, "/x", h_tag, "bx"), 0);
    CHECK_EQ(cx_router_get(r, "/x", h_tag, "rx"), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/a/x", &mt), 0);
    CHECK_EQ(mt.chain_len, 2);
    CHECK_STR((const char *)mt.chain[0].data, "A");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/b/x", &mt), 0);
    CHECK_STR((const char *)mt.chain[0].data, "B");
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/x", &mt), 0);
    CHECK_EQ(mt.chain_len, 1);
    cx_router_free(r);
}

TEST(group_routes_conflict_with_root_routes) {
    cx_router *r = mkr();
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_get(r, "/g/:id", h_tag, "root"), 0);
    CHECK_EQ(cx_router_get(g, "/:name", h_tag, "group"), CX_EINVAL);
    CHECK_EQ(cx_router_get(g, "/:id", h_tag, "group"), CX_EEXIST);
    CHECK_EQ(cx_router_post(g, "/:id", h_tag, "group"), 0);
    cx_router_free(r);
}

/* ---- mounts --------------------------------------------------------------- */

TEST(mount_places_a_router_under_a_prefix) {
    cx_router *r = mkr(), *admin = mkr();
    CHECK_EQ(cx_router_get(admin, "/", h_tag, "home"), 0);
    CHECK_EQ(cx_router_get(admin, "/users/:id", h_tag, "user"), 0);
    CHECK_EQ(cx_router_get(r, "/", h_tag, "site"), 0);
    CHECK_EQ(cx_router_mount(r, "/admin", admin), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/admin/users/3", &mt), 0);
    CHECK_STR(pattern_of(&mt), "/admin/users/:id");
    CHECK_STR(param_of(&mt, "id"), "3");
    CHECK_STR(hit(r, CX_METHOD_GET, "/admin/"), "home");
    CHECK_STR(hit(r, CX_METHOD_GET, "/"), "site");
    CHECK_STR(hit(r, CX_METHOD_GET, "/users/3"), "");
    cx_router_free(admin); /* owned by r now: a no-op */
    cx_router_free(r);
}

TEST(mounted_router_keeps_its_middleware_inside_the_parents) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_use(sub, mw_tag, "sub"), 0);
    CHECK_EQ(cx_router_get(sub, "/x", h_tag, "h"), 0);
    CHECK_EQ(cx_router_use(r, mw_tag, "root"), 0);
    CHECK_EQ(cx_router_mount(r, "/s", sub), 0);
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/s/x", &mt), 0);
    CHECK_EQ(mt.chain_len, 3);
    CHECK_STR((const char *)mt.chain[0].data, "root");
    CHECK_STR((const char *)mt.chain[1].data, "sub");
    CHECK_STR((const char *)mt.chain[2].data, "h");
    cx_router_free(r);
}

TEST(mounted_router_accepts_more_routes) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_mount(r, "/s", sub), 0);
    CHECK_EQ(cx_router_get(sub, "/late", h_tag, "late"), 0);
    cx_router *g = cx_router_group(sub, "/g");
    CHECK_EQ(cx_router_get(g, "/deeper", h_tag, "deeper"), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/s/late"), "late");
    CHECK_STR(hit(r, CX_METHOD_GET, "/s/g/deeper"), "deeper");
    cx_router_free(r);
}

TEST(mount_carries_groups_and_mounts) {
    cx_router *r = mkr(), *mid = mkr(), *leaf = mkr();
    CHECK_EQ(cx_router_get(leaf, "/l", h_tag, "leaf"), 0);
    CHECK_EQ(cx_router_use(leaf, mw_tag, "leafmw"), 0);
    cx_router *g = cx_router_group(mid, "/g");
    CHECK_EQ(cx_router_get(g, "/x", h_tag, "gx"), 0);
    CHECK_EQ(cx_router_mount(mid, "/leaf", leaf), 0);
    CHECK_EQ(cx_router_use(mid, mw_tag, "midmw"), 0);
    CHECK_EQ(cx_router_mount(r, "/m", mid), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/m/g/x"), "gx");
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/m/leaf/l", &mt), 0);
    CHECK_STR(pattern_of(&mt), "/m/leaf/l");
    CHECK_EQ(mt.chain_len, 3);
    CHECK_STR((const char *)mt.chain[0].data, "midmw");
    CHECK_STR((const char *)mt.chain[1].data, "leafmw");
    CHECK_STR(hit(r, CX_METHOD_GET, "/leaf/l"), "");
    cx_router_free(r);
}

TEST(mount_under_a_group_and_with_empty_prefix) {
    cx_router *r = mkr(), *a = mkr(), *b = mkr();
    cx_router *api = cx_router_group(r, "/api");
    CHECK_EQ(cx_router_get(a, "/a", h_tag, "a"), 0);
    CHECK_EQ(cx_router_get(b, "/b", h_tag, "b"), 0);
    CHECK_EQ(cx_router_mount(api, "/v2", a), 0);
    CHECK_EQ(cx_router_mount(r, "", b), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/api/v2/a"), "a");
    CHECK_STR(hit(r, CX_METHOD_GET, "/b"), "b");
    cx_router_free(r);
}

TEST(mount_conflict_changes_nothing) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_get(r, "/s/c", h_tag, "root-c"), 0);
    CHECK_EQ(cx_router_get(sub, "/a", h_tag, "a"), 0);
    CHECK_EQ(cx_router_get(sub, "/b", h_tag, "b"), 0);
    CHECK_EQ(cx_router_get(sub, "/c", h_tag, "c"), 0);
    CHECK_EQ(cx_router_mount(r, "/s", sub), CX_EEXIST);
    /* The routes grafted before the clash were taken out again. */
    cx_route_match mt;
    CHECK_EQ(matchp(r, CX_METHOD_GET, "/s/a", &mt), CX_ENOTFOUND);
    CHECK_EQ(mt.allowed, 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/s/c"), "root-c");
    /* sub is still the caller's and still works on its own. */
    CHECK_STR(hit(sub, CX_METHOD_GET, "/a"), "a");
    cx_router_free(sub);
    cx_router_free(r);
}

TEST(mount_param_name_clash_is_einval) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_get(r, "/u/:id/x", h_tag, "x"), 0);
    CHECK_EQ(cx_router_get(sub, "/:name", h_tag, "n"), 0);
    CHECK_EQ(cx_router_mount(r, "/u", sub), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, "/v", sub), 0);
    CHECK_STR(hit(r, CX_METHOD_GET, "/v/q"), "n");
    cx_router_free(r);
}

TEST(mount_prefix_param_repeated_in_sub_is_einval) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_get(sub, "/:id", h_tag, "n"), 0);
    CHECK_EQ(cx_router_mount(r, "/u/:id", sub), CX_EINVAL);
    cx_router_free(sub);
    cx_router_free(r);
}

TEST(mount_over_the_length_limit_is_elimit) {
    cx_router *r = mkr(), *sub = mkr();
    char pat[CX_ROUTER_MAX_PATTERN + 1];
    memset(pat, 'a', sizeof pat);
    pat[0] = '/';
    pat[CX_ROUTER_MAX_PATTERN - 1] = '\0';
    CHECK_EQ(cx_router_get(sub, pat, h_tag, NULL), 0);
    CHECK_EQ(cx_router_mount(r, "/xy", sub), CX_ELIMIT);
    cx_router_free(sub);
    cx_router_free(r);
}

TEST(mount_rejects_bad_arguments) {
    cx_router *r = mkr(), *sub = mkr(), *other = mkr();
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_mount(r, "/s", r), CX_EINVAL);
    CHECK_EQ(cx_router_mount(g, "/s", r), CX_EINVAL);     /* an ancestor */
    CHECK_EQ(cx_router_mount(other, "/s", g), CX_EINVAL); /* has a parent */
    CHECK_EQ(cx_router_mount(NULL, "/s", sub), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, "/s", NULL), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, NULL, sub), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, "s", sub), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, "/s/", sub), CX_EINVAL);
    CHECK_EQ(cx_router_mount(r, "/s", sub), 0);
    CHECK_EQ(cx_router_mount(other, "/t", sub), CX_EINVAL); /* mounted already */
    cx_router_free(other);
    cx_router_free(r);
}

TEST(mount_of_a_frozen_router_is_estate) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_get(sub, "/a", h_tag, NULL), 0);
    CHECK_EQ(cx_router_freeze(sub), 0);
    CHECK_EQ(cx_router_mount(r, "/s", sub), CX_ESTATE);
    cx_router_free(sub);
    cx_router_free(r);
}

/* ---- walking -------------------------------------------------------------- */

static int collect_routes(void *arg, cx_method m, const char *pattern) {
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s %s;", m == CX_METHOD_OTHER ? "ANY" : cx_method_name(m), pattern);
    return 0;
}

static int stop_at_second(void *arg, cx_method m, const char *pattern) {
    int *n = arg;
    return ++*n == 2 ? 7 : 0;
}

TEST(walk_lists_every_route) {
    cx_router *r = mkr(), *sub = mkr();
    CHECK_EQ(cx_router_get(r, "/a", h_tag, NULL), 0);
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_post(g, "/b", h_tag, NULL), 0);
    CHECK_EQ(cx_router_any(sub, "/c", h_tag, NULL), 0);
    CHECK_EQ(cx_router_mount(r, "/m", sub), 0);
    CHECK_EQ(cx_router_put(r, "/d/:x", h_tag, NULL), 0);
    char out[512] = "";
    CHECK_EQ(cx_router_walk(r, collect_routes, out), 0);
    CHECK_STR(out, "GET /a;PUT /d/:x;POST /g/b;ANY /m/c;");
    int n = 0;
    CHECK_EQ(cx_router_walk(r, stop_at_second, &n), 7);
    CHECK_EQ(cx_router_walk(NULL, stop_at_second, &n), CX_EINVAL);
    CHECK_EQ(cx_router_walk(r, NULL, NULL), CX_EINVAL);
    cx_router_free(r);
}

TEST(new_and_free_edge_cases) {
    CHECK_EQ(cx_router_new(NULL), CX_EINVAL);
    cx_router_free(NULL);
}

/* ---- the context, by hand ------------------------------------------------- */

static cx_ctx mkctx(const cx_mw *chain, unsigned len) {
    cx_ctx c;
    memset(&c, 0xAB, sizeof c); /* init must not rely on zeroed memory */
    cx_ctx_init(&c, NULL, NULL, NULL);
    c.chain = chain;
    c.chain_len = len;
    c.chain_pos = 0;
    return c;
}

TEST(ctx_init_resets_everything) {
    cx_ctx c;
    memset(&c, 0x5A, sizeof c);
    cx_req *req = (cx_req *)0x10;
    cx_res *res = (cx_res *)0x20;
    cx_arena *a = (cx_arena *)0x30;
    cx_ctx_init(&c, req, res, a);
    CHECK(cx_ctx_req(&c) == req);
    CHECK(cx_ctx_res(&c) == res);
    CHECK(cx_ctx_arena(&c) == a);
    CHECK(cx_ctx_data(&c) == NULL);
    CHECK_EQ(cx_ctx_route(&c).len, 0);
    CHECK(cx_ctx_route(&c).ptr != NULL);
    CHECK_EQ(c.nparams, 0);
    CHECK_EQ(c.nvalues, 0);
    CHECK(c.panic_env == NULL);
    CHECK(!c.panicked);
    CHECK(cx_ctx_get(&c, "k") == NULL);
    CHECK_EQ(cx_param(&c, "id").len, 0);
}

TEST(ctx_accessors_accept_null) {
    CHECK(cx_ctx_req(NULL) == NULL);
    CHECK(cx_ctx_res(NULL) == NULL);
    CHECK(cx_ctx_arena(NULL) == NULL);
    CHECK(cx_ctx_data(NULL) == NULL);
    CHECK_EQ(cx_param(NULL, "x").len, 0);
    CHECK_EQ(cx_ctx_route(NULL).len, 0);
    CHECK_EQ(cx_ctx_set(NULL, "k", NULL), CX_EINVAL);
    CHECK(cx_ctx_get(NULL, "k") == NULL);
    CHECK_EQ(cx_next(NULL), CX_EINVAL);
    CHECK_EQ(cx_problem(NULL, 400, "x"), CX_EINVAL);
}

TEST(ctx_params_by_name) {
    cx_ctx c = mkctx(NULL, 0);
    c.params[0] = (cx_param_kv){CX_STR("id"), CX_STR("42")};
    c.params[1] = (cx_param_kv){CX_STR("idx"), CX_STR("7")};
    c.nparams = 2;
    CHECK_MEM(cx_param(&c, "id").ptr, cx_param(&c, "id").len, "42");
    CHECK_MEM(cx_param(&c, "idx").ptr, cx_param(&c, "idx").len, "7");
    CHECK_EQ(cx_param(&c, "i").len, 0);
    CHECK_EQ(cx_param(&c, "missing").len, 0);
    CHECK(cx_param(&c, "missing").ptr != NULL);
    CHECK_EQ(cx_param(&c, NULL).len, 0);
}

TEST(ctx_values_set_get_replace) {
    cx_ctx c = mkctx(NULL, 0);
    static const char KEY[] = "user";
    int a = 1, b = 2;
    CHECK_EQ(cx_ctx_set(&c, KEY, &a), 0);
    CHECK(cx_ctx_get(&c, KEY) == &a);
    char other[8];
    strcpy(other, "user"); /* same text, another pointer */
    CHECK(cx_ctx_get(&c, other) == &a);
    CHECK_EQ(cx_ctx_set(&c, other, &b), 0); /* replaces */
    CHECK_EQ(c.nvalues, 1);
    CHECK(cx_ctx_get(&c, KEY) == &b);
    CHECK_EQ(cx_ctx_set(&c, KEY, NULL), 0);
    CHECK(cx_ctx_get(&c, KEY) == NULL);
    CHECK(cx_ctx_get(&c, "nope") == NULL);
    CHECK_EQ(cx_ctx_set(&c, NULL, &a), CX_EINVAL);
    CHECK(cx_ctx_get(&c, NULL) == NULL);
}

TEST(ctx_values_limit) {
    cx_ctx c = mkctx(NULL, 0);
    static char keys[CX_CTX_MAX_VALUES + 1][8];
    int v[CX_CTX_MAX_VALUES + 1];
    for (int i = 0; i < CX_CTX_MAX_VALUES; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        CHECK_EQ(cx_ctx_set(&c, keys[i], &v[i]), 0);
    }
    snprintf(keys[CX_CTX_MAX_VALUES], 8, "extra");
    CHECK_EQ(cx_ctx_set(&c, keys[CX_CTX_MAX_VALUES], &v[0]), CX_ELIMIT);
    /* Replacing still works when full. */
    CHECK_EQ(cx_ctx_set(&c, "k3", &v[9]), 0);
    CHECK(cx_ctx_get(&c, "k3") == &v[9]);
    for (int i = 0; i < CX_CTX_MAX_VALUES; i++)
        if (i != 3) CHECK(cx_ctx_get(&c, keys[i]) == &v[i]);
}

TEST(chain_runs_as_an_onion) {
    cx_mw chain[] = {{mw_tag, "a"}, {mw_tag, "b"}, {h_tag, "h"}};
    cx_ctx c = mkctx(chain, 3);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), 0);
    CHECK_STR(tape, "a>;b>;Hh;<b;<a;");
}

TEST(cx_ctx_data_follows_the_running_link) {
    cx_mw chain[] = {{mw_tag, "outer"}, {h_tag, "inner"}};
    cx_ctx c = mkctx(chain, 2);
    CHECK_STR((const char *)cx_ctx_data(&c), "outer");
    tape[0] = '\0';
    chain[0].fn(&c);
    /* mw_tag prints cx_ctx_data() after cx_next(): its own data again. */
    CHECK_STR(tape, "outer>;Hinner;<outer;");
    CHECK_STR((const char *)cx_ctx_data(&c), "outer");
}

static int h_next_past_end(cx_ctx *ctx) {
    int rc = cx_next(ctx);
    note("end=%d;", rc);
    return rc;
}

TEST(next_past_the_end_returns_zero) {
    cx_mw chain[] = {{h_next_past_end, NULL}};
    cx_ctx c = mkctx(chain, 1);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), 0);
    CHECK_STR(tape, "end=0;");
}

static int mw_twice(cx_ctx *ctx) {
    int a = cx_next(ctx);
    int b = cx_next(ctx);
    note("first=%d second=%d;", a, b);
    return b;
}

static int mw_stop(cx_ctx *ctx) {
    note("stop;");
    return 0; /* never calls cx_next */
}

TEST(next_twice_is_estate) {
    cx_mw chain[] = {{mw_twice, NULL}, {h_tag, "h"}};
    cx_ctx c = mkctx(chain, 2);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), CX_ESTATE);
    CHECK_STR(tape, "Hh;first=0 second=-10007;");
}

TEST(next_twice_cannot_run_what_a_middleware_skipped) {
    cx_mw chain[] = {{mw_twice, NULL}, {mw_stop, NULL}, {h_tag, "secret"}};
    cx_ctx c = mkctx(chain, 3);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), CX_ESTATE);
    CHECK(strstr(tape, "secret") == NULL);
}

TEST(next_twice_at_the_end_is_estate) {
    cx_mw chain[] = {{mw_twice, NULL}};
    cx_ctx c = mkctx(chain, 1);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), CX_ESTATE);
    CHECK_STR(tape, "first=0 second=-10007;");
}

static int mw_fail(cx_ctx *ctx) {
    return CX_EIO;
}

TEST(errors_travel_up_the_chain) {
    cx_mw chain[] = {{mw_tag, "a"}, {mw_fail, NULL}, {h_tag, "h"}};
    cx_ctx c = mkctx(chain, 3);
    tape[0] = '\0';
    CHECK_EQ(chain[0].fn(&c), CX_EIO);
    CHECK_STR(tape, "a>;<a;");
}

TEST(next_without_chain_is_einval) {
    cx_ctx c = mkctx(NULL, 0);
    CHECK_EQ(cx_next(&c), CX_EINVAL);
}

/* ---- cx_problem on a bare response ---------------------------------------- */

typedef struct bare {
    cx_arena *arena;
    cx_res res;
    cx_req req;
    cx_ctx ctx;
} bare;

static void bare_init(bare *b, const char *raw_path) {
    memset(b, 0, sizeof *b);
    b->arena = cx_arena_new(0, 0);
    cx_res_reset(&b->res, NULL, NULL, b->arena);
    cx_req_reset(&b->req, NULL, NULL, b->arena);
    b->req.path_raw = cx_str_from(raw_path);
    cx_ctx_init(&b->ctx, raw_path ? &b->req : NULL, &b->res, b->arena);
}

static void bare_free(bare *b) {
    cx_buf_free(&b->res.body);
    cx_arena_free(b->arena);
}

static const char *bare_body(bare *b) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%.*s", (int)b->res.body.len,
             b->res.body.data ? b->res.body.data : "");
    return buf;
}

static const char *res_header(cx_res *res, const char *name) {
    for (unsigned i = 0; i < res->num_headers; i++)
        if (cx_str_ieq(res->headers[i].name, cx_str_from(name))) return res->headers[i].value.ptr;
    return NULL;
}

TEST(problem_body_is_exact) {
    bare b;
    bare_init(&b, "/p");
    CHECK_EQ(cx_problem(&b.ctx, 404, "no such thing"), 0);
    CHECK_EQ(b.res.status, 404);
    CHECK_STR(bare_body(&b), "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                             "\"detail\":\"no such thing\",\"instance\":\"/p\"}");
    CHECK_STR(res_header(&b.res, "Content-Type"), "application/problem+json");
    bare_free(&b);
}

TEST(problem_without_detail_or_request) {
    bare b;
    bare_init(&b, NULL);
    CHECK_EQ(cx_problem(&b.ctx, 503, NULL), 0);
    CHECK_STR(bare_body(&b), "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\","
                             "\"status\":503}");
    bare_free(&b);
}

TEST(problem_escapes_json) {
    bare b;
    bare_init(&b, "/q");
    CHECK_EQ(cx_problem(&b.ctx, 400, "say \"hi\"\\ \n\t\r\b\f \x01\x1f end"), 0);
    CHECK(strstr(bare_body(&b),
                 "\"detail\":\"say \\\"hi\\\"\\\\ \\n\\t\\r\\b\\f \\u0001\\u001f end\"") != NULL);
    bare_free(&b);
}

TEST(problem_keeps_valid_utf8_and_replaces_invalid) {
    bare b;
    bare_init(&b, "/u");
    /* é, €, U+1F600, then: lone continuation, overlong '/', surrogate, past
     * U+10FFFF, truncated sequence at the end. */
    CHECK_EQ(cx_problem(&b.ctx, 422,
                        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\x80|\xc0\xaf|\xed\xa0\x80|"
                        "\xf4\x90\x80\x80|\xe2\x82"),
             0);
    const char *want = "\"detail\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|\\ufffd|\\ufffd\\ufffd|"
                       "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"";
    if (!strstr(bare_body(&b), want)) fprintf(stderr, "  body: %s\n", bare_body(&b));
    CHECK(strstr(bare_body(&b), want) != NULL);
    bare_free(&b);
}

TEST(problem_instance_is_the_raw_path_escaped) {
    bare b;
    bare_init(&b, "/a%20b/\"x\"");
    CHECK_EQ(cx_problem(&b.ctx, 400, NULL), 0);
    CHECK(strstr(bare_body(&b), "\"instance\":\"/a%20b/\\\"x\\\"\"") != NULL);
    bare_free(&b);
}

TEST(problem_status_out_of_range_is_500) {
    int cases[][2] = {{200, 500}, {399, 500}, {600, 500}, {-1, 500}, {0, 500},
                      {400, 400}, {599, 599}, {418, 418}, {451, 451}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bare b;
        bare_init(&b, "/");
        CHECK_EQ(cx_problem(&b.ctx, cases[i][0], "x"), 0);
        CHECK_EQ(b.res.status, cases[i][1]);
        char want[32];
        snprintf(want, sizeof want, "\"status\":%d,", cases[i][1]);
        CHECK(strstr(bare_body(&b), want) != NULL);
        bare_free(&b);
    }
}

TEST(problem_unknown_status_title) {
    bare b;
    bare_init(&b, "/");
    CHECK_EQ(cx_problem(&b.ctx, 499, NULL), 0);
    CHECK(strstr(bare_body(&b), "\"title\":\"Unknown\"") != NULL);
    bare_free(&b);
}

TEST(problem_replaces_body_and_content_type) {
    bare b;
    bare_init(&b, "/");
    CHECK_EQ(cx_res_send(&b.res, "text/html", "<p>partial</p>", 14), 0);
    CHECK_EQ(cx_res_header(&b.res, "X-Kept", "yes"), 0);
    CHECK_EQ(cx_problem(&b.ctx, 409, "conflict"), 0);
    CHECK(strstr(bare_body(&b), "partial") == NULL);
    CHECK_STR(res_header(&b.res, "Content-Type"), "application/problem+json");
    CHECK_STR(res_header(&b.res, "X-Kept"), "yes");
    unsigned ctypes = 0;
    for (unsigned i = 0; i < b.res.num_headers; i++)
        if (cx_str_ieq(b.res.headers[i].name, CX_STR("content-type"))) ctypes++;
    CHECK_EQ(ctypes, 1);
    bare_free(&b);
}

TEST(problem_after_headers_sent_is_estate) {
    bare b;
    bare_init(&b, "/");
    b.res.headers_sent = true;
    CHECK_EQ(cx_problem(&b.ctx, 500, "late"), CX_ESTATE);
    CHECK_EQ(b.res.body.len, 0);
    bare_free(&b);
}

TEST(problem_with_a_long_detail) {
    bare b;
    bare_init(&b, "/");
    static char detail[100000];
    memset(detail, '"', sizeof detail - 1);
    CHECK_EQ(cx_problem(&b.ctx, 400, detail), 0);
    CHECK(b.res.body.len > 2 * (sizeof detail - 1));
    bare_free(&b);
}

TEST(problem_falls_back_when_the_body_is_capped) {
    bare b;
    bare_init(&b, "/");
    b.res.body.max = 120; /* room for the bare status, not for the detail */
    static char detail[400];
    memset(detail, 'x', sizeof detail - 1);
    CHECK_EQ(cx_problem(&b.ctx, 400, detail), 0);
    CHECK_STR(bare_body(&b), "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400}");
    bare_free(&b);
}

/* ---- through cx_router_handle (in-memory exchanges) ----------------------- */

static int last_rc;

static cx_memx *serve(cx_router *r, const char *method, const char *target) {
    char raw[2048];
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: h\r\n\r\n", method, target);
    int err = 0, status = 0;
    cx_memx *m = cx_memx_new(raw, strlen(raw), &err, &status);
    if (!m) {
        fprintf(stderr, "  memx_new(%s %s) failed: %d, status %d\n", method, target, err, status);
        return NULL;
    }
    last_rc = cx_memx_run(m, cx_router_handle, r);
    return m;
}

static const char *body_of(cx_memx *m) {
    static char buf[4096];
    cx_str b = cx_memx_body(m);
    snprintf(buf, sizeof buf, "%.*s", (int)b.len, b.ptr);
    return buf;
}

static int h_echo_params(cx_ctx *ctx) {
    cx_str route = cx_ctx_route(ctx), id = cx_param(ctx, "id"), rest = cx_param(ctx, "rest");
    cx_buf_printf(cx_res_body(cx_ctx_res(ctx)), "route=%.*s id=%.*s rest=%.*s data=%s",
                  (int)route.len, route.ptr, (int)id.len, id.ptr, (int)rest.len, rest.ptr,
                  (const char *)cx_ctx_data(ctx));
    return cx_res_header(cx_ctx_res(ctx), "Content-Type", "text/plain");
}

TEST(handle_runs_the_route_with_params) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/users/:id", h_echo_params, "U"), 0);
    CHECK_EQ(cx_router_get(r, "/files/*rest", h_echo_params, "F"), 0);
    cx_memx *m = serve(r, "GET", "/users/42?x=1");
    if (m) {
        CHECK_EQ(last_rc, 0);
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_STR(body_of(m), "route=/users/:id id=42 rest= data=U");
        cx_memx_free(m);
    }
    m = serve(r, "GET", "/files/a%20b/c%2Fd");
    if (m) {
        CHECK_STR(body_of(m), "route=/files/*rest id= rest=a b/c/d data=F");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_absolute_form_target) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/x/:id", h_echo_params, "X"), 0);
    cx_memx *m = serve(r, "GET", "http://example.com/x/9");
    if (m) {
        CHECK_STR(body_of(m), "route=/x/:id id=9 rest= data=X");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_404_is_a_problem) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a", h_tag, NULL), 0);
    cx_memx *m = serve(r, "GET", "/nope");
    if (m) {
        CHECK_EQ(last_rc, 0);
        CHECK_EQ(cx_memx_status(m), 404);
        CHECK_STR(cx_memx_header(m, "Content-Type"), "application/problem+json");
        CHECK(strstr(body_of(m), "\"status\":404") != NULL);
        CHECK(strstr(body_of(m), "\"instance\":\"/nope\"") != NULL);
        CHECK(cx_memx_header(m, "Allow") == NULL);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_405_lists_allowed_methods) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/x", h_tag, NULL), 0);
    CHECK_EQ(cx_router_delete(r, "/x", h_tag, NULL), 0);
    cx_memx *m = serve(r, "POST", "/x");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 405);
        CHECK_STR(cx_memx_header(m, "Allow"), "DELETE, GET, HEAD, OPTIONS");
        CHECK_STR(cx_memx_header(m, "Content-Type"), "application/problem+json");
        CHECK(strstr(body_of(m), "\"title\":\"Method Not Allowed\"") != NULL);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

static int h_body(cx_ctx *ctx) {
    return cx_res_send(cx_ctx_res(ctx), "text/plain", "hello", 5);
}

TEST(handle_head_uses_get_without_body) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/g", h_body, NULL), 0);
    cx_memx *m = serve(r, "HEAD", "/g");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_STR(cx_memx_header(m, "Content-Type"), "text/plain");
        CHECK_EQ(cx_memx_body(m).len, 0);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_automatic_options) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/o", h_body, NULL), 0);
    CHECK_EQ(cx_router_patch(r, "/o", h_body, NULL), 0);
    cx_memx *m = serve(r, "OPTIONS", "/o");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 204);
        CHECK_STR(cx_memx_header(m, "Allow"), "GET, HEAD, OPTIONS, PATCH");
        CHECK_EQ(cx_memx_body(m).len, 0);
        cx_memx_free(m);
    }
    m = serve(r, "OPTIONS", "/missing");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 404);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_explicit_options_route) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/o", h_body, NULL), 0);
    CHECK_EQ(cx_router_options(r, "/o", h_tag, "opt"), 0);
    tape[0] = '\0';
    cx_memx *m = serve(r, "OPTIONS", "/o");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_STR(tape, "Hopt;");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_options_asterisk) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/a", h_body, NULL), 0);
    CHECK_EQ(cx_router_post(r, "/b/:x", h_body, NULL), 0);
    cx_memx *m = serve(r, "OPTIONS", "*");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 204);
        CHECK_STR(cx_memx_header(m, "Allow"), "GET, HEAD, OPTIONS, POST");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

/* The parser already refuses most odd targets, so these replace the path
 * of a valid request before the router sees it: the router must not rely
 * on the parser. */
static const char *forced_path;

static int h_force_path(cx_ctx *ctx) {
    cx_req *req = cx_ctx_req(ctx);
    req->path_raw = cx_str_from(forced_path);
    req->path_decoded = false;
    return cx_router_handle(ctx); /* cx_ctx_data() is the router: ours */
}

static int serve_forced(cx_router *r, const char *method, const char *path) {
    char raw[256];
    snprintf(raw, sizeof raw, "%s /placeholder HTTP/1.1\r\nHost: h\r\n\r\n", method);
    cx_memx *m = cx_memx_new(raw, strlen(raw), NULL, NULL);
    if (!m) return -1;
    forced_path = path;
    cx_memx_run(m, h_force_path, r);
    int status = cx_memx_status(m);
    const char *ct = cx_memx_header(m, "Content-Type");
    if (status >= 400 && (!ct || strcmp(ct, "application/problem+json") != 0)) status = -2;
    cx_memx_free(m);
    return status;
}

TEST(handle_bad_paths_are_400) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/*all", h_body, NULL), 0);
    CHECK_EQ(serve_forced(r, "GET", "/a%zzb"), 400);
    CHECK_EQ(serve_forced(r, "GET", "/a%2"), 400);
    CHECK_EQ(serve_forced(r, "GET", ""), 400);
    CHECK_EQ(serve_forced(r, "GET", "*"), 400);
    CHECK_EQ(serve_forced(r, "GET", "relative/path"), 400);
    CHECK_EQ(serve_forced(r, "OPTIONS", "*"), 204);
    CHECK_EQ(serve_forced(r, "GET", "/fine%20path"), 200);
    cx_memx *m = serve(r, "CONNECT", "example.com:443");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 400);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_onion_order_through_groups) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_use(r, mw_tag, "root"), 0);
    cx_router *api = cx_router_group(r, "/api");
    CHECK_EQ(cx_router_use(api, mw_tag, "api"), 0);
    cx_router *v1 = cx_router_group(api, "/v1");
    CHECK_EQ(cx_router_use(v1, mw_tag, "v1"), 0);
    CHECK_EQ(cx_router_get(v1, "/x", h_tag, "h"), 0);
    tape[0] = '\0';
    cx_memx *m = serve(r, "GET", "/api/v1/x");
    if (m) {
        CHECK_EQ(last_rc, 0);
        CHECK_STR(tape, "root>;api>;v1>;Hh;<v1;<api;<root;");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_root_middleware_sees_router_answers) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_use(r, mw_tag, "root"), 0);
    cx_router *g = cx_router_group(r, "/g");
    CHECK_EQ(cx_router_use(g, mw_tag, "group"), 0);
    CHECK_EQ(cx_router_post(g, "/x", h_tag, NULL), 0);
    const char *reqs[][2] = {
        {"GET", "/nope"}, {"GET", "/g/x"}, {"OPTIONS", "/g/x"}, {"OPTIONS", "*"}};
    int want[] = {404, 405, 204, 204};
    for (int i = 0; i < 4; i++) {
        tape[0] = '\0';
        cx_memx *m = serve(r, reqs[i][0], reqs[i][1]);
        if (!m) continue;
        CHECK_EQ(cx_memx_status(m), want[i]);
        CHECK_STR(tape, "root>;<root;");
        cx_memx_free(m);
    }
    tape[0] = '\0';
    CHECK_EQ(serve_forced(r, "GET", "/%zz"), 400);
    CHECK_STR(tape, "root>;<root;");
    cx_router_free(r);
}

static int mw_short_circuit(cx_ctx *ctx) {
    return cx_problem(ctx, 401, "who are you?");
}

TEST(handle_middleware_can_short_circuit) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_use(r, mw_short_circuit, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/x", h_tag, "h"), 0);
    tape[0] = '\0';
    cx_memx *m = serve(r, "GET", "/x");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 401);
        CHECK_STR(tape, "");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

static int h_fail(cx_ctx *ctx) {
    return CX_EIO;
}

TEST(handle_returns_the_chain_result) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_get(r, "/x", h_fail, NULL), 0);
    cx_memx *m = serve(r, "GET", "/x");
    if (m) {
        CHECK_EQ(last_rc, CX_EIO);
        CHECK_EQ(cx_memx_status(m), 500);
        cx_memx_free(m);
    }
    cx_router_free(r);
}

static const char USER_KEY[] = "user";

static int mw_auth(cx_ctx *ctx) {
    int rc = cx_ctx_set(ctx, USER_KEY, "alice");
    return rc ? rc : cx_next(ctx);
}

static int h_whoami(cx_ctx *ctx) {
    const char *u = cx_ctx_get(ctx, "user");
    return cx_res_send(cx_ctx_res(ctx), "text/plain", u ? u : "-", u ? strlen(u) : 1);
}

TEST(handle_values_flow_down_the_chain) {
    cx_router *r = mkr();
    CHECK_EQ(cx_router_use(r, mw_auth, NULL), 0);
    CHECK_EQ(cx_router_get(r, "/me", h_whoami, NULL), 0);
    cx_memx *m = serve(r, "GET", "/me");
    if (m) {
        CHECK_STR(body_of(m), "alice");
        cx_memx_free(m);
    }
    cx_router_free(r);
}

TEST(handle_router_inside_another_chain) {
    /* A router used as an ordinary handler: it puts the caller's chain
     * back, so the outer middleware finishes normally. */
    cx_router *inner = mkr(), *outer = mkr();
    CHECK_EQ(cx_router_get(inner, "/legacy/x", h_tag, "inner"), 0);
    CHECK_EQ(cx_router_use(outer, mw_tag, "outer"), 0);
    CHECK_EQ(cx_router_any(outer, "/legacy/*rest", cx_router_handle, inner), 0);
    tape[0] = '\0';
    cx_memx *m = serve(outer, "GET", "/legacy/x");
    if (m) {
        CHECK_EQ(cx_memx_status(m), 200);
        CHECK_STR(tape, "outer>;Hinner;<outer;");
        cx_memx_free(m);
    }
    cx_router_free(outer);
    cx_router_free(inner);
}

TEST(handle_rejects_bad_setup) {
    cx_mw chain[] = {{cx_router_handle, NULL}};
    cx_ctx c = mkctx(chain, 1);
    CHECK_EQ(cx_router_handle(&c), CX_EINVAL); /* no request */
    CHECK_EQ(cx_router_handle(NULL), CX_EINVAL);
    cx_memx *m = cx_memx_new("GET / HTTP/1.1\r\nHost: h\r\n\r\n", 27, NULL, NULL);
    if (m) {
        CHECK_EQ(cx_memx_run(m, cx_router_handle, NULL), CX_EINVAL); /* no router */
        CHECK_EQ(cx_memx_status(m), 500);
        cx_memx_free(m);
    }
}

TEST_MAIN()
