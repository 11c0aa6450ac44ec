/*
 * wake.c: the one-byte wake pipe of wake.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "wake.h"

void
nu_wake_init(struct nu_wake *w)
{
	w->fd[0] = w->fd[1] = -1;
	atomic_init(&w->pending, false);
}

enum nu_status
nu_wake_open(struct nu_wake *w, char **cause)
{
	nu_wake_init(w);
	if (pipe(w->fd) != 0) {
		w->fd[0] = w->fd[1] = -1;
		return nu_fail(cause, NU_ERR_IO, "cannot make a pipe: %s", strerror(errno));
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->fd[i], F_SETFL, fcntl(w->fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(w->fd[i], F_SETFD, FD_CLOEXEC);
	}
	return NU_OK;
}

void
nu_wake_close(struct nu_wake *w)
{
	for (int i = 0; i < 2; i++)
		if (w->fd[i] >= 0) {
			close(w->fd[i]);
			w->fd[i] = -1;
		}
}

void
nu_wake_signal(struct nu_wake *w)
{
	if (w->fd[1] < 0 || atomic_exchange(&w->pending, true))
		return;
	/* a full pipe (impossible with one pending byte) is a wake-up too */
	while (write(w->fd[1], "", 1) < 0 && errno == EINTR)
		;
}

void
nu_wake_drain(struct nu_wake *w)
{
	char buf[64];

	atomic_store(&w->pending, false);
	if (w->fd[0] >= 0)
		while (read(w->fd[0], buf, sizeof buf) > 0)
			;
}

int
nu_wake_fd(const struct nu_wake *w)
{
	return w->fd[0];
}
