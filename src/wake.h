/*
 * wake.h: a worker thread waking the front end's poll() loop.
 *
 * A pipe whose read end the loop polls.  Workers call nu_wake_signal as
 * often as they have news; at most one byte is ever pending, so a busy
 * worker cannot fill the pipe or make the loop spin on old bytes.  The
 * loop calls nu_wake_drain before it reads the news: news that arrives
 * after the drain writes a new byte, so none is missed.
 */
#ifndef NU_WAKE_H
#define NU_WAKE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "nu.h"

struct nu_wake {
	int fd[2];              /* read end, write end; -1 when closed */
	atomic_bool pending;    /* a byte is in the pipe */
};

/* Closed: fd -1, safe to nu_wake_close. */
void nu_wake_init(struct nu_wake *w);
/* Open the pipe (non-blocking, close-on-exec). */
enum nu_status nu_wake_open(struct nu_wake *w, char **cause);
void nu_wake_close(struct nu_wake *w);

/* Any thread: one byte on the pipe unless one is pending. */
void nu_wake_signal(struct nu_wake *w);
/* The loop: re-arm and empty the pipe, before reading the news. */
void nu_wake_drain(struct nu_wake *w);
/* The read end to poll, or -1. */
int nu_wake_fd(const struct nu_wake *w);

#endif
