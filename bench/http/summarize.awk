# Turns run.sh's per-run rows into the markdown tables of the report.
#
# Input (tab-separated, one row per measured run):
#   server test conns run requests duration_us bytes p50_us p99_us errors
#   server_ticks elapsed_us server_core_busy server_core_total
#   client_core_busy client_core_total clk_tck wrk_cpu_ms server_sys_ticks
# Variables: tests, conns, servers (space-separated, in report order), idle,
# interleave (1: run r of every server ran back to back, so per-round ratios mean something),
# depth, noise (percent of a core taken by other processes above which a row
# is marked), memfile (rows: server rss_before rss_after open failed end_open
# closed_by_server).

function add(key, name, v) { n[key, name]++; val[key, name, n[key, name]] = v }

function sorted(key, name,    i, j, t, m) {
    m = n[key, name]
    for (i = 1; i <= m; i++) s[i] = val[key, name, i]
    for (i = 2; i <= m; i++)
        for (j = i; j > 1 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
    return m
}

function median(key, name,    m) {
    m = sorted(key, name)
    if (m == 0) return ""
    return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}

function lo(key, name) { return sorted(key, name) ? s[1] : "" }
function hi(key, name,    m) { m = sorted(key, name); return m ? s[m] : "" }

function commas(x,    str, out) {
    str = sprintf("%.0f", x)
    out = ""
    while (length(str) > 3) { out = "," substr(str, length(str) - 2) out; str = substr(str, 1, length(str) - 3) }
    return str out
}

function spread(key, name, fmt,    m) {
    m = n[key, name]
    if (m < 2) return "—"
    return sprintf(fmt " – " fmt, lo(key, name), hi(key, name))
}

function is_noisy(key) {
    if (median(key, "other_s") <= noise && median(key, "other_c") <= noise) return 0
    any_noisy = 1
    return 1
}

function ratio(key, base, name) {
    if (!((base, name) in n) || median(base, name) == 0) return "—"
    return sprintf("%.2f", median(key, name) / median(base, name))
}

{
    key = $2 SUBSEP $3 SUBSEP $1
    secs = $6 / 1e6
    cpu = $11 / $17
    add(key, "rps", secs > 0 ? $5 / secs : 0)
    if ($2 != "pipeline") add(key, "p99", $9 / 1000)
    add(key, "err", $10)
    add(key, "bpr", $5 > 0 ? $7 / $5 : 0)
    add(key, "cpu_pct", $12 > 0 ? 100 * cpu / ($12 / 1e6) : 0)
    add(key, "us_req", $5 > 0 ? 1e6 * cpu / $5 : 0)
    add(key, "sys_req", $5 > 0 ? 1e6 * ($19 / $17) / $5 : 0)
    add(key, "kreq_cs", cpu > 0 ? $5 / cpu / 1000 : 0)
    if (cpu > 0) round_kreq[key, $4] = $5 / cpu / 1000
    wrk_pct = $12 > 0 ? 100 * ($18 / 1000) / ($12 / 1e6) : 0
    add(key, "wrk", wrk_pct)
    other = $16 > 0 ? 100 * $15 / $16 - wrk_pct : 0
    add(key, "other_c", other > 0 ? other : 0)
    other = $14 > 0 ? 100 * ($13 - $11) / $14 : 0
    add(key, "other_s", other > 0 ? other : 0)
    have[key] = 1
}

function throughput_table(    ti, ci, si, t, c, sv, key, base, nt, nc, ns, T, C, S) {
    nt = split(tests, T, " "); nc = split(conns, C, " "); ns = split(servers, S, " ")
    print "### Throughput"
    print ""
    print "| test | conns | server | req/s (median) | min – max | ÷ Cortex | p99 ms (median) | p99 min – max | errors (worst run) |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|"
    for (ti = 1; ti <= nt; ti++) for (ci = 1; ci <= nc; ci++) for (si = 1; si <= ns; si++) {
        t = T[ti]; c = C[ci]; sv = S[si]
        key = t SUBSEP c SUBSEP sv
        if (!(key in have)) continue
        base = t SUBSEP c SUBSEP "cortex"
        p99 = t == "pipeline" ? "n/a" : sprintf("%.2f", median(key, "p99"))
        p99s = t == "pipeline" ? "" : spread(key, "p99", "%.2f")
        printf "| %s | %s | %s | %s%s | %s | %s | %s | %s | %d |\n", t, c, sv,
            commas(median(key, "rps")), is_noisy(key) ? " †" : "",
            n[key, "rps"] < 2 ? "—" : commas(lo(key, "rps")) " – " commas(hi(key, "rps")),
            ratio(key, base, "rps"), p99, p99s, hi(key, "err")
    }
    print ""
}

function efficiency_table(    ti, ci, si, t, c, sv, key, base, nt, nc, ns, T, C, S) {
    nt = split(tests, T, " "); nc = split(conns, C, " "); ns = split(servers, S, " ")
    print "### Server CPU per request"
    print ""
    print "| test | conns | server | server CPU % | CPU µs/req (median) | min – max | of which kernel | k req per core-s | ÷ Cortex | bytes/resp | wrk CPU % | other load % server / client core |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (ti = 1; ti <= nt; ti++) for (ci = 1; ci <= nc; ci++) for (si = 1; si <= ns; si++) {
        t = T[ti]; c = C[ci]; sv = S[si]
        key = t SUBSEP c SUBSEP sv
        if (!(key in have)) continue
        base = t SUBSEP c SUBSEP "cortex"
        noisy = is_noisy(key)
        printf "| %s | %s | %s | %.0f | %.2f | %s | %.2f | %.0f | %s | %.0f | %.0f | %.0f / %.0f%s |\n",
            t, c, sv, median(key, "cpu_pct"), median(key, "us_req"), spread(key, "us_req", "%.2f"),
            median(key, "sys_req"), median(key, "kreq_cs"), ratio(key, base, "kreq_cs"), median(key, "bpr"),
            median(key, "wrk"), median(key, "other_s"), median(key, "other_c"), noisy ? " †" : ""
    }
    print ""
}

# Cortex's requests per core-second over each peer's in the same round: the
# two runs were seconds apart, so a machine that drifts over minutes (a VM's
# neighbours) moves both and cancels out of the ratio.
function paired_table(    ti, ci, si, t, c, sv, key, base, r, m, list, nt, nc, ns, T, C, S) {
    nt = split(tests, T, " "); nc = split(conns, C, " "); ns = split(servers, S, " ")
    print "### Cortex ÷ peer, requests per server core-second, round by round"
    print ""
    print "| test | conns | peer | rounds | median | min – max | per round |"
    print "|---|---:|---|---:|---:|---:|---|"
    for (ti = 1; ti <= nt; ti++) for (ci = 1; ci <= nc; ci++) for (si = 1; si <= ns; si++) {
        t = T[ti]; c = C[ci]; sv = S[si]
        if (sv == "cortex") continue
        key = t SUBSEP c SUBSEP sv
        base = t SUBSEP c SUBSEP "cortex"
        if (!(key in have) || !(base in have)) continue
        m = 0; list = ""
        for (r = 1; r <= 20; r++) {  # run.sh allows RUNS up to 20
            if (!((key, r) in round_kreq) || !((base, r) in round_kreq)) continue
            add(key, "pair", round_kreq[base, r] / round_kreq[key, r])
            list = list (m++ ? " " : "") sprintf("%.2f", round_kreq[base, r] / round_kreq[key, r])
        }
        if (m == 0) continue
        printf "| %s | %s | %s | %d | %.2f | %s | %s |\n", t, c, sv, m, median(key, "pair"),
            spread(key, "pair", "%.2f"), list
    }
    print ""
}

function memory_table(    line, f, per) {
    if (idle == 0) return
    print "### Memory per idle keep-alive connection"
    print ""
    print "| server | RSS before (KiB) | RSS with " idle " idle (KiB) | KiB per idle conn | open at READY | failed | closed by server during hold |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    while ((getline line < memfile) > 0) {
        split(line, f, "\t")
        per = f[4] > 0 ? sprintf("%.2f", (f[3] - f[2]) / f[4]) : "—"
        printf "| %s | %d | %d | %s | %d | %d | %d |\n", f[1], f[2], f[3], per, f[4], f[5], f[7]
    }
    close(memfile)
    print ""
}

END {
    if (NR == 0) print "No load-test results (see the skipped servers above).\n"
    else {
        throughput_table(); efficiency_table()
        if (interleave) paired_table()
    }
    memory_table()
    print "÷ Cortex: this server's median divided by Cortex's in the same test (req/s in the first"
    print "table, requests per server core-second in the second); — when Cortex did not run."
    print "of which kernel: the server's system time per request (/proc stime), the part spent in"
    print "the kernel's socket and TCP code rather than in the server's own."
    if (any_noisy) {
        print "†: other processes took more than " noise "% of a benchmark core during these runs;"
        print "their req/s are unreliable (CPU µs/req suffers less)."
    }
    print "pipeline: " depth " requests per write; wrk's latency figures are per batch and its"
    print "latency correction misreports them, so no p99 is given."
}
