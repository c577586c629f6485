/* The server's notifier thread: every notify-interval-ms, on a store connection of its own,
 * it notifies the deadlines and escalates the referrals that fell overdue since its last
 * round (from 0 at start, so nothing is missed across a restart; each is notified once
 * whatever the span) and hands the undelivered notifications to the notifier. Requests never wait for it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http/http.h"
#include "safepath/deadline.h"
#include "safepath/log.h"
#include "safepath/notification.h"
#include "safepath/referral.h"

struct http_notify {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stopping;
	long long interval_ms;
	struct sp_store *store;
	const struct sp_notifier *notifier;
};

/* One round; failures are logged by their status (never a value) and retried next round. */
static void round_once(struct http_notify *n, int64_t *since)
{
	struct sp_err err = {0};
	size_t added = 0, sent = 0;
	int64_t now = sp_now_us();
	int rc = sp_deadline_notify_overdue(n->store, *since, now, &added, &err);
	if (!rc)
		rc = sp_referral_escalate(n->store, *since, now, &added, &err);
	if (!rc)
		*since = now;
	else
		sp_log(SP_LOG_WARN, "notify.overdue_failed", "status", sp_status_name(rc),
		       (const char *)NULL);
	rc = sp_notify_deliver(n->store, n->notifier, 0, 0, &sent, &err);
	if (rc)
		sp_log(SP_LOG_WARN, "notify.deliver_failed", "status", sp_status_name(rc), "field",
		       err.field, (const char *)NULL);
}

static void *notify_main(void *arg)
{
	struct http_notify *n = arg;
	int64_t since = 0;
	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		pthread_mutex_unlock(&n->lock);
		round_once(n, &since);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)(n->interval_ms / 1000);
		until.tv_nsec += (long)(n->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&n->lock);
		while (!n->stopping &&
		       pthread_cond_timedwait(&n->wake, &n->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int http_notify_start(const struct sp_http_options *opt, struct http_notify **out,
		      struct sp_err *err)
{
	*out = NULL;
	long long interval = sp_config_get_int(opt->cfg, "notify-interval-ms");
	if (interval < 0 || interval > 86400000LL)
		return sp_err_set(err, SP_EINVAL, "notify-interval-ms",
				  "must be 0 (never) to 86400000 (a day)");
	if (!opt->notifier || interval == 0)
		return SP_OK;
	struct http_notify *n = calloc(1, sizeof *n);
	if (!n)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	n->interval_ms = interval;
	n->notifier = opt->notifier;
	int rc = sp_store_open(opt->db_url, &opt->store, &n->store, err);
	if (rc) {
		free(n);
		return rc;
	}
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	if (pthread_create(&n->thread, NULL, notify_main, n) != 0) {
		http_notify_stop(n);
		return sp_err_set(err, SP_EINTERNAL, "", "cannot start the notifier thread");
	}
	*out = n;
	return SP_OK;
}

void http_notify_stop(struct http_notify *n)
{
	if (!n)
		return;
	if (n->thread) {
		pthread_mutex_lock(&n->lock);
		n->stopping = 1;
		pthread_cond_signal(&n->wake);
		pthread_mutex_unlock(&n->lock);
		pthread_join(n->thread, NULL);
	}
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	sp_store_close(n->store);
	free(n);
}
