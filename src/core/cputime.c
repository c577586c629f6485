/* Per-thread CPU time by phase (cputime.h). CLOCK_THREAD_CPUTIME_ID is a system call here
 * (about 0.4 µs on the project's machine), read at every phase change: what one read costs is
 * measured once and taken off the phase it lands in, so that a phase entered once per row
 * (the policy over a page) is not inflated by its own measurement. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "safepath/cputime.h"

static const char *const names[SP_CPU_PHASES] = {
	[SP_CPU_STORE] = "store",     [SP_CPU_DECODE] = "decode", [SP_CPU_SESSION] = "session",
	[SP_CPU_POLICY] = "policy",   [SP_CPU_DECRYPT] = "decrypt", [SP_CPU_AUDIT] = "audit",
	[SP_CPU_COMMIT] = "commit",   [SP_CPU_ENCODE] = "encode",
};

static _Thread_local struct {
	int on;
	enum sp_cpu_phase cur;
	int64_t last;
	int64_t ns[SP_CPU_PHASES];
} acc;

const char *sp_cpu_phase_name(enum sp_cpu_phase p)
{
	return p < SP_CPU_PHASES ? names[p] : "other";
}

static int64_t thread_ns(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t read_cost; /* ns of thread CPU one clock read costs */
static pthread_once_t calibrated = PTHREAD_ONCE_INIT;

static void calibrate(void)
{
	int64_t best = INT64_MAX, t0 = thread_ns();
	for (int i = 0; i < 64; i++) {
		int64_t t1 = thread_ns();
		if (t1 - t0 < best)
			best = t1 - t0;
		t0 = t1;
	}
	read_cost = best > 0 && best < 100000 ? best : 0;
}

void sp_cpu_begin(enum sp_cpu_phase p)
{
	pthread_once(&calibrated, calibrate);
	memset(acc.ns, 0, sizeof acc.ns);
	acc.on = 1;
	acc.cur = p < SP_CPU_PHASES ? p : SP_CPU_STORE;
	acc.last = thread_ns();
}

enum sp_cpu_phase sp_cpu_enter(enum sp_cpu_phase p)
{
	if (!acc.on)
		return p;
	if (p == acc.cur || p >= SP_CPU_PHASES)
		return acc.cur;
	int64_t now = thread_ns();
	enum sp_cpu_phase prev = acc.cur;
	int64_t spent = now - acc.last - read_cost;
	acc.ns[prev] += spent > 0 ? spent : 0;
	acc.last = now;
	acc.cur = p;
	return prev;
}

int sp_cpu_end(int64_t ns[SP_CPU_PHASES])
{
	int was_on = acc.on;
	if (acc.on)
		acc.ns[acc.cur] += thread_ns() - acc.last;
	memcpy(ns, acc.ns, sizeof acc.ns);
	acc.on = 0;
	return was_on;
}
