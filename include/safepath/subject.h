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

#include <stddef.h>

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

/* Decrypt an export into clear_path, a new file (0600): for the DPO preparing the reply on a
 * machine of their choosing. */
int sp_subject_access_open(const struct sp_keys *k, const char *path, const char *clear_path,
			   struct sp_err *err) SP_MUST;

#endif
