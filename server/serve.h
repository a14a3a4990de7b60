/* server/serve.h — `prosperity serve`: load, listen, answer, reload on SIGHUP, drain on
 * SIGTERM. */
#ifndef PROSPERITY_SERVE_H
#define PROSPERITY_SERVE_H

#include <stddef.h>

/* Runs the server with the flags in ARGV (ARGV[0] is "serve"). Returns the exit status. */
int serve_main(int argc, char **argv);

/* The database to serve when none is configured: next to the executable (a build tree), then
 * ../share/prosperity/ beside it (an install). Writes the path into OUT; 0, or -1. */
int serve_default_db(char *out, size_t size);

#endif
