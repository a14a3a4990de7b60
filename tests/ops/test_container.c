/* tests/ops/test_container.c — deployment files without a container engine: the Dockerfile is
 * checked as far as can be without docker, its build script (.ci/container-build) installs
 * into a temporary root and the installed binary serves as the image would run it, and
 * config/kubernetes.yaml is checked and its settings accepted by the server. */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opsutil.h"
#include "store.h"

#define SRC PROSPERITY_SOURCE_DIR

/* ---- the Dockerfile, parsed ------------------------------------------------------------ */

struct insn {
    char kw[16]; /* upper case */
    char *args;  /* continuation lines joined, comments inside dropped */
    int line;    /* where it starts */
    int stage;   /* index of its FROM */
};

struct dockerfile {
    struct insn insns[128];
    int n;
    char stage_names[8][64];
    char stage_images[8][128];
    int nstages;
};

static void dockerfile_free(struct dockerfile *d)
{
    for (int i = 0; i < d->n; i++)
        free(d->insns[i].args);
}

static void parse_dockerfile(struct dockerfile *d)
{
    memset(d, 0, sizeof *d);
    char *text = tu_read(SRC "/Dockerfile", NULL);
    ck_assert_msg(text != NULL, "no Dockerfile at the top of the source tree");
    char *cur = NULL, *next = NULL;
    size_t curlen = 0;
    int lineno = 0, start = 0;
    for (char *line = text; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '#' || *s == '\0')
            continue; /* comments, also inside a continued instruction */
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        int more = len && s[len - 1] == '\\';
        if (more)
            len--;
        if (!cur)
            start = lineno;
        cur = realloc(cur, curlen + len + 2);
        memcpy(cur + curlen, s, len);
        curlen += len;
        cur[curlen++] = ' ';
        cur[curlen] = '\0';
        if (more)
            continue;
        ck_assert_int_lt(d->n, 128);
        struct insn *in = &d->insns[d->n++];
        size_t kwlen = strcspn(cur, " \t");
        ck_assert_msg(kwlen < sizeof in->kw, "Dockerfile:%d: no instruction", start);
        for (size_t i = 0; i < kwlen; i++)
            in->kw[i] = (char)toupper((unsigned char)cur[i]);
        char *a = cur + kwlen;
        while (isspace((unsigned char)*a))
            a++;
        in->args = strdup(a);
        size_t al = strlen(in->args);
        while (al && isspace((unsigned char)in->args[al - 1]))
            in->args[--al] = '\0';
        in->line = start;
        if (strcmp(in->kw, "FROM") == 0) {
            ck_assert_int_lt(d->nstages, 8);
            char image[128] = "", as[8] = "", name[64] = "";
            int got = sscanf(in->args, "%127s %7s %63s", image, as, name);
            ck_assert_msg(got == 1 || (got == 3 && strcasecmp(as, "AS") == 0),
                          "Dockerfile:%d: FROM IMAGE [AS NAME]", start);
            snprintf(d->stage_images[d->nstages], sizeof d->stage_images[0], "%s", image);
            snprintf(d->stage_names[d->nstages], sizeof d->stage_names[0], "%s", name);
            d->nstages++;
        }
        in->stage = d->nstages - 1;
        free(cur);
        cur = NULL;
        curlen = 0;
    }
    ck_assert_msg(cur == NULL, "Dockerfile ends inside a continued line");
    free(text);
}

static int last_stage(const struct dockerfile *d)
{
    return d->nstages - 1;
}

/* The first instruction KW of STAGE, or NULL. */
static const struct insn *find(const struct dockerfile *d, int stage, const char *kw)
{
    for (int i = 0; i < d->n; i++)
        if (d->insns[i].stage == stage && strcmp(d->insns[i].kw, kw) == 0)
            return &d->insns[i];
    return NULL;
}

/* An exec form ["a", "b"]: a JSON array of strings. */
static json_t *exec_form(const struct insn *in, const char *args)
{
    json_error_t je;
    json_t *j = json_loads(args, 0, &je);
    ck_assert_msg(json_is_array(j) && json_array_size(j) > 0,
                  "Dockerfile:%d: %s should be a JSON array (exec form): %s", in->line, in->kw,
                  j ? "not an array" : je.text);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
        ck_assert_msg(json_is_string(v), "Dockerfile:%d: %s: strings only", in->line, in->kw);
    return j;
}

/* Words of ARGS (split at blanks; enough for COPY, which has no quoting here). */
static int words(const char *args, char out[][256], int max)
{
    int n = 0;
    for (const char *p = args; *p && n < max;) {
        while (isspace((unsigned char)*p))
            p++;
        size_t len = strcspn(p, " \t");
        if (!len)
            break;
        snprintf(out[n++], 256, "%.*s", (int)len, p);
        p += len;
    }
    return n;
}

/* Environment names the server knows: PROSPERITY_* from `prosperity serve --help`. */
static char *known_settings(void)
{
    char dir[300], log[400];
    ops_mkdir(dir, sizeof dir, "help");
    snprintf(log, sizeof log, "%s/help.txt", dir);
    const char *argv[] = {PROSPERITY_BIN, "serve", "--help", NULL};
    pid_t pid = ops_spawn(argv, NULL, log);
    ck_assert_int_eq(ops_wait(pid, 10), 0);
    char *text = tu_read(log, NULL);
    ck_assert_ptr_nonnull(strstr(text, "PROSPERITY_PORT"));
    return text;
}

static int is_known(const char *help, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(help, name); p; p = strstr(p + 1, name))
        if (!isalnum((unsigned char)p[n]) && p[n] != '_')
            return 1;
    return 0;
}

/* ENV NAME=value ... (or the old ENV NAME value) of STAGE as "NAME=value" strings. */
static int stage_env(const struct dockerfile *d, int stage, char out[][256], int max)
{
    int n = 0;
    for (int i = 0; i < d->n; i++) {
        const struct insn *in = &d->insns[i];
        if (in->stage != stage || strcmp(in->kw, "ENV") != 0)
            continue;
        char w[32][256];
        int nw = words(in->args, w, 32);
        if (nw >= 1 && !strchr(w[0], '=') && n < max) { /* ENV NAME value */
            snprintf(out[n++], 256, "%.100s=%.150s", w[0], in->args + strlen(w[0]) + 1);
            continue;
        }
        for (int k = 0; k < nw && n < max; k++) {
            ck_assert_msg(strchr(w[k], '=') != NULL, "Dockerfile:%d: ENV %s", in->line, w[k]);
            ck_assert_msg(!strchr(w[k], '"') && !strchr(w[k], '\''),
                          "Dockerfile:%d: quoted ENV values are not checked here", in->line);
            snprintf(out[n++], 256, "%s", w[k]);
        }
    }
    return n;
}

/* Fails when FILE names a file or folder of the source root that COPY (the tops of its
 * sources in COPIED) leaves out of the image build: ${CMAKE_SOURCE_DIR}/NAME,
 * PROSPERITY_SOURCE_DIR "/NAME", and with RELATIVE also bare paths such as api/store.c. */
static void check_context(const char *file, int relative, char copied[][256], int ncopied)
{
    static const char *const roots[] = {"${CMAKE_SOURCE_DIR}/", "PROSPERITY_SOURCE_DIR \"/",
                                        "SOURCE_DIR}/"};
    char *text = tu_read(file, NULL);
    ck_assert_ptr_nonnull(text);
    const char *rel = strstr(file, SRC "/") == file ? file + strlen(SRC) + 1 : file;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[strspn(line, " ")] == '#')
            continue;
        char tops[16][128];
        int ntops = 0;
        for (size_t r = 0; r < sizeof roots / sizeof roots[0]; r++)
            for (const char *p = strstr(line, roots[r]); p && ntops < 16;
                 p = strstr(p + 1, roots[r])) {
                const char *name = p + strlen(roots[r]);
                snprintf(tops[ntops++], 128, "%.*s", (int)strcspn(name, "/ \t)\"$"), name);
            }
        for (char *p = line; relative && *p && ntops < 16;) {
            p += strspn(p, " \t()\"");
            size_t len = strcspn(p, " \t()\"");
            if (!len)
                break;
            char *slash = memchr(p, '/', len);
            if (slash && !strchr("$/-<.", *p))
                snprintf(tops[ntops++], 128, "%.*s", (int)(slash - p), p);
            p += len;
        }
        for (int t = 0; t < ntops; t++) {
            char path[600];
            struct stat sb;
            snprintf(path, sizeof path, "%s/%.127s", SRC, tops[t]);
            if (!tops[t][0] || stat(path, &sb) != 0)
                continue;
            int covered = 0;
            for (int k = 0; k < ncopied; k++)
                covered |= strcmp(copied[k], tops[t]) == 0;
            ck_assert_msg(covered, "%s uses %s, which the Dockerfile does not COPY", rel, tops[t]);
        }
    }
    free(text);
}

START_TEST(test_dockerfile_checks_without_docker)
{
    struct dockerfile d;
    parse_dockerfile(&d);
    static const char *const known[] = {
        "FROM", "RUN",     "CMD",        "LABEL",       "EXPOSE", "ENV",
        "ADD",  "COPY",    "ENTRYPOINT", "VOLUME",      "USER",   "WORKDIR",
        "ARG",  "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"};
    ck_assert_msg(d.n > 0 && strcmp(d.insns[0].kw, "FROM") == 0, "Dockerfile must start with FROM");
    ck_assert_int_eq(d.nstages, 2);
    ck_assert_str_eq(d.stage_images[0], "debian:bookworm");
    ck_assert_str_eq(d.stage_images[1], "debian:bookworm-slim");
    ck_assert_msg(d.stage_names[0][0], "the build stage needs a name for COPY --from");

    char dir[300], script[400], copied[64][256];
    int ncopied = 0;
    ops_mkdir(dir, sizeof dir, "dockerfile");
    const char *install_root = NULL; /* DESTDIR + PREFIX of the build script's RUN */
    char install_buf[256];
    for (int i = 0; i < d.n; i++) {
        const struct insn *in = &d.insns[i];
        int ok = 0;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            ok |= strcmp(in->kw, known[k]) == 0;
        ck_assert_msg(ok, "Dockerfile:%d: unknown instruction %s", in->line, in->kw);
        if (strcmp(in->kw, "RUN") == 0) {
            /* Shell syntax of every RUN, with the shell the image uses. */
            snprintf(script, sizeof script, "%s/run-%d.sh", dir, i);
            ck_assert_int_eq(tu_write(script, in->args), 0);
            char cmd[600];
            snprintf(cmd, sizeof cmd, "sh -n '%s'", script);
            ck_assert_msg(ops_shell(cmd, NULL, 10) == 0, "Dockerfile:%d: shell syntax error",
                          in->line);
            const char *cb = strstr(in->args, ".ci/container-build");
            if (cb) {
                char src[256], dest[256], prefix[256] = "/usr/local";
                ck_assert_int_ge(
                    sscanf(cb, ".ci/container-build %255s %255s %255s", src, dest, prefix), 2);
                snprintf(install_buf, sizeof install_buf, "%.120s%.120s/", dest, prefix);
                install_root = install_buf;
                ck_assert_msg(in->stage == 0, "Dockerfile:%d: build in the build stage", in->line);
            }
        } else if (strcmp(in->kw, "COPY") == 0 || strcmp(in->kw, "ADD") == 0) {
            char w[16][256];
            int nw = words(in->args, w, 16), first = 0;
            const char *from = NULL;
            while (first < nw && strncmp(w[first], "--", 2) == 0) {
                if (strncmp(w[first], "--from=", 7) == 0)
                    from = w[first] + 7;
                first++;
            }
            ck_assert_msg(nw - first >= 2, "Dockerfile:%d: %s SRC... DEST", in->line, in->kw);
            for (int k = first; k < nw - 1; k++) {
                if (from) {
                    int known_stage = 0;
                    for (int s = 0; s < in->stage; s++)
                        known_stage |= strcmp(d.stage_names[s], from) == 0;
                    ck_assert_msg(known_stage, "Dockerfile:%d: no earlier stage '%s'", in->line,
                                  from);
                    ck_assert_msg(install_root && strcmp(w[k], install_root) == 0,
                                  "Dockerfile:%d: copies %s, but the build script installs "
                                  "into %s",
                                  in->line, w[k], install_root ? install_root : "(nothing)");
                    continue;
                }
                /* Every source of the build context exists (globs must match something). */
                char pattern[600];
                snprintf(pattern, sizeof pattern, "%s/%s", SRC, w[k]);
                glob_t g;
                ck_assert_msg(glob(pattern, GLOB_NOSORT, NULL, &g) == 0,
                              "Dockerfile:%d: COPY source '%s' does not exist", in->line, w[k]);
                globfree(&g);
                ck_assert_int_lt(ncopied, 64);
                snprintf(copied[ncopied++], 256, "%.*s", (int)strcspn(w[k], "/"), w[k]);
            }
        } else if (strcmp(in->kw, "CMD") == 0 || strcmp(in->kw, "ENTRYPOINT") == 0 ||
                   strcmp(in->kw, "VOLUME") == 0) {
            json_decref(exec_form(in, in->args));
        }
    }
    ck_assert_msg(install_root, "no RUN .ci/container-build in the Dockerfile");
    struct stat sb;
    ck_assert_int_eq(stat(SRC "/.ci/container-build", &sb), 0);
    ck_assert_msg(sb.st_mode & S_IXUSR, ".ci/container-build must be executable");
    ck_assert_int_eq(ops_shell("sh -n '" SRC "/.ci/container-build'", NULL, 10), 0);

    /* The build context covers what the build and the unit tests read from the source tree:
     * the top CMakeLists.txt, and paths the test folders name from the source root. */
    /* (The top CMakeLists.txt is checked by building from exactly these files, below.) */
    glob_t g;
    if (glob(SRC "/tests/*.c", 0, NULL, &g) == 0) {
        for (size_t k = 0; k < g.gl_pathc; k++)
            check_context(g.gl_pathv[k], 0, copied, ncopied);
        globfree(&g);
    }
    if (glob(SRC "/tests/*/*.[ch]", 0, NULL, &g) == 0) {
        for (size_t k = 0; k < g.gl_pathc; k++)
            check_context(g.gl_pathv[k], 0, copied, ncopied);
        globfree(&g);
    }
    if (glob(SRC "/tests/*/tests.cmake", 0, NULL, &g) == 0) {
        for (size_t k = 0; k < g.gl_pathc; k++)
            check_context(g.gl_pathv[k], 0, copied, ncopied);
        globfree(&g);
    }

    /* The image: unprivileged, port, health check, stop signal, volume, command. */
    int rt = last_stage(&d);
    const struct insn *user = find(&d, rt, "USER");
    ck_assert_msg(user, "the runtime stage needs a USER");
    ck_assert_msg(strtol(user->args, NULL, 10) > 0 && isdigit((unsigned char)user->args[0]),
                  "USER should be a numeric non-root uid (Kubernetes runAsNonRoot checks it)");
    const struct insn *in = find(&d, rt, "EXPOSE");
    ck_assert_msg(in && strcmp(in->args, "8080") == 0, "EXPOSE 8080");
    in = find(&d, rt, "STOPSIGNAL");
    ck_assert_msg(in && strcmp(in->args, "SIGTERM") == 0, "STOPSIGNAL SIGTERM");
    in = find(&d, rt, "HEALTHCHECK");
    ck_assert_msg(in && strstr(in->args, "CMD "), "HEALTHCHECK ... CMD [...]");
    json_t *hc = exec_form(in, strstr(in->args, "CMD ") + 4);
    ck_assert_str_eq(json_string_value(json_array_get(hc, 0)), "prosperity");
    ck_assert_str_eq(json_string_value(json_array_get(hc, 1)), "healthcheck");
    json_decref(hc);
    in = find(&d, rt, "VOLUME");
    ck_assert_msg(in, "a VOLUME for user databases");
    json_t *vol = exec_form(in, in->args);
    ck_assert_str_eq(json_string_value(json_array_get(vol, 0)), "/data");
    json_decref(vol);
    json_t *ep = exec_form(find(&d, rt, "ENTRYPOINT"), find(&d, rt, "ENTRYPOINT")->args);
    json_t *cmd = exec_form(find(&d, rt, "CMD"), find(&d, rt, "CMD")->args);
    ck_assert_str_eq(json_string_value(json_array_get(ep, 0)), "prosperity");
    ck_assert_str_eq(json_string_value(json_array_get(cmd, 0)), "serve");
    json_decref(ep);
    json_decref(cmd);

    /* Settings by environment: every PROSPERITY_* the image sets is one the server knows. */
    char *help = known_settings();
    char env[32][256];
    int nenv = stage_env(&d, rt, env, 32);
    for (int k = 0; k < nenv; k++) {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(env[k], "="), env[k]);
        if (strncmp(name, "PROSPERITY_", 11) == 0)
            ck_assert_msg(is_known(help, name), "Dockerfile sets %s, an unknown setting", name);
    }
    free(help);

    /* The runtime stage installs the packages of every library the binary links. */
    char rt_text[8192] = "";
    for (int i = 0; i < d.n; i++)
        if (d.insns[i].stage == rt && strcmp(d.insns[i].kw, "RUN") == 0)
            snprintf(rt_text + strlen(rt_text), sizeof rt_text - strlen(rt_text), " %s ",
                     d.insns[i].args);
    static const char *const runtime[] = {"libmicrohttpd12", "libjansson4", "libsqlite3-0",
                                          "zlib1g", "libjs-chart.js"};
    for (size_t k = 0; k < sizeof runtime / sizeof runtime[0]; k++) {
        char word[64];
        snprintf(word, sizeof word, " %s ", runtime[k]);
        ck_assert_msg(strstr(rt_text, word), "the runtime stage does not install %s", runtime[k]);
    }
    char pkgs[400];
    snprintf(pkgs, sizeof pkgs, "%s/packages.txt", dir);
    char sh[2048];
    snprintf(sh, sizeof sh,
             "command -v dpkg >/dev/null && command -v readelf >/dev/null || exit 0; "
             "bin='%s'; for lib in $(readelf -d \"$bin\" | "
             "sed -n 's/.*Shared library: \\[\\(.*\\)\\]/\\1/p'); do "
             "path=$(ldd \"$bin\" | awk -v l=\"$lib\" '$1==l {print $3}'); "
             "dpkg -S \"$path\" 2>/dev/null || dpkg -S \"$(readlink -f \"$path\")\" || "
             "echo \"UNKNOWN:$lib\"; done | cut -d: -f1 | sort -u > '%s'",
             PROSPERITY_BIN, pkgs);
    ck_assert_int_eq(ops_shell(sh, NULL, 30), 0);
    char *list = tu_read(pkgs, NULL);
    for (char *p = list ? strtok(list, "\n") : NULL; p; p = strtok(NULL, "\n")) {
        char word[128];
        snprintf(word, sizeof word, " %s ", p);
        /* libc6 and libgcc-s1 are in every Debian image; a sanitizer build links runtimes
         * that a release build (the image's) does not. */
        int base = strcmp(p, "libc6") == 0 || strcmp(p, "libgcc-s1") == 0 ||
                   strncmp(p, "libasan", 7) == 0 || strncmp(p, "libubsan", 8) == 0;
        ck_assert_msg(base || strstr(rt_text, word),
                      "the binary links a library of package %s, which the runtime stage does "
                      "not install",
                      p);
    }
    free(list);
    dockerfile_free(&d);
}
END_TEST

/* ---- the build script and the installed binary ---------------------------------------- */

/* Runs ARGV (ARGV[0] the installed binary) with ENV; returns the exit status. */
static int run(const char *const *argv, const char *const *env, const char *log)
{
    pid_t pid = ops_spawn(argv, env, log);
    ck_assert_int_gt(pid, 0);
    int rc = ops_wait(pid, 15);
    if (rc == -1)
        ops_stop(pid, SIGKILL, 5);
    return rc;
}

/* Lays out in CTX exactly what the build stage's COPY lines put under its WORKDIR, less what
 * .dockerignore excludes: the image is built from these files, not from the whole tree. */
static void build_context(const struct dockerfile *d, const char *ctx)
{
    static char cmd[16384];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", ctx);
    ck_assert_int_eq(ops_shell(cmd, NULL, 10), 0);
    for (int i = 0; i < d->n; i++) {
        const struct insn *in = &d->insns[i];
        if (in->stage != 0 || strcmp(in->kw, "COPY") != 0)
            continue;
        char w[16][256];
        int nw = words(in->args, w, 16);
        ck_assert_msg(nw >= 2 && strncmp(w[0], "--", 2) != 0,
                      "Dockerfile:%d: the build stage's COPY takes no flags here", in->line);
        const char *dest = w[nw - 1];
        int into = dest[strlen(dest) - 1] == '/'; /* COPY a b dir/: into the folder */
        for (int k = 0; k < nw - 1; k++) {
            /* A folder source copies its contents; a file goes into DEST/ or becomes DEST. */
            int len = snprintf(
                cmd, sizeof cmd,
                "cd '%s' && for f in %s; do "
                "if [ -d \"$f\" ]; then mkdir -p '%s/%s' && cp -a \"$f/.\" '%s/%s'; "
                "elif [ %d = 1 ]; then mkdir -p '%s/%s' && cp -a \"$f\" '%s/%s'; "
                "else mkdir -p \"$(dirname '%s/%s')\" && cp -a \"$f\" '%s/%s'; fi; done",
                SRC, w[k], ctx, dest, ctx, dest, into, ctx, dest, ctx, dest, ctx, dest, ctx, dest);
            ck_assert_int_lt(len, (int)sizeof cmd);
            ck_assert_msg(ops_shell(cmd, NULL, 60) == 0, "Dockerfile:%d: cannot copy %s", in->line,
                          w[k]);
        }
    }
    /* .dockerignore patterns are rooted at the context (Go's filepath.Match, as sh globs). */
    char *ignore = tu_read(SRC "/.dockerignore", NULL);
    for (char *p = ignore ? strtok(ignore, "\n") : NULL; p; p = strtok(NULL, "\n")) {
        if (*p == '#' || !*p)
            continue;
        snprintf(cmd, sizeof cmd, "cd '%s' && rm -rf %s", ctx, p);
        ck_assert_int_eq(ops_shell(cmd, NULL, 30), 0);
    }
    free(ignore);
}

/* Runs BIN with ARGS as UID:UID (setpriv, as docker's --user and the image's USER do). */
static int run_as(int uid, const char *bin, const char *args, const char *log)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/setpriv --reuid=%d --regid=%d --clear-groups '%s' %s", uid,
             uid, bin, args);
    return ops_shell(cmd, log, 60);
}

/* README's recipe for your own data in the container: the folder on the host belongs to the
 * host's user, so the import runs as that user (--user "$(id -u):$(id -g)"), and the server,
 * as the image's uid 10001, reads the file it wrote. Users are switched the way docker does,
 * so this needs root (CI is root); elsewhere it says so and checks nothing. */
static void import_as_readme_says(const char *dir, const char *bin, const char *const *env)
{
    if (geteuid() != 0) {
        fprintf(stderr, "container import recipe: not root, not checked\n");
        return;
    }
    char *readme = tu_read(SRC "/README.md", NULL);
    ck_assert_msg(strstr(readme, "mkdir -p mydata") &&
                      strstr(readme, "docker run --rm --user \"$(id -u):$(id -g)\" -v "
                                     "\"$PWD/mydata:/data\""),
                  "README's container import recipe should create the folder and run as the "
                  "host user");
    free(readme);
    const int host_uid = 4242, image_uid = 10001;
    char data[400], db[500], args[1200], log[500], cmd[1200];
    snprintf(data, sizeof data, "%s/mydata", dir);
    snprintf(db, sizeof db, "%s/prosperity.db", data);
    snprintf(log, sizeof log, "%s/import.log", dir);
    /* The test's scratch root is private (0700): let the two users through it, as docker's
     * mounts are reachable for the container's user. */
    char root[300];
    snprintf(root, sizeof root, "%s", dir);
    *strrchr(root, '/') = '\0';
    ck_assert_int_eq(chmod(root, 0711), 0);
    ck_assert_int_eq(mkdir(data, 0755), 0);
    ck_assert_int_eq(chown(data, host_uid, host_uid), 0);

    /* Without --user the image's uid cannot write into the host user's folder: why the recipe
     * has it. The message names the file. */
    snprintf(args, sizeof args, "import --db '%s' '%s/data'", db, SRC);
    ck_assert_int_eq(run_as(image_uid, bin, args, log), 1);
    char *out = tu_read(log, NULL);
    ck_assert_msg(strstr(out, db) && strstr(out, "Permission denied"), "%s", out);
    free(out);

    ck_assert_msg(run_as(host_uid, bin, args, log) == 0, "import as the host user: %s",
                  ops_log_tail(log));
    /* docker kill -s HUP after importing again; here: serve the file as the image's user. */
    const char *argv[] = {"/usr/bin/setpriv",
                          "--reuid=10001",
                          "--regid=10001",
                          "--clear-groups",
                          bin,
                          "serve",
                          "--db",
                          db,
                          NULL};
    char srvlog[500];
    snprintf(srvlog, sizeof srvlog, "%s/server-mydata.log", dir);
    struct tu_server srv;
    ck_assert_msg(ops_server_spawn(&srv, argv, env, srvlog) == 0,
                  "the image's user cannot serve the imported file: %s", ops_log_tail(srvlog));
    char v[64];
    ck_assert_ptr_nonnull(ops_version(&srv, v, sizeof v));
    ck_assert_str_eq(v, store_version(tu_store()));
    ck_assert_int_eq(ops_stop(srv.pid, SIGTERM, 15), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data);
    ck_assert_int_eq(ops_shell(cmd, NULL, 10), 0);
}

START_TEST(test_container_build_installs_a_working_server)
{
    char dir[300], ctx[400], destdir[400], build[400], log[400], cmd[2048];
    ops_mkdir(dir, sizeof dir, "container");
    snprintf(ctx, sizeof ctx, "%s/context", dir);
    snprintf(destdir, sizeof destdir, "%s/root", dir);
    snprintf(build, sizeof build, "%s/build", dir);
    snprintf(log, sizeof log, "%s/build.log", dir);
    struct dockerfile df;
    parse_dockerfile(&df);
    build_context(&df, ctx);
    dockerfile_free(&df);
    /* As the image build does: the unit tests built and run in exactly these files, so a test
     * that reads a file the context lacks (bench/gen once) fails here, not in docker build. */
    snprintf(cmd, sizeof cmd,
             "BUILD_DIR='%s' PROSPERITY_UNIT_TESTS=1 JOBS=2 '%s/.ci/container-build' '%s' '%s' "
             "/usr/local",
             build, ctx, ctx, destdir);
    double t0 = ops_now();
    int rc = ops_shell(cmd, log, 360);
    char *out = tu_read(log, NULL);
    ck_assert_msg(rc == 0, "container-build failed (%d):\n%s", rc, out ? out : "");
    free(out);
    fprintf(stderr, "container-build: %.1f s\n", ops_now() - t0);

    char bin[500], db[500], conf[500];
    snprintf(bin, sizeof bin, "%s/usr/local/bin/prosperity", destdir);
    snprintf(db, sizeof db, "%s/usr/local/share/prosperity/prosperity.db", destdir);
    snprintf(conf, sizeof conf, "%s/usr/local/etc/prosperity/prosperity.conf", destdir);
    ck_assert_int_eq(access(bin, X_OK), 0);
    ck_assert_int_eq(access(db, R_OK), 0);
    ck_assert_int_eq(access(conf, R_OK), 0);

    /* Run it as the image does: `prosperity serve`, no --db, settings from the Dockerfile's
     * ENV (but on loopback and a free port). */
    struct dockerfile d;
    parse_dockerfile(&d);
    char envs[32][256], port_env[64];
    int nenv = stage_env(&d, last_stage(&d), envs, 30);
    dockerfile_free(&d);
    int port = ops_free_port();
    snprintf(port_env, sizeof port_env, "PROSPERITY_PORT=%d", port);
    const char *env[40];
    int ne = 0;
    for (int k = 0; k < nenv; k++)
        if (strncmp(envs[k], "PROSPERITY_LISTEN=", 18) != 0 &&
            strncmp(envs[k], "PROSPERITY_PORT=", 16) != 0)
            env[ne++] = envs[k];
    env[ne++] = "PROSPERITY_LISTEN=127.0.0.1";
    env[ne++] = port_env;
    env[ne] = NULL;
    const char *argv[] = {bin, "serve", NULL};
    char srvlog[400];
    snprintf(srvlog, sizeof srvlog, "%s/server.log", dir);
    struct tu_server srv;
    ck_assert_msg(ops_server_spawn(&srv, argv, env, srvlog) == 0,
                  "the installed server did not start: %s", ops_log_tail(srvlog));
    ck_assert_int_eq(srv.port, port);
    char v[64];
    ck_assert_ptr_nonnull(ops_version(&srv, v, sizeof v));
    ck_assert_str_eq(v, store_version(tu_store()));
    char *text = tu_read(srvlog, NULL);
    ck_assert_msg(strstr(text, "/usr/local/bin/../share/prosperity/prosperity.db"),
                  "the installed server should find its database beside it: %s", text);
    ck_assert_msg(strstr(text, "{\""), "PROSPERITY_LOG_FORMAT=json should give JSON lines");
    free(text);

    /* The HEALTHCHECK command (port from PROSPERITY_PORT), the flag, and a dead port. */
    char port_s[16], dead_s[16], hclog[400];
    snprintf(port_s, sizeof port_s, "%d", port);
    snprintf(dead_s, sizeof dead_s, "%d", ops_free_port());
    snprintf(hclog, sizeof hclog, "%s/healthcheck.log", dir);
    const char *hc[] = {bin, "healthcheck", NULL};
    const char *hc_env[] = {port_env, NULL};
    ck_assert_int_eq(run(hc, hc_env, hclog), 0);
    const char *hc_port[] = {bin, "healthcheck", "--port", port_s, NULL};
    ck_assert_int_eq(run(hc_port, NULL, hclog), 0);
    const char *hc_dead[] = {bin, "healthcheck", "--port", dead_s, NULL};
    ck_assert_int_eq(run(hc_dead, NULL, hclog), 1);

    /* docker stop sends STOPSIGNAL (SIGTERM). */
    ck_assert_int_eq(ops_stop(srv.pid, SIGTERM, 15), 0);
    ck_assert_int_eq(run(hc, hc_env, hclog), 1);

    import_as_readme_says(dir, bin, env);
}
END_TEST

/* ---- Kubernetes ------------------------------------------------------------------------- */

/* The lines of document KIND (between "---" lines) of the manifest, or NULL. */
static char *k8s_document(const char *text, const char *kind)
{
    char want[64];
    snprintf(want, sizeof want, "\nkind: %s\n", kind);
    const char *at = strstr(text, want);
    if (!at)
        return NULL;
    const char *start = at, *end = strstr(at, "\n---");
    while (start > text && strncmp(start, "\n---", 4) != 0)
        start--;
    return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

/* True when NEEDLE follows ANCHOR in DOC (before the next line at ANCHOR's indentation or
 * less), i.e. NEEDLE is inside the block ANCHOR opens. */
static int in_block(const char *doc, const char *anchor, const char *needle)
{
    const char *a = strstr(doc, anchor);
    if (!a)
        return 0;
    const char *bol = a;
    while (bol > doc && bol[-1] != '\n')
        bol--;
    size_t indent = (size_t)(a - bol);
    for (const char *p = strchr(a, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
        const char *l = p + 1;
        size_t ind = strspn(l, " ");
        if (l[ind] == '\n' || l[ind] == '#')
            continue;
        if (ind <= indent && !(l[ind] == '-' && ind == indent))
            return 0;
        const char *eol = strchr(l, '\n');
        const char *hit = strstr(l, needle);
        if (hit && (!eol || hit < eol))
            return 1;
    }
    return 0;
}

START_TEST(test_kubernetes_manifest)
{
    char *text = tu_read(SRC "/config/kubernetes.yaml", NULL);
    ck_assert_msg(text != NULL, "no config/kubernetes.yaml");
    /* A tiny YAML check: no tabs, even indentation, documents with apiVersion, kind, metadata. */
    int lineno = 0;
    for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        lineno++;
        size_t len = strcspn(l, "\n");
        ck_assert_msg(memchr(l, '\t', len) == NULL, "kubernetes.yaml:%d: tab", lineno);
        size_t ind = strspn(l, " ");
        ck_assert_msg(ind % 2 == 0 || l[ind] == '#', "kubernetes.yaml:%d: odd indentation", lineno);
        ck_assert_msg(len == 0 || l[len - 1] != ' ', "kubernetes.yaml:%d: trailing blank", lineno);
    }
    static const char *const kinds[] = {"ConfigMap", "Deployment", "Service"};
    char *docs[3];
    for (int k = 0; k < 3; k++) {
        docs[k] = k8s_document(text, kinds[k]);
        ck_assert_msg(docs[k], "no %s in kubernetes.yaml", kinds[k]);
        ck_assert_ptr_nonnull(strstr(docs[k], "\napiVersion: "));
        ck_assert_ptr_nonnull(strstr(docs[k], "\nmetadata:\n  name: prosperity\n"));
    }
    const char *cm = docs[0], *dep = docs[1], *svc = docs[2];

    /* Deployment: two replicas, probes on the right paths, limits, no privileges. */
    ck_assert_ptr_nonnull(strstr(dep, "\n  replicas: 2\n"));
    ck_assert_msg(in_block(dep, "readinessProbe:", "path: /readyz"), "readiness on /readyz");
    ck_assert_msg(in_block(dep, "livenessProbe:", "path: /healthz"), "liveness on /healthz");
    ck_assert_msg(in_block(dep, "resources:", "requests:") &&
                      in_block(dep, "resources:", "limits:"),
                  "resources with requests and limits");
    ck_assert_msg(in_block(dep, "requests:", "memory:") && in_block(dep, "limits:", "memory:"),
                  "memory request and limit");
    static const char *const secure[] = {"runAsNonRoot: true", "readOnlyRootFilesystem: true",
                                         "allowPrivilegeEscalation: false", "containerPort: 8080",
                                         "configMapRef:"};
    for (size_t k = 0; k < sizeof secure / sizeof secure[0]; k++)
        ck_assert_msg(strstr(dep, secure[k]), "Deployment lacks '%s'", secure[k]);
    /* The uid must be the image's: the Dockerfile's USER. */
    struct dockerfile d;
    parse_dockerfile(&d);
    const struct insn *user = find(&d, last_stage(&d), "USER");
    ck_assert_ptr_nonnull(user);
    char uid[64];
    snprintf(uid, sizeof uid, "runAsUser: %ld\n", strtol(user->args, NULL, 10));
    ck_assert_msg(strstr(dep, uid), "Deployment should run as the image's user (%s)", user->args);
    dockerfile_free(&d);
    /* Service selects the pods. */
    ck_assert_msg(in_block(svc, "selector:", "app.kubernetes.io/name: prosperity") &&
                      in_block(dep, "template:", "app.kubernetes.io/name: prosperity"),
                  "the Service must select the Deployment's pods");

    /* ConfigMap: string values (numbers are rejected by the API server), known settings, and
     * a server started with them. */
    char *help = known_settings();
    const char *data = strstr(cm, "\ndata:\n");
    ck_assert_ptr_nonnull(data);
    static char env[32][300];
    const char *envp[40];
    int ne = 0;
    for (const char *l = data + 7; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
        size_t ind = strspn(l, " ");
        if (l[ind] == '#' || l[ind] == '\n')
            continue;
        if (ind == 0)
            break;
        char key[128], value[256];
        ck_assert_msg(sscanf(l + ind, "%127[A-Z_]: \"%255[^\"\n]\"", key, value) == 2,
                      "ConfigMap line '%.*s': want KEY: \"string\"", (int)strcspn(l, "\n"), l);
        ck_assert_msg(is_known(help, key), "ConfigMap sets %s, an unknown setting", key);
        if (strcmp(key, "PROSPERITY_LISTEN") == 0 || strcmp(key, "PROSPERITY_PORT") == 0)
            continue;
        ck_assert_int_lt(ne, 30);
        snprintf(env[ne], sizeof env[ne], "%.100s=%.190s", key, value);
        envp[ne] = env[ne];
        ne++;
    }
    ck_assert_int_gt(ne, 3);
    free(help);
    envp[ne] = NULL;
    char dir[300];
    ops_mkdir(dir, sizeof dir, "k8s");
    struct tu_server srv;
    ck_assert_msg(ops_server_start(&srv, NULL, dir, "server", NULL, envp) == 0,
                  "the server rejects the ConfigMap's settings: %s", ops_log_tail(srv.log));
    ck_assert_int_eq(ops_stop(srv.pid, SIGTERM, 30), 0);

    /* A real parser, where there is one. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || exit 0; "
             "python3 -c 'import sys, yaml\n"
             "docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]\n"
             "kinds = sorted(d[\"kind\"] for d in docs)\n"
             "assert kinds == [\"ConfigMap\", \"Deployment\", \"Service\"], kinds\n"
             "cm = [d for d in docs if d[\"kind\"] == \"ConfigMap\"][0]\n"
             "assert all(isinstance(v, str) for v in cm[\"data\"].values())\n"
             "' '%s/config/kubernetes.yaml'",
             SRC);
    ck_assert_msg(ops_shell(cmd, NULL, 30) == 0, "python3 yaml rejects config/kubernetes.yaml");
    for (int k = 0; k < 3; k++)
        free(docs[k]);
    free(text);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("container");
    TCase *tc = tcase_create("deploy");
    tcase_set_timeout(tc, 420);
    tcase_add_test(tc, test_dockerfile_checks_without_docker);
    tcase_add_test(tc, test_container_build_installs_a_working_server);
    tcase_add_test(tc, test_kubernetes_manifest);
    suite_add_tcase(s, tc);
    return ops_run(s);
}
