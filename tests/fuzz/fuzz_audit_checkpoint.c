/* Fuzz the audit checkpoint file: the line reader (sp_audit_cp_read over DATA/audit/
 * checkpoints, which anyone with the disk may have edited) and the line parser
 * (sp_audit_cp_parse). Never a crash, UB or leak. The reader hands over exactly the complete
 * lines, cut at SP_AUDIT_CP_LINE_MAX + 1 bytes; a line that parses is exactly what
 * sp_audit_cp_format writes for it; the signature check answers without crashing.
 * abort() when not. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/audit.h"
#include "safepath/init.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char file[128];
static unsigned char pk[32];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_init() != SP_OK)
		abort();
	/* One folder per process, reused by every input. */
	snprintf(dir, sizeof dir, "/tmp/sp-fuzz-cp-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof file, "%s/checkpoints", dir);
	atexit(cleanup);
	unsigned char sk[64], seed[32] = {1};
	crypto_sign_seed_keypair(pk, sk, seed);
	return 0;
}

static void check_line(const char *line, size_t n)
{
	struct sp_audit_cp cp;
	/* A copy of exactly n bytes, so ASan sees any read past the line. */
	char *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	memcpy(copy, line, n);
	int rc = sp_audit_cp_parse(copy, n, &cp);
	if (rc == SP_OK) {
		char text[SP_AUDIT_CP_LINE_MAX];
		size_t len = sp_audit_cp_format(&cp, text);
		if (len != n + 1 || memcmp(text, copy, n) != 0 || text[n] != '\n')
			abort();
		if (cp.seq < 0 || cp.ts_us < 0)
			abort();
		/* The signature check takes any parsed line (kind, seq, mac) and answers. */
		rc = sp_audit_cp_check(&cp, pk);
		if (rc != SP_OK && rc != SP_ECRYPTO)
			abort();
	} else if (rc != SP_EINVAL) {
		abort();
	}
	free(copy);
}

struct seen {
	const uint8_t *data;
	size_t size, pos; /* where the next line starts in data */
	long lines;
};

/* Each line handed over is the next complete line of the file, cut to MAX + 1 bytes. */
static int on_line(void *ctx, const char *line, size_t n, long lineno)
{
	struct seen *s = ctx;
	const uint8_t *nl = memchr(s->data + s->pos, '\n', s->size - s->pos);
	if (!nl || lineno != ++s->lines)
		abort();
	size_t full = (size_t)(nl - (s->data + s->pos));
	size_t want = full < SP_AUDIT_CP_LINE_MAX + 1 ? full : SP_AUDIT_CP_LINE_MAX + 1;
	if (n != want || memcmp(line, s->data + s->pos, n) != 0)
		abort();
	s->pos += full + 1;
	check_line(line, n);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The input is also one line as it is, newline or not: the parser's own contract. */
	check_line((const char *)data, size);

	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	close(fd);
	struct seen s = {data, size, 0, 0};
	struct sp_err err = {0};
	int torn = -1;
	if (sp_audit_cp_read(dir, on_line, &s, &torn, &err) != SP_OK)
		abort();
	/* Everything after the last newline is the torn tail, and only that. */
	if (torn != (s.pos < size) || memchr(data + s.pos, '\n', size - s.pos))
		abort();
	return 0;
}
