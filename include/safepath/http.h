/* The HTTP API server (src/http/): libmicrohttpd with a thread per connection, so a slow
 * request (Argon2id, a database round trip, an fsync) never stalls another; each thread
 * opens its own store and key store connections on its first request and keeps them until
 * it ends. */
#ifndef SAFEPATH_HTTP_H
#define SAFEPATH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "safepath/audit.h"
#include "safepath/config.h"
#include "safepath/crypto.h"
#include "safepath/err.h"
#include "safepath/store.h"

struct sp_protocols;
struct sp_vocabulary;
struct sp_jurisdiction;
struct sp_notifier;
struct sp_jurisdictions;
struct sp_referral_types;

struct sp_http_options {
	const char *listen;                   /* "127.0.0.1:8080" or "[::1]:8080" */
	const char *db_url;                   /* each thread opens its own connection */
	const char *keystore_url;             /* person keys: each thread its own connection */
	const char *keystore_backups;         /* their backups' folder (erasure rewrites them);
					       * NULL: beside a key-store file, or none */
	struct sp_store_options store;
	const struct sp_config *cfg;          /* password cost, session-ttl-s */
	const struct sp_keys *keys;           /* shared read-only by the threads */
	const struct sp_audit_keys *audit_keys;
	int max_connections;                  /* 0 = 256 */
	const struct sp_http_tls *tls;        /* NULL: plain HTTP */
	const char *audit_dir;                /* the checkpoint folder (GET /api/v1/audit/verify) */
	const char *subject_dir;              /* the DPO's sealed subject-access exports (made
					       * 0700 on the first); NULL: those routes answer 503 */
	/* The screening protocols, loaded once at start (shipped and <data>/protocols), read-only
	 * and shared by the threads; NULL: the protocol and screening routes answer 503. */
	const struct sp_protocols *protocols;
	/* Their vocabulary as casework checks the kinds of needs and tasks against it. */
	const struct sp_vocabulary *vocabulary;
	/* The deployment's jurisdiction (the `jurisdiction` setting) out of the loaded files:
	 * deadlines and who may record which decision; NULL: those routes answer 503. */
	const struct sp_jurisdiction *jurisdiction;
	const struct sp_jurisdictions *jurisdictions; /* every loaded file, jurisdiction's too */
	/* The referral types (config/referrals.json) checked against the vocabulary at start;
	 * NULL: creating a referral answers 503. */
	const struct sp_referral_types *referral_types;
	/* The notifier new notifications go through, every notify-interval-ms, after the
	 * overdue deadlines of that span were notified (a thread with a store connection of its
	 * own); NULL: neither (safepath notifications deliver does both by hand). */
	const struct sp_notifier *notifier;
};

/* HTTPS material (tls.c): PEM text of the certificate chain and of the private key, the key
 * in sodium_malloc memory. */
struct sp_http_tls {
	char *cert;
	size_t cert_len;
	char *key;
	size_t key_len;
};
/* Read both files and check them (each parses, the key belongs to the certificate); errors
 * name the setting (tls-cert or tls-key) and the reason. */
int sp_http_tls_load(const char *cert_path, const char *key_path, struct sp_http_tls *out,
		     struct sp_err *err) SP_MUST;
/* Wipe the key and free both. The server has its own copy once started: free them then. */
void sp_http_tls_free(struct sp_http_tls *t);

struct sp_http_server;

/* Check the options, start the read-audit writer (one per server, on a connection of its
 * own: reads are audited by group commit), bind and start serving; everything in opt is
 * borrowed until stop. */
int sp_http_server_start(const struct sp_http_options *opt, struct sp_http_server **out,
			 struct sp_err *err) SP_MUST;
/* Stop accepting, finish and join every connection thread (closing their store
 * connections), commit the read-audit writer's last batch and free the server. */
void sp_http_server_stop(struct sp_http_server *srv);
/* The port actually bound (useful with port 0). */
unsigned sp_http_server_port(const struct sp_http_server *srv);

#endif
