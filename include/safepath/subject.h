/* The data subject's right of access (docs/retention.md): the DPO's export of everything held
 * about the person of one case — the person with their safety block, the case, notes,
 * consents, needs, tasks, screenings with answers and results, decisions with grounds,
 * deadlines, and the audit records about the case and the person — as one JSON document,
 * with the third-party and staff data in it listed for redaction before it is released, the
 * requester's identity recorded (sealed), the export audited (subject_access.export, flagged
 * to the DPO) and the file encrypted.
 *
 * It lives in refer/, the highest wing with both the casework and the identification data;
 * each section is one function in a table, so referrals are one more. */
#ifndef SAFEPATH_SUBJECT_H
#define SAFEPATH_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/crypto.h"

#define SP_SUBJECT_REQUESTER_MAX 400 /* bytes */
#define SP_SUBJECT_FORMAT "safepath-subject-access/1"

struct sp_protocols;

/* The document: {"format", "case_number", "exported_at", "sections": [names in order], one
 * member per section, "redactions": [{"pointer", "reason"}]}, where reason is third_party (a
 * person other than the subject: people to avoid), staff (who recorded, wrote or read what)
 * or staff_note (a staff member's free text — a note, a title — to be read for third parties
 * before release).
 * Each section is read as the DPO under subject.export, audited under its own name as any
 * read. SP_EDENIED (subject.export refused) before anything is read. */
int sp_subject_access_document(struct sp_casework *cw, const struct sp_protocols *reg,
			       const struct sp_id *case_id, json_t **out,
			       struct sp_err *err) SP_MUST;

/* May the subject export at all (the DPO)? SP_EDENIED, recorded, otherwise: asked before the
 * case is looked up. */
int sp_subject_access_may(struct sp_casework *cw, struct sp_err *err) SP_MUST;

struct sp_subject_export {
	struct sp_id id;                     /* the subject_exports row */
	size_t sections;
	size_t redactions;
	size_t bytes;                        /* of the document before encryption */
};

/* The document, sealed (sp_sealfile_write_mem: the backup subkey, never in clear on disk)
 * into path, then recorded: a subject_exports row with the requester sealed under the
 * person's key, and its audit record, in one transaction (the file is removed when that
 * fails). requester: who asked and on what authority, free text (SP_EINVAL naming
 * "requester" when blank, too long or with control characters). */
int sp_subject_access_export(struct sp_casework *cw, const struct sp_protocols *reg,
			     const struct sp_id *case_id, const char *requester, const char *path,
			     struct sp_subject_export *out, struct sp_err *err) SP_MUST;

/* The same into dir/<export id>.sar, dir made (0700) when missing: the server's exports,
 * kept in the data folder's subject-access/. */
int sp_subject_access_export_dir(struct sp_casework *cw, const struct sp_protocols *reg,
				 const struct sp_id *case_id, const char *requester,
				 const char *dir, struct sp_subject_export *out,
				 struct sp_err *err) SP_MUST;

/* An export made, as the DPO lists it (strings in cw->arena). */
struct sp_subject_export_row {
	struct sp_id id;
	struct sp_id case_id;
	const char *case_number;
	const char *exported_by; /* the DPO's user name */
	int64_t exported_us;
	const char *requester; /* opened by sp_subject_export_read; NULL in a list */
};

/* The exports of one case, newest first (subject.export on the case; one audit record,
 * subject_access.list), or with case_id NULL those made by the users of the DPO's own agency
 * (subject.export on any case; nothing personal, so no record). *out in cw->arena. */
int sp_subject_export_list(struct sp_casework *cw, const struct sp_id *case_id,
			   struct sp_subject_export_row **out, size_t *n,
			   struct sp_err *err) SP_MUST;

/* One export of dir (sp_subject_access_export_dir): its row with the requester opened, and
 * its document decrypted into doc (never on disk in clear; the caller wipes it), under
 * subject.export on its case. Audited as subject_access.read naming the export ("identity":
 * the requester; the caller shows only the sections and the redactions), or with download as
 * subject_access.download (every class: the document leaves in clear), both flagged to the
 * DPO. SP_ENOTFOUND for an unknown export. */
int sp_subject_export_read(struct sp_casework *cw, const char *dir, const struct sp_id *id,
			   bool download, struct sp_subject_export_row *row, struct sp_buf *doc,
			   struct sp_err *err) SP_MUST;

/* Decrypt an export into clear_path, a new file (0600): for the DPO preparing the reply on a
 * machine of their choosing. */
int sp_subject_access_open(const struct sp_keys *k, const char *path, const char *clear_path,
			   struct sp_err *err) SP_MUST;

#endif
