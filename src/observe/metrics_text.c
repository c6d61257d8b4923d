/* Exposition: the Prometheus text format 0.0.4 and OpenMetrics 1.0.
 *
 * The two differ in little that matters here: OpenMetrics names a counter
 * family without "_total" in its TYPE line (the sample keeps it) and ends
 * with "# EOF". Values are written in the shortest form that reads back the
 * same, so a scrape never loses precision and stays small. */
#include "metrics_int.h"
#include <cortex/error.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cx__metrics_fmt_double(cx_buf *out, double v) {
    if (isnan(v)) return cx_buf_puts(out, "NaN");
    if (isinf(v)) return cx_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    if (v == (double)(int64_t)v && fabs(v) < 1e15) return cx_buf_printf(out, "%lld", (long long)v);
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", v);
    if (strtod(tmp, NULL) != v) snprintf(tmp, sizeof tmp, "%.17g", v);
    return cx_buf_puts(out, tmp);
}

const char *cx_metrics_content_type(cx_metrics_format f) {
    return f == CX_METRICS_OPENMETRICS
               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
               : "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- Accept ---------------------------------------------------------------- */

static cx_str trim(cx_str s) {
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

/* q in thousandths; 1000 when absent, -1 when malformed. */
static int parse_q(cx_str v) {
    if (v.len == 0 || v.len > 5) return -1;
    if (v.ptr[0] == '1') {
        for (size_t i = 1; i < v.len; i++)
            if (v.ptr[i] != '.' && v.ptr[i] != '0') return -1;
        return 1000;
    }
    if (v.ptr[0] != '0') return -1;
    if (v.len == 1) return 0;
    if (v.ptr[1] != '.') return -1;
    int q = 0, scale = 100;
    for (size_t i = 2; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9') return -1;
        q += (v.ptr[i] - '0') * scale;
        scale /= 10;
    }
    return q;
}

cx_metrics_format cx_metrics_negotiate(cx_str accept) {
    int best_om = -1, best_text = -1;
    size_t pos = 0;
    while (pos <= accept.len && accept.ptr) {
        const char *end = memchr(accept.ptr + pos, ',', accept.len - pos);
        size_t elen = end ? (size_t)(end - (accept.ptr + pos)) : accept.len - pos;
        cx_str item = {accept.ptr + pos, elen};
        pos += elen + 1;
        /* type; param; param */
        const char *semi = memchr(item.ptr, ';', item.len);
        cx_str type = trim((cx_str){item.ptr, semi ? (size_t)(semi - item.ptr) : item.len});
        int q = 1000;
        bool version_ok = true;
        cx_str params =
            semi ? (cx_str){semi + 1, item.len - (size_t)(semi + 1 - item.ptr)} : (cx_str){NULL, 0};
        while (params.len) {
            const char *s2 = memchr(params.ptr, ';', params.len);
            cx_str p = trim((cx_str){params.ptr, s2 ? (size_t)(s2 - params.ptr) : params.len});
            params = s2 ? (cx_str){s2 + 1, params.len - (size_t)(s2 + 1 - params.ptr)}
                        : (cx_str){NULL, 0};
            const char *eq = memchr(p.ptr, '=', p.len);
            if (!eq) continue;
            cx_str k = trim((cx_str){p.ptr, (size_t)(eq - p.ptr)});
            cx_str v = trim((cx_str){eq + 1, p.len - (size_t)(eq + 1 - p.ptr)});
            if (cx_str_ieq(k, CX_STR("q"))) q = parse_q(v);
            if (cx_str_ieq(k, CX_STR("version")) && !cx_str_eq(v, CX_STR("1.0.0")) &&
                !cx_str_eq(v, CX_STR("0.0.4")))
                version_ok = false;
        }
        if (q <= 0) continue;
        if (cx_str_ieq(type, CX_STR("application/openmetrics-text"))) {
            if (version_ok && q > best_om) best_om = q;
        } else if (cx_str_ieq(type, CX_STR("text/plain")) || cx_str_ieq(type, CX_STR("text/*")) ||
                   cx_str_ieq(type, CX_STR("*/*"))) {
            if (version_ok && q > best_text) best_text = q;
        }
        if (!end) break;
    }
    return best_om > best_text ? CX_METRICS_OPENMETRICS : CX_METRICS_PROMETHEUS;
}

/* ---- writing --------------------------------------------------------------- */

static void put_escaped(cx_buf *out, const char *s, size_t n, bool quote) {
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        const char *rep = c == '\\'             ? "\\\\"
                          : c == '\n'           ? "\\n"
                          : (quote && c == '"') ? "\\\""
                                                : NULL;
        if (!rep) continue;
        cx_buf_append(out, s + run, i - run);
        cx_buf_puts(out, rep);
        run = i + 1;
    }
    cx_buf_append(out, s + run, n - run);
}

static void put_labels(cx_buf *out, const cx_metric_family *f, const cx_series *s, const char *le) {
    if (f->nlabels == 0 && !le) return;
    cx_buf_putc(out, '{');
    for (size_t i = 0; i < f->nlabels; i++) {
        if (i) cx_buf_putc(out, ',');
        cx_buf_puts(out, f->labels[i]);
        cx_buf_puts(out, "=\"");
        put_escaped(out, s->values[i].ptr, s->values[i].len, true);
        cx_buf_putc(out, '"');
    }
    if (le) {
        if (f->nlabels) cx_buf_putc(out, ',');
        cx_buf_printf(out, "le=\"%s\"", le);
    }
    cx_buf_putc(out, '}');
}

static void put_header(cx_buf *out, const cx_metric_family *f, cx_metrics_format fmt) {
    static const char *const types[] = {"counter", "gauge", "histogram"};
    const char *suffix =
        f->type == CX_METRIC_COUNTER && fmt == CX_METRICS_PROMETHEUS ? "_total" : "";
    cx_buf_printf(out, "# HELP %s%s ", f->name, suffix);
    put_escaped(out, f->help, strlen(f->help), false);
    cx_buf_printf(out, "\n# TYPE %s%s %s\n", f->name, suffix, types[f->type]);
}

static void write_family(cx_buf *out, const cx_metric_family *f, cx_metrics_format fmt,
                         unsigned nblocks) {
    put_header(out, f, fmt);
    if (f->cb) {
        cx_buf_printf(out, "%s%s ", f->name, f->type == CX_METRIC_COUNTER ? "_total" : "");
        cx__metrics_fmt_double(out, f->cb(f->cb_arg));
        cx_buf_putc(out, '\n');
        return;
    }
    size_t n = atomic_load_explicit(&f->nlist, memory_order_acquire);
    for (size_t k = 0; k < n; k++) {
        const cx_series *s = f->list[k];
        if (f->type == CX_METRIC_COUNTER) {
            cx_buf_printf(out, "%s_total", f->name);
            put_labels(out, f, s, NULL);
            cx_buf_printf(out, " %llu\n",
                          (unsigned long long)cx_counter_value((const cx_counter *)s));
        } else if (f->type == CX_METRIC_GAUGE) {
            cx_buf_puts(out, f->name);
            put_labels(out, f, s, NULL);
            cx_buf_putc(out, ' ');
            cx__metrics_fmt_double(out, cx_gauge_value((const cx_gauge *)s));
            cx_buf_putc(out, '\n');
        } else {
            /* Read each shard's cells once, so that the buckets, the count
             * and +Inf agree with each other. */
            uint64_t counts[CX_METRICS_MAX_BUCKETS + 1] = {0};
            double sum = 0;
            for (unsigned i = 0; i < nblocks; i++) {
                _Atomic uint64_t *cells = cx__cells(s, i);
                for (size_t b = 0; b <= f->nbuckets; b++)
                    counts[b] += atomic_load_explicit(&cells[b], memory_order_relaxed);
                sum += cx__bits_double(
                    atomic_load_explicit(&cells[f->nbuckets + 1], memory_order_relaxed));
            }
            uint64_t cum = 0;
            for (size_t b = 0; b <= f->nbuckets; b++) {
                cum += counts[b];
                cx_buf le = CX_BUF_INIT;
                char lebuf[40] = "+Inf";
                if (b < f->nbuckets) {
                    cx__metrics_fmt_double(&le, f->buckets[b]);
                    /* OpenMetrics wants a float in le: "1.0", not "1". */
                    if (le.len && !memchr(le.data, '.', le.len) && !memchr(le.data, 'e', le.len))
                        cx_buf_puts(&le, ".0");
                    snprintf(lebuf, sizeof lebuf, "%.*s", (int)le.len, le.data ? le.data : "");
                    cx_buf_free(&le);
                }
                cx_buf_printf(out, "%s_bucket", f->name);
                put_labels(out, f, s, lebuf);
                cx_buf_printf(out, " %llu\n", (unsigned long long)cum);
            }
            cx_buf_printf(out, "%s_sum", f->name);
            put_labels(out, f, s, NULL);
            cx_buf_putc(out, ' ');
            cx__metrics_fmt_double(out, sum);
            cx_buf_printf(out, "\n%s_count", f->name);
            put_labels(out, f, s, NULL);
            cx_buf_printf(out, " %llu\n", (unsigned long long)cum);
        }
    }
}

int cx_metrics_write(cx_metrics *m, cx_metrics_format fmt, cx_buf *out) {
    if (!m || !out) return CX_EINVAL;
    pthread_mutex_lock(&m->mu);
    size_t ncollect = m->ncollect;
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < ncollect; i++) m->collect[i].fn(m->collect[i].arg);

    pthread_mutex_lock(&m->mu);
    size_t before = out->len;
    bool any_rejected = false;
    for (size_t i = 0; i < m->nfamilies; i++) {
        write_family(out, m->families[i], fmt, m->nblocks);
        if (cx_metric_family_rejected(m->families[i])) any_rejected = true;
    }
    if (any_rejected) {
        const char *suffix = fmt == CX_METRICS_PROMETHEUS ? "_total" : "";
        cx_buf_printf(out,
                      "# HELP cortex_metrics_series_rejected%s Series refused because their "
                      "family reached its max_series.\n# TYPE cortex_metrics_series_rejected%s "
                      "counter\n",
                      suffix, suffix);
        for (size_t i = 0; i < m->nfamilies; i++) {
            uint64_t r = cx_metric_family_rejected(m->families[i]);
            if (r)
                cx_buf_printf(out, "cortex_metrics_series_rejected_total{family=\"%s\"} %llu\n",
                              m->families[i]->name, (unsigned long long)r);
        }
    }
    if (fmt == CX_METRICS_OPENMETRICS) cx_buf_puts(out, "# EOF\n");
    pthread_mutex_unlock(&m->mu);
    /* cx_buf records an allocation failure by not growing; check the end. */
    if (fmt == CX_METRICS_OPENMETRICS &&
        (out->len < before + 6 || memcmp(out->data + out->len - 6, "# EOF\n", 6) != 0))
        return CX_ENOMEM;
    return 0;
}

int cx_metrics_handler(cx_ctx *ctx) {
    cx_metrics *m = cx_ctx_data(ctx);
    cx_req *req = cx_ctx_req(ctx);
    cx_res *res = cx_ctx_res(ctx);
    cx_str accept = {"", 0};
    cx_req_header(req, "Accept", &accept);
    cx_metrics_format fmt = cx_metrics_negotiate(accept);
    int rc = cx_metrics_write(m, fmt, cx_res_body(res));
    if (rc) return rc;
    return cx_res_header(res, "Content-Type", cx_metrics_content_type(fmt));
}
