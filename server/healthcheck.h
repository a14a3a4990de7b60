/* server/healthcheck.h — `prosperity healthcheck`: asks a running server's /readyz, for a
 * container HEALTHCHECK that needs no curl in the image. */
#ifndef PROSPERITY_HEALTHCHECK_H
#define PROSPERITY_HEALTHCHECK_H

/* Returns 0 when the server answers 200, else 1 (after one line on stderr). */
int healthcheck_main(int argc, char **argv);

#endif
