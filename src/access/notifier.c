/* The notifier: a message as its drivers write it, and the spool driver, which writes one file
 * per message into a folder for a mail or SMS gateway (or a person) to pick up. A message is
 * ids, a kind and a link: nothing of a case and no one's name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safepath/json.h"
#include "safepath/notification.h"

int sp_message_encode(const struct sp_message *m, char **out, size_t *len, struct sp_err *err)
{
	char id[SP_ID_STRLEN + 1], who[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1];
	json_t *to = NULL;
	*out = NULL;
	*len = 0;
	sp_id_format(&m->id, id);
	sp_id_format(m->to_user ? &m->user : &m->agency, who);
	sp_time_format(m->created_us, created);
	if (m->to_user) {
		to = json_pack("{s:s}", "user", who);
	} else {
		json_t *roles = json_array();
		for (unsigned bit = 1; roles && bit & SP_ROLES_ALL; bit <<= 1)
			if ((m->roles & bit) && json_array_append_new(roles, json_string(sp_role_name(bit)))) {
				json_decref(roles);
				roles = NULL;
			}
		to = json_pack("{s:s, s:o}", "agency", who, "roles", roles);
	}
	json_t *msg = json_pack("{s:s, s:s, s:o, s:s?, s:s}", "id", id, "kind",
				sp_notification_kind_name(m->kind), "to", to, "link",
				m->link[0] ? m->link : NULL, "created_at", created);
	char *text = msg ? sp_json_dump(msg) : NULL;
	json_decref(msg);
	size_t n = text ? strlen(text) : 0;
	char *line = text ? malloc(n + 2) : NULL;
	if (line)
		memcpy(line, text, n);
	sp_json_free(text);
	if (!line)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	line[n] = '\n';
	line[n + 1] = '\0';
	*out = line;
	*len = n + 1;
	return SP_OK;
}

/* ---- the spool driver ---- */

struct spool {
	char dir[4096];
};

/* <dir>/<id>.json through <dir>/.<id>.tmp: written 0600, synced, renamed, the folder synced. */
static int spool_send(void *self, const struct sp_message *m, struct sp_err *err)
{
	const struct spool *sp = self;
	char id[SP_ID_STRLEN + 1], tmp[4200], dst[4200];
	char *text = NULL;
	size_t len = 0;
	sp_id_format(&m->id, id);
	snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", sp->dir, id, (long)getpid());
	snprintf(dst, sizeof dst, "%s/%s.json", sp->dir, id);
	int rc = sp_message_encode(m, &text, &len, err);
	if (rc)
		return rc;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		free(text);
		return sp_err_set(err, SP_EIO, "notify-spool", "cannot write in the spool folder: %s",
				  strerror(errno));
	}
	/* stdio writes it whole or says why; fsync before the rename makes it durable */
	FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (!f || fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fd) != 0)
		rc = sp_err_set(err, SP_EIO, "notify-spool", "cannot write a message: %s",
				strerror(errno));
	if ((f ? fclose(f) : close(fd)) != 0 && !rc)
		rc = sp_err_set(err, SP_EIO, "notify-spool", "cannot write a message: %s",
				strerror(errno));
	free(text);
	if (!rc && rename(tmp, dst) != 0)
		rc = sp_err_set(err, SP_EIO, "notify-spool", "cannot rename a message into place: %s",
				strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	int dfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		rc = sp_err_set(err, SP_EIO, "notify-spool", "cannot sync the spool folder: %s",
				strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static void spool_close(void *self)
{
	free(self);
}

static const struct sp_notifier_driver spool_driver = {
	.version = SP_NOTIFIER_VERSION,
	.name = "spool",
	.send = spool_send,
	.close = spool_close,
};

/* Make dir and its missing parents, 0700. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int bad = mkdir(path, 0700) != 0 && errno != EEXIST;
		*p = '/';
		if (bad)
			return -1;
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int sp_notifier_spool_open(const char *dir, struct sp_notifier *out, struct sp_err *err)
{
	struct stat st;
	memset(out, 0, sizeof *out);
	if (!dir || !dir[0])
		return sp_err_set(err, SP_EINVAL, "notify-spool", "name a folder");
	struct spool *sp = calloc(1, sizeof *sp);
	if (!sp)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (strlen(dir) >= sizeof sp->dir) {
		free(sp);
		return sp_err_set(err, SP_EINVAL, "notify-spool", "the path is too long");
	}
	memcpy(sp->dir, dir, strlen(dir) + 1);
	if (make_dirs(sp->dir) != 0 || stat(sp->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		int rc = sp_err_set(err, SP_EIO, "notify-spool", "cannot make the spool folder: %s",
				    strerror(errno));
		free(sp);
		return rc;
	}
	out->driver = &spool_driver;
	out->self = sp;
	return SP_OK;
}

void sp_notifier_close(struct sp_notifier *n)
{
	if (n && n->driver && n->driver->close)
		n->driver->close(n->self);
	if (n)
		memset(n, 0, sizeof *n);
}
