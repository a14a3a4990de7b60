/* server/main.c — `prosperity serve | import | healthcheck`. */
#include <stdio.h>
#include <string.h>

#include "healthcheck.h"
#include "import.h"
#include "serve.h"

static int usage(FILE *out)
{
    fprintf(out, "usage:\n"
                 "  prosperity serve [--port N] [--db FILE] [--config FILE] ...  (serve --help)\n"
                 "  prosperity import --db FILE DIR     CSV folder (format of data/) -> database\n"
                 "  prosperity healthcheck [--port N]   exit 0 when the server is ready\n"
                 "  prosperity version\n");
    return out == stdout ? 0 : 2;
}

static int import_main(int argc, char **argv)
{
    const char *db = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db = argv[++i];
        else if (strncmp(argv[i], "--db=", 5) == 0)
            db = argv[i] + 5;
        else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else
            return usage(stderr);
    }
    if (!db || !dir)
        return usage(stderr);
    if (import_dir(dir, db, stderr) != 0)
        return 1;
    fprintf(stderr, "imported %s into %s\n", dir, db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return serve_main(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return import_main(argc - 1, argv + 1);
    if (strcmp(cmd, "healthcheck") == 0)
        return healthcheck_main(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("prosperity %s\n", PROSPERITY_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return usage(stdout);
    fprintf(stderr, "prosperity: unknown command '%s'\n", cmd);
    return usage(stderr);
}
