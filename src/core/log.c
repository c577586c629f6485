/* logfmt logger that only prints token values (see log.h). */
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "safepath/buf.h"
#include "safepath/log.h"

static atomic_int log_level = SP_LOG_INFO;
static atomic_int log_fd = 2;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sp_log_set_level(enum sp_log_level level)
{
	log_level = (int)level;
}

void sp_log_set_fd(int fd)
{
	log_fd = fd;
}

int sp_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

static int is_token(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:/-@", c)))
			return 0;
	}
	return 1;
}

void sp_log(enum sp_log_level level, const char *event, ...)
{
	if ((int)level < log_level)
		return;
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

	struct sp_buf b;
	sp_buf_init(&b, 4096);
	int rc = sp_buf_addf(&b, "ts=%s.%03ldZ level=%s event=%s", stamp, ts.tv_nsec / 1000000,
			     level_names[level], is_token(event) ? event : "[redacted]");
	va_list ap;
	va_start(ap, event);
	for (const char *k; rc == 0 && (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		rc = sp_buf_addf(&b, " %s=%s", is_token(k) ? k : "[redacted]",
				 v && is_token(v) ? v : "[redacted]");
	}
	va_end(ap);
	if (rc == 0 && sp_buf_addc(&b, '\n') == 0) {
		ssize_t w = write(log_fd, b.data, b.len);
		(void)w; /* nowhere to report a failed log write */
	}
	sp_buf_free(&b);
}
