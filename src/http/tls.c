/* HTTPS material for the server: the certificate chain and private key read from their PEM
 * files, checked with GnuTLS (each parses, and the key belongs to the certificate) so that a
 * bad file is named at start rather than failing every handshake, and the key held in
 * sodium_malloc memory, wiped when the server has loaded it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "safepath/http.h"

#define TLS_FILE_MAX ((size_t)1 << 20) /* a PEM chain is a few KiB */

/* The whole file, NUL-terminated, in one allocation of the right size (the key must not
 * leave copies behind in a growing buffer): sodium_malloc for secret, malloc otherwise. */
static int read_pem(const char *path, const char *setting, int secret, char **out,
		    size_t *len, struct sp_err *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sp_err_set(err, errno == ENOENT ? SP_ENOTFOUND : SP_EIO, setting,
				  errno == ENOENT ? "no such file" : "cannot open the file");
	struct stat st;
	int rc = SP_OK;
	char *p = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = sp_err_set(err, SP_EINVAL, setting, "not a regular file");
		goto out;
	}
	if (st.st_size == 0 || (size_t)st.st_size > TLS_FILE_MAX) {
		rc = sp_err_set(err, SP_EINVAL, setting, "must be a PEM file of 1 B to 1 MiB");
		goto out;
	}
	size_t n = (size_t)st.st_size;
	p = secret ? sodium_malloc(n + 1) : malloc(n + 1);
	if (!p) {
		rc = sp_err_set(err, SP_ENOMEM, setting, "out of memory");
		goto out;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = sp_err_set(err, SP_EIO, setting, "cannot read the file");
			goto out;
		}
		got += (size_t)r;
	}
	p[n] = '\0';
	*out = p;
	*len = n;
	p = NULL;
out:
	if (p) {
		if (secret) {
			sodium_free(p); /* wipes */
		} else {
			free(p);
		}
	}
	close(fd);
	return rc;
}

/* Parse both and match them: the reason names the file at fault. */
static int check_pair(const struct sp_http_tls *t, struct sp_err *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_datum_t c = {(unsigned char *)t->cert, (unsigned)t->cert_len};
	gnutls_datum_t k = {(unsigned char *)t->key, (unsigned)t->key_len};
	int rc = SP_OK;
	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	if (gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM) < 0) {
		rc = sp_err_set(err, SP_EINVAL, "tls-cert", "not a PEM X.509 certificate");
		goto out;
	}
	if (gnutls_x509_privkey_import(key, &k, GNUTLS_X509_FMT_PEM) < 0) {
		rc = sp_err_set(err, SP_EINVAL, "tls-key",
				"not an unencrypted PEM private key");
		goto out;
	}
	/* the chain as the server will load it: this also matches the key to the first cert */
	int g = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		rc = sp_err_set(err, SP_EINVAL, "tls-key", "does not belong to the certificate");
	else if (g < 0)
		rc = sp_err_set(err, SP_EINVAL, "tls-cert", "cannot be used with this key (%s)",
				gnutls_strerror_name(g));
out:
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int sp_http_tls_load(const char *cert_path, const char *key_path, struct sp_http_tls *out,
		     struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	int rc = read_pem(cert_path, "tls-cert", 0, &out->cert, &out->cert_len, err);
	if (!rc)
		rc = read_pem(key_path, "tls-key", 1, &out->key, &out->key_len, err);
	if (!rc)
		rc = check_pair(out, err);
	if (rc)
		sp_http_tls_free(out);
	return rc;
}

void sp_http_tls_free(struct sp_http_tls *t)
{
	free(t->cert);
	if (t->key)
		sodium_free(t->key); /* zeroes before unmapping */
	memset(t, 0, sizeof *t);
}
