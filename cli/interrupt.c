/*
 * interrupt.c: Ctrl-C and SIGTERM as a request to stop (see cli.h).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;

static struct sigaction old_int, old_term;

static void
on_signal(int sig)
{
	cli_interrupted = sig;
}

void
cli_interrupt_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	cli_interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

void
cli_interrupt_restore(void)
{
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}
