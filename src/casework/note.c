/* Case notes (owner of the case_notes table): free text sealed under the case person's key,
 * bound to case_notes/body/<note id>, so erasing the person shreds their notes too. */
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/store.h"

int sp_note_add(struct sp_casework *cw, const struct sp_id *case_id, const char *text,
		struct sp_note *out, struct sp_err *err)
{
	int rc = cw_text_check(text, SP_NOTE_MAX, "/text", err);
	if (rc)
		return rc;
	if ((rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_note note = {0};
	struct sp_buf body;
	struct sp_stmt *st = NULL;
	sp_buf_init(&body, SP_SEAL_LIMIT);
	sp_id_new(&note.id);
	note.case_id = *case_id;
	note.author = *cw_actor(cw);
	note.created_us = sp_now_us();
	rc = cw_case_load_for(cw, CW_NOTE_ADD, case_id, &c, err);
	if (!rc)
		rc = cw_seal(cw, &c.person, "case_notes", "body", &note.id, text, strlen(text),
			     &body, err);
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			"INSERT INTO case_notes (id, case_id, author_id, created_us, body) "
			"VALUES (?, ?, ?, ?, ?)",
			&st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_id(st, 1, &note.id) || sp_stmt_bind_id(st, 2, case_id) ||
	    sp_stmt_bind_id(st, 3, &note.author) || sp_stmt_bind_int64(st, 4, note.created_us) ||
	    sp_stmt_bind_blob(st, 5, body.data, body.len)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_exec_done(st, err);
	st = NULL;
	if (!rc)
		rc = cw_idem_record(cw, "note", &note.id, case_id, err);
	if (!rc)
		rc = cw_audit(cw, CW_NOTE_ADD, "note", &note.id, "notes", err);
out:
	sp_stmt_done(st);
	sp_buf_free(&body);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		note.text = sp_arena_strdup(cw->arena, text);
		*out = note;
	}
	return rc;
}

int sp_note_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_note **out,
		 size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	struct sp_stmt *st = NULL;
	struct sp_note *notes = NULL;
	size_t count = 0, cap = 0;
	rc = cw_case_load_for(cw, CW_NOTE_READ, case_id, &c, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "SELECT id, author_id, created_us, body FROM case_notes "
				      "WHERE case_id = ? ORDER BY created_us, id",
				      &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_id(st, 1, case_id)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_note *grown = cw_array_grow(cw->arena, notes, count, &cap, sizeof *notes);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			goto out;
		}
		notes = grown;
		struct sp_note *nt = &notes[count];
		memset(nt, 0, sizeof *nt);
		nt->case_id = *case_id;
		nt->created_us = sp_stmt_int64(st, 2);
		size_t len;
		const void *ct = sp_stmt_blob(st, 3, &len);
		if (sp_stmt_id(st, 0, &nt->id) || sp_stmt_id(st, 1, &nt->author)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed note row");
			goto out;
		}
		size_t tlen;
		rc = cw_open(cw, &c.person, "case_notes", "body", &nt->id, ct, len, &nt->text,
			     &tlen, err);
		if (rc)
			goto out;
		count++;
	}
	if (rc == 0)
		rc = cw_audit(cw, CW_NOTE_READ, "case", case_id, "notes", err);
out:
	sp_stmt_done(st);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = notes;
		*n = count;
	}
	return rc;
}

json_t *sp_note_encode(const struct sp_note *n, bool with_text)
{
	char id[SP_ID_STRLEN + 1], author[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1];
	sp_id_format(&n->id, id);
	sp_id_format(&n->author, author);
	sp_time_format(n->created_us, created);
	return json_pack("{s:s, s:s, s:s, s:s*}", "id", id, "author", author, "created_at", created,
			 "text", with_text ? n->text : NULL);
}
