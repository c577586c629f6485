/* Safe retries of creates (src/access/idempotency.c, the idempotency_keys table). A client
 * sends a key of its choosing with a create; the create writes a record of the key, in its
 * own transaction, naming what it made. A retry with the same key by the same user finds the
 * record and is answered with that resource (read again through the policy and the audit)
 * instead of making another; the same key with another request is refused.
 *
 * The table holds no personal data: the key and the request's fingerprint are stored as
 * keyed BLAKE2b hashes (the token subkey, with a domain tag), beside the user's id, the
 * answer's status and the resource's kind and ids. Records expire after ttl_s and are purged
 * by the next create that records a key. */
#ifndef SAFEPATH_IDEMPOTENCY_H
#define SAFEPATH_IDEMPOTENCY_H

#include <stddef.h>
#include <stdint.h>

#include "safepath/crypto.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/store.h"

#define SP_IDEM_KEY_MAX 255             /* bytes of a key */
#define SP_IDEM_TTL_MAX_S ((int64_t)30 * 86400) /* the longest a record may be kept */
#define SP_IDEM_KIND_MAX 16

/* One create's key, as the owning operation records it (built by sp_idem_init). */
struct sp_idem {
	struct sp_id user;                     /* who sent it: keys are per user */
	unsigned char key_hash[SP_KEY_LEN];
	unsigned char request_hash[SP_KEY_LEN];
	int status;                            /* the answer's status, replayed with it */
	int64_t ttl_s;
};

/* What a key made, found by sp_idem_find. */
struct sp_idem_record {
	int status;
	char kind[SP_IDEM_KIND_MAX];           /* "case", "note", "consent", "agency", "user" */
	struct sp_id resource;
	struct sp_id parent;                   /* the case of a note or consent; zero if none */
	int same_request;                      /* the fingerprints match */
};

/* A key is 1 to SP_IDEM_KEY_MAX printable ASCII characters (space to tilde): SP_EINVAL
 * otherwise, naming nothing of the key but why. */
int sp_idem_key_check(const char *key, struct sp_err *err) SP_MUST;

/* Fill ctx for user's key and the request's fingerprint: the parts (method, route, path,
 * body...) are hashed in order, each with its length, so no two lists hash alike. */
void sp_idem_init(struct sp_idem *ctx, const struct sp_keys *k, const struct sp_id *user,
		  const char *key, const char *const *parts, size_t n_parts, int status,
		  int64_t ttl_s);

/* The live record of ctx's key: SP_ENOTFOUND when there is none (or it has expired). A read
 * only. */
int sp_idem_find(struct sp_store *s, const struct sp_idem *ctx, struct sp_idem_record *out,
		 struct sp_err *err) SP_MUST;

/* For the operation that owns the create: inside its write transaction, before its commit,
 * purge expired records and record ctx's key as having made resource (kind; parent may be
 * NULL). A key recorded meanwhile by another request is SP_ECONFLICT on field
 * "/idempotency-key": the create rolls back, and its caller finds that request's record. */
int sp_idem_record(struct sp_store *s, const struct sp_idem *ctx, const char *kind,
		   const struct sp_id *resource, const struct sp_id *parent,
		   struct sp_err *err) SP_MUST;

/* A key being served right now in this process: sp_idem_claim takes it (SP_ECONFLICT when
 * another request holds it; SP_EBUSY when too many are held at once) and sp_idem_release
 * gives it back. Across processes the record's primary key settles a race instead. */
int sp_idem_claim(const struct sp_idem *ctx, struct sp_err *err) SP_MUST;
void sp_idem_release(const struct sp_idem *ctx);

#endif
