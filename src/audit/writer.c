/* The audit writer: a thread that turns many request threads' read records into few write
 * transactions (group commit). Each submitter waits on its own entry in an intrusive queue;
 * the writer takes everything queued (up to a batch), appends and commits it, then wakes
 * each entry of the batch by its own condition (a broadcast would wake the submitters
 * queued for the next batch too, for nothing). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "safepath/store.h"

struct waiter {
	const struct sp_audit_rec *recs; /* the submitter's, alive while it waits */
	size_t n;                        /* in one batch, in order */
	struct waiter *next;
	pthread_cond_t answered;        /* signalled when done is set: only its batch wakes */
	int done;
	int rc;
	int64_t seq; /* of its first record */
	struct sp_err err;
};

struct sp_audit_writer {
	struct sp_store *s;
	const struct sp_audit_keys *keys;
	struct sp_audit_seen *seen; /* the object index rows committed: a list page re-read adds none */
	int max_batch;
	struct sp_audit_rec *recs;   /* max_batch slots for the batch being written */
	struct slot {
		struct waiter *who;
		size_t first;        /* its first record's slot in recs */
	} *batch;                    /* the batch's waiters, at most max_batch */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;         /* the writer waits for records */
	struct waiter *head, *tail;
	int stopping;
	struct sp_audit_writer_stats stats;
};

/* Append and commit one batch; a busy database is retried once more after its own busy
 * timeout, anything else fails the batch. */
static int write_batch(struct sp_audit_writer *w, size_t n, int64_t *first, struct sp_err *err)
{
	int rc = SP_EBUSY;
	for (int attempt = 0; attempt < 2 && rc == SP_EBUSY; attempt++) {
		sp_err_clear(err);
		rc = sp_store_begin_write(w->s, err);
		if (rc == 0)
			rc = sp_audit_append_seen(w->s, w->keys, w->recs, n, w->seen, first, err);
		if (rc == 0)
			rc = sp_store_commit(w->s, err);
		if (rc && sp_store_in_transaction(w->s))
			sp_store_rollback(w->s);
		if (rc)
			sp_audit_seen_forget(w->seen); /* it may name rows of this batch */
	}
	return rc;
}

static void *writer_main(void *arg)
{
	struct sp_audit_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break; /* stopping, and everything queued is answered */
		/* whole submissions only: a submitter's records commit together */
		size_t n = 0, nw = 0;
		while (w->head && n + w->head->n <= (size_t)w->max_batch) {
			struct waiter *x = w->head;
			w->head = x->next;
			w->batch[nw].who = x;
			w->batch[nw++].first = n;
			for (size_t k = 0; k < x->n; k++)
				w->recs[n++] = x->recs[k];
		}
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);

		struct sp_err err = {0};
		int64_t first = 0;
		int rc = write_batch(w, n, &first, &err);

		pthread_mutex_lock(&w->mu);
		for (size_t i = 0; i < nw; i++) {
			struct waiter *x = w->batch[i].who;
			x->rc = rc;
			x->seq = rc ? 0 : first + (int64_t)w->batch[i].first;
			x->err = err;
			x->done = 1;
			pthread_cond_signal(&x->answered);
		}
		if (rc) {
			w->stats.failed += (long)n;
		} else {
			w->stats.batches++;
			w->stats.records += (long)n;
		}
		w->stats.pending -= (long)n;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int sp_audit_writer_start(struct sp_store *s, const struct sp_audit_keys *keys,
			  const struct sp_audit_writer_options *opt, struct sp_audit_writer **out,
			  struct sp_err *err)
{
	*out = NULL;
	int max_batch = opt && opt->max_batch > 0 ? opt->max_batch : 256;
	if (max_batch > 65536)
		return sp_err_set(err, SP_EINVAL, "max_batch", "must be at most 65536");
	struct sp_audit_writer *w = calloc(1, sizeof *w);
	if (!w)
		return sp_err_set(err, SP_ENOMEM, NULL, "out of memory");
	w->s = s;
	w->keys = keys;
	w->max_batch = max_batch;
	w->recs = calloc((size_t)max_batch, sizeof *w->recs);
	w->batch = calloc((size_t)max_batch, sizeof *w->batch);
	w->seen = sp_audit_seen_new();
	int locks = 0;
	if (!w->recs || !w->batch || !w->seen)
		goto nomem;
	if (pthread_mutex_init(&w->mu, NULL))
		goto nomem;
	locks = 1;
	if (pthread_cond_init(&w->work, NULL))
		goto nomem;
	locks = 2;
	if (pthread_create(&w->thread, NULL, writer_main, w))
		goto nomem;
	*out = w;
	return SP_OK;
nomem:
	if (locks >= 2)
		pthread_cond_destroy(&w->work);
	if (locks >= 1)
		pthread_mutex_destroy(&w->mu);
	free(w->recs);
	free(w->batch);
	sp_audit_seen_free(w->seen);
	free(w);
	return sp_err_set(err, SP_ENOMEM, NULL, "cannot start the audit writer");
}

int sp_audit_writer_submit(struct sp_audit_writer *w, const struct sp_audit_rec *rec,
			   int64_t *seq_out, struct sp_err *err)
{
	return sp_audit_writer_submit_many(w, rec, 1, seq_out, err);
}

int sp_audit_writer_submit_many(struct sp_audit_writer *w, const struct sp_audit_rec *recs,
				size_t n, int64_t *seq_out, struct sp_err *err)
{
	if (n == 0 || n > (size_t)w->max_batch)
		return sp_err_set(err, SP_EINVAL, NULL, "1 to %d records a submission", w->max_batch);
	for (size_t i = 0; i < n; i++) {
		int rc = sp_audit_rec_check(&recs[i], err); /* bad records fail alone, not their batch */
		if (rc)
			return rc;
	}
	struct waiter me = {.recs = recs, .n = n};
	if (pthread_cond_init(&me.answered, NULL))
		return sp_err_set(err, SP_ENOMEM, NULL, "cannot wait for the audit writer");
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		pthread_cond_destroy(&me.answered);
		return sp_err_set(err, SP_EUNAVAIL, NULL, "the audit writer is stopping");
	}
	/* The entry lives on this stack: the writer unlinks it before it sets done, and we do not
	 * return before done. */
	if (w->tail)
		w->tail->next = &me;
	else
		w->head = &me; /* cppcheck-suppress autoVariables */
	w->tail = &me; /* cppcheck-suppress autoVariables */
	w->stats.pending += (long)n;
	pthread_cond_signal(&w->work);
	while (!me.done)
		pthread_cond_wait(&me.answered, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&me.answered);
	if (me.rc) {
		if (err)
			*err = me.err;
		return me.rc;
	}
	if (seq_out)
		*seq_out = me.seq;
	return SP_OK;
}

void sp_audit_writer_stats(struct sp_audit_writer *w, struct sp_audit_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}

void sp_audit_writer_stop(struct sp_audit_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w->recs);
	free(w->batch);
	sp_audit_seen_free(w->seen);
	free(w);
}
