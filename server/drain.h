/* server/drain.h — how SIGTERM closes the listening socket under libmicrohttpd. */
#ifndef PROSPERITY_DRAIN_H
#define PROSPERITY_DRAIN_H

/* Closes the listening socket LISTEN_FD that libmicrohttpd polls, so that new connections are
 * refused at once, and leaves LISTEN_FD open on an idle descriptor for libmicrohttpd to close in
 * MHD_stop_daemon. Call once, from the thread that stops the daemon. */
void drain_stop_listening(int listen_fd);

#endif
