/* Request metrics in Prometheus text: a counter and a latency histogram per route template,
 * method and status. Labels are route templates from the table (or "unmatched"), never a raw
 * path, so nothing a client sends becomes a label. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/cputime.h"

static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])
#define NSERIES 256 /* routes x methods x statuses seen; more are counted as one overflow */

struct series {
	const char *template; /* static: from the route table */
	enum http_method method;
	int status;
	unsigned long count;
	double sum;
	unsigned long buckets[NBOUNDS]; /* non-cumulative; summed when rendered */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series table[NSERIES];
static size_t used;
static unsigned long dropped;

/* CPU time by phase per route and method: the routes are a small fixed table. */
#define NCPU 64
struct cpu_series {
	const char *template;
	enum http_method method;
	unsigned long count;
	int64_t ns[SP_CPU_PHASES];
};
static struct cpu_series cpu_table[NCPU];
static size_t cpu_used;

void http_metrics_cpu(const char *template, enum http_method m, const int64_t *ns)
{
	pthread_mutex_lock(&lock);
	struct cpu_series *s = NULL;
	for (size_t i = 0; i < cpu_used && !s; i++)
		if (cpu_table[i].template == template && cpu_table[i].method == m)
			s = &cpu_table[i];
	if (!s && cpu_used < NCPU) {
		s = &cpu_table[cpu_used++];
		s->template = template;
		s->method = m;
	}
	if (s) {
		s->count++;
		for (size_t p = 0; p < SP_CPU_PHASES; p++)
			s->ns[p] += ns[p];
	}
	pthread_mutex_unlock(&lock);
}

/* A metric family's HELP and TYPE lines. */
static int family(struct sp_buf *out, const char *name, const char *type, const char *help)
{
	return sp_buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

_Static_assert(HTTP_CPU_SAMPLE == 32, "the help text below says one in 32");

static int render_cpu(struct sp_buf *out)
{
	int rc = family(out, "safepath_http_cpu_seconds_total", "counter",
			"Thread CPU time of the requests of a route, by phase.");
	for (size_t i = 0; i < cpu_used; i++)
		for (size_t p = 0; p < SP_CPU_PHASES; p++)
			rc |= sp_buf_addf(out,
					  "safepath_http_cpu_seconds_total{route=\"%s\",method=\"%s\","
					  "phase=\"%s\"} %.9f\n",
					  cpu_table[i].template,
					  http_method_name(cpu_table[i].method),
					  sp_cpu_phase_name((enum sp_cpu_phase)p),
					  (double)cpu_table[i].ns[p] / 1e9);
	rc |= family(out, "safepath_http_cpu_requests_total", "counter",
		     "Requests measured in safepath_http_cpu_seconds_total (one in 32 "
		     "per connection thread).");
	for (size_t i = 0; i < cpu_used; i++)
		rc |= sp_buf_addf(out,
				  "safepath_http_cpu_requests_total{route=\"%s\",method=\"%s\"} "
				  "%lu\n",
				  cpu_table[i].template, http_method_name(cpu_table[i].method),
				  cpu_table[i].count);
	return rc;
}

void http_metrics_observe(const char *template, enum http_method m, int status, double seconds)
{
	pthread_mutex_lock(&lock);
	struct series *s = NULL;
	for (size_t i = 0; i < used && !s; i++)
		if (table[i].template == template && table[i].method == m && table[i].status == status)
			s = &table[i];
	if (!s && used < NSERIES) {
		s = &table[used++];
		s->template = template;
		s->method = m;
		s->status = status;
	}
	if (s) {
		s->count++;
		s->sum += seconds;
		for (size_t b = 0; b < NBOUNDS; b++)
			if (seconds <= bounds[b]) {
				s->buckets[b]++;
				break;
			}
	} else {
		dropped++;
	}
	pthread_mutex_unlock(&lock);
}

int http_metrics_render(struct sp_buf *out)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	rc |= family(out, "safepath_http_requests_total", "counter", "HTTP requests answered.");
	for (size_t i = 0; i < used; i++)
		rc |= sp_buf_addf(out,
				  "safepath_http_requests_total{route=\"%s\",method=\"%s\","
				  "status=\"%d\"} %lu\n",
				  table[i].template, http_method_name(table[i].method),
				  table[i].status, table[i].count);
	rc |= family(out, "safepath_http_request_duration_seconds", "histogram",
		     "Time from the request's first byte to its response.");
	for (size_t i = 0; i < used; i++) {
		const struct series *s = &table[i];
		char labels[160];
		snprintf(labels, sizeof labels, "route=\"%s\",method=\"%s\",status=\"%d\"",
			 s->template, http_method_name(s->method), s->status);
		unsigned long cum = 0;
		for (size_t b = 0; b < NBOUNDS; b++) {
			cum += s->buckets[b];
			rc |= sp_buf_addf(out,
					  "safepath_http_request_duration_seconds_bucket{%s,le=\"%g\"} "
					  "%lu\n",
					  labels, bounds[b], cum);
		}
		rc |= sp_buf_addf(out,
				  "safepath_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n"
				  "safepath_http_request_duration_seconds_sum{%s} %.6f\n"
				  "safepath_http_request_duration_seconds_count{%s} %lu\n",
				  labels, s->count, labels, s->sum, labels, s->count);
	}
	rc |= sp_buf_addf(out,
			  "# HELP safepath_http_series_dropped_total Requests not counted: too many "
			  "series.\n# TYPE safepath_http_series_dropped_total counter\n"
			  "safepath_http_series_dropped_total %lu\n",
			  dropped);
	rc |= render_cpu(out);
	pthread_mutex_unlock(&lock);
	return rc ? SP_ETOOBIG : SP_OK;
}
