/* CPU time by phase of one unit of work (an HTTP request), per thread: cheap counters read
 * from the thread's CPU clock each time the work moves from one phase to another, so that a
 * benchmark can say where the microseconds go. Outside sp_cpu_begin/_end a switch costs a
 * thread-local read and no clock read (the CLI never pays). */
#ifndef SAFEPATH_CPUTIME_H
#define SAFEPATH_CPUTIME_H

#include <stdint.h>

enum sp_cpu_phase {
	SP_CPU_STORE,   /* the rest of the handler: the store's statements and row decoding */
	SP_CPU_DECODE,  /* the request line, routing, the JSON body and its schema */
	SP_CPU_SESSION, /* session look-up, CSRF check, rate limits */
	SP_CPU_POLICY,  /* access decisions (with the facts they read) */
	SP_CPU_DECRYPT, /* opening sealed fields (person keys included) */
	SP_CPU_AUDIT,   /* building and appending audit records */
	SP_CPU_COMMIT,  /* committing the transaction (the fsync's CPU side) */
	SP_CPU_ENCODE,  /* the response's JSON bytes and headers */
	SP_CPU_PHASES
};
/* "store", "decode", ...: names for logs and metrics labels. */
const char *sp_cpu_phase_name(enum sp_cpu_phase p);

/* Start counting on this thread, in phase p, from zero. */
void sp_cpu_begin(enum sp_cpu_phase p);
/* Charge the time since the last switch to the current phase and move to p; returns the
 * phase left, so a callee can put it back: `prev = sp_cpu_enter(X); ...; sp_cpu_enter(prev)`.
 * Does nothing (and returns p) when the thread is not counting. */
enum sp_cpu_phase sp_cpu_enter(enum sp_cpu_phase p);
/* Stop counting; ns[phase] receives the thread CPU nanoseconds spent in each phase (the
 * cost of the clock reads taken off). 1 if the thread was counting, else 0. */
int sp_cpu_end(int64_t ns[SP_CPU_PHASES]);

#endif
