/* The standard process_* metrics, read from /proc when scraped.
 *
 * Names and meanings follow the Prometheus client conventions so that the
 * usual dashboards work unchanged. */
#include "metrics_int.h"
#include <cortex/error.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields of /proc/self/stat after the command name: utime (14), stime (15),
 * starttime (22), vsize (23), rss (24), counting from 1 for the pid. */
static int read_stat(double *cpu, double *start, double *vsize, double *rss) {
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return CX_EIO;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command may hold spaces and ')' */
    if (!p) return CX_EPARSE;
    unsigned long long v[24] = {0};
    int field = 2; /* p is at the end of field 2 */
    for (const char *q = p + 1; *q && field < 24;) {
        while (*q == ' ') q++;
        field++;
        unsigned long long x = 0;
        while (*q && *q != ' ') {
            if (*q >= '0' && *q <= '9') x = x * 10 + (unsigned long long)(*q - '0');
            q++;
        }
        v[field - 1] = x;
    }
    double tick = (double)sysconf(_SC_CLK_TCK);
    if (tick <= 0) tick = 100;
    if (cpu) *cpu = (double)(v[13] + v[14]) / tick;
    if (vsize) *vsize = (double)v[22];
    if (rss) *rss = (double)v[23] * (double)sysconf(_SC_PAGESIZE);
    if (start) {
        double btime = 0;
        FILE *s = fopen("/proc/stat", "r");
        if (s) {
            char line[256];
            while (fgets(line, sizeof line, s))
                if (sscanf(line, "btime %lf", &btime) == 1) break;
            fclose(s);
        }
        *start = btime + (double)v[21] / tick;
    }
    return 0;
}

static double cpu_seconds(void *arg) {
    (void)arg;
    double v = 0;
    read_stat(&v, NULL, NULL, NULL);
    return v;
}

static double resident(void *arg) {
    (void)arg;
    double v = 0;
    read_stat(NULL, NULL, NULL, &v);
    return v;
}

static double virtual_mem(void *arg) {
    (void)arg;
    double v = 0;
    read_stat(NULL, NULL, &v, NULL);
    return v;
}

static double start_time(void *arg) {
    (void)arg;
    double v = 0;
    read_stat(NULL, &v, NULL, NULL);
    return v;
}

static double open_fds(void *arg) {
    (void)arg;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 0;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

static double max_fds(void *arg) {
    (void)arg;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    return rl.rlim_cur == RLIM_INFINITY ? -1 : (double)rl.rlim_cur;
}

int cx_metrics_add_process(cx_metrics *m) {
    static const struct {
        const char *name, *help;
        cx_metric_type type;
        double (*fn)(void *);
    } defs[] = {
        {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
         CX_METRIC_COUNTER, cpu_seconds},
        {"process_resident_memory_bytes", "Resident memory size in bytes.", CX_METRIC_GAUGE,
         resident},
        {"process_virtual_memory_bytes", "Virtual memory size in bytes.", CX_METRIC_GAUGE,
         virtual_mem},
        {"process_open_fds", "Number of open file descriptors.", CX_METRIC_GAUGE, open_fds},
        {"process_max_fds", "Maximum number of open file descriptors.", CX_METRIC_GAUGE, max_fds},
        {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
         CX_METRIC_GAUGE, start_time},
    };
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        int rc = cx_metrics_callback(m, defs[i].name, defs[i].help, defs[i].type, defs[i].fn, NULL);
        if (rc) return rc;
    }
    return 0;
}
