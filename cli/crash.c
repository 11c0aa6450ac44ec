/*
 * crash.c: the crash guard.  A damaged HDF5 file can make Debian's
 * libhdf5 1.10 fault inside the library (it does not check every
 * structure it reads; see src/guard.h).  When a thread faults while the
 * core has marked it as reading an untrusted file, and the faulting
 * instruction is not nuscope's own code, the file is to blame: say which
 * file and what of it, give the terminal back if the interactive program
 * has it, and exit with status 1 instead of dying on a signal.  Outputs
 * are safe already: every file nuscope writes goes to a temporary name
 * first, which the next write of that file removes.
 *
 * Any other fault is nuscope's own bug and keeps its default behaviour (a
 * core dump, or the sanitizers' report in a sanitizer build): the handler
 * puts the previous action back and lets the fault happen again.
 */
#include "config.h"

#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "cli.h"
#include "guard.h"
#include "tui-entry.h"

static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
#define NFATAL (sizeof(fatal) / sizeof(fatal[0]))

static struct sigaction old_action[NFATAL];
static const char *command = "";

/* nuscope's own executable code (the program and the core linked into it) */
static struct { uintptr_t lo, hi; } own[8];
static size_t nown;

static int
own_code_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
	(void)size;
	(void)ud;
	/* the first object is the program itself */
	for (int i = 0; i < info->dlpi_phnum && nown < sizeof own / sizeof own[0]; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			own[nown].lo = (uintptr_t)info->dlpi_addr + ph->p_vaddr;
			own[nown].hi = own[nown].lo + ph->p_memsz;
			nown++;
		}
	}
	return 1;
}

/* The faulting instruction's address, 0 when this platform's is unknown. */
static uintptr_t
fault_pc(const void *ucv)
{
	const ucontext_t *uc = ucv;

#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__i386__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

static bool
in_own_code(uintptr_t pc)
{
	for (size_t i = 0; i < nown; i++)
		if (pc >= own[i].lo && pc < own[i].hi)
			return true;
	return false;
}

static void
put(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

static const char *
signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "a segmentation fault";
	case SIGBUS: return "a bus error";
	case SIGFPE: return "an arithmetic fault";
	default: return "an illegal instruction";
	}
}

static void
on_fatal(int sig, siginfo_t *si, void *uc)
{
	const struct nu_guard *g = nu_guard_current();
	uintptr_t pc = fault_pc(uc);
	size_t k;

	if (g != NULL && si->si_code > 0 && !in_own_code(pc)) {
		tui_terminal_giveback();
		put("nuscope");
		if (command[0] != '\0') {
			put(" ");
			put(command);
		}
		put(": ");
		put(g->path);
		put(": the HDF5 library crashed (");
		put(signal_name(sig));
		put(") reading ");
		put(g->what);
		put(": the file is damaged in a way libhdf5 ");
		put(nu_guard_hdf5_version);
		put(" does not detect.  nuscope stopped; no output was replaced.\n");
		_exit(1);
	}
	/* not a damaged file: let the fault take its usual course */
	for (k = 0; k < NFATAL && fatal[k] != sig; k++)
		;
	if (k < NFATAL)
		sigaction(sig, &old_action[k], NULL);
	if (si->si_code <= 0)
		raise(sig);
}

void
cli_crash_guard(const char *cmd)
{
	static char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	struct sigaction sa;

	command = cmd != NULL ? cmd : "";
	nown = 0;
	dl_iterate_phdr(own_code_cb, NULL);
	/* a fault from a stack the library ran out of needs a stack of its own */
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < NFATAL; k++)
		sigaction(fatal[k], &sa, &old_action[k]);
}
