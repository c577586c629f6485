/* The HTTP API server (src/http/): libmicrohttpd with a thread per connection, so a slow
 * request (Argon2id, a database round trip, an fsync) never stalls another; each thread
 * opens its own store and key store connections on its first request and keeps them until
 * it ends. */
#ifndef SAFEPATH_HTTP_H
#define SAFEPATH_HTTP_H

#include <stdint.h>

#include "safepath/audit.h"
#include "safepath/config.h"
#include "safepath/crypto.h"
#include "safepath/err.h"
#include "safepath/store.h"

struct sp_http_options {
	const char *listen;                   /* "127.0.0.1:8080" or "[::1]:8080" */
	const char *db_url;                   /* each thread opens its own connection */
	const char *keystore_url;             /* person keys: each thread its own connection */
	struct sp_store_options store;
	const struct sp_config *cfg;          /* password cost, session-ttl-s */
	const struct sp_keys *keys;           /* shared read-only by the threads */
	const struct sp_audit_keys *audit_keys;
	int max_connections;                  /* 0 = 256 */
	const char *audit_dir;                /* the checkpoint folder (GET /api/v1/audit/verify) */
};

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
