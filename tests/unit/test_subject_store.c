/* The DPO's subject-access export on both stores (tests/unit/world.h): every section of a case
 * with what was written into it, the third-party and staff members marked for redaction at
 * their JSON pointers (written by hand), each read audited and flagged to the DPO, the file
 * encrypted (no clear text in it), the requester sealed, the export audited once; refused to
 * staff, across the firewall and without a requester; the server's exports listed, reviewed
 * and downloaded from memory; writes refused in export mode; and a failure anywhere in the
 * export's record leaves neither a row nor a file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "safepath/need.h"
#include "safepath/protocol.h"
#include "safepath/screening.h"
#include "safepath/subject.h"
#include "safepath/task.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, imm;
static struct sp_subject cw_a, sup, dpo, dpo_imm;
static struct sp_protocols *reg;
static struct sp_case c;

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	if (world_open("subject") || sp_protocols_load("tests/data/protocols", &reg, &d))
		return -1;
	sp_diag_free(&d);
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&imm, "IMM", "immigration");
	add_user(&cw_a, "cw_a", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&sup, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&dpo, "dpo", &ngo, SP_AGENCY_NGO, SP_ROLE_DPO);
	add_user(&dpo_imm, "dpo_imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_DPO);

	/* one case with something in every section the casework and a screening write */
	c = open_case(&cw_a,
		      "{\"names\": [{\"role\": \"given\", \"romanised\": \"Selamawit\"}], "
		      "\"sex\": \"female\", \"safety\": {\"people_to_avoid\": \"Uncle Tekle\"}}",
		      SP_CASE_POSSIBLE_VOT);
	struct sp_casework w = as(&cw_a);
	struct sp_err err = {0};
	struct sp_note note;
	struct sp_consent con, rec;
	struct sp_need need;
	struct sp_task task;
	struct sp_screening s;
	const char *consent = "{\"purpose\": \"services\", \"status\": \"given\", "
			      "\"method\": \"verbal\", \"note\": \"Agreed with her sister there\"}";
	json_t *j = sp_json_parse(consent, strlen(consent), &err);
	const struct sp_need_new nn = {.kind = "safe_shelter", .note = "Needs a women-only place"};
	const struct sp_task_new tn = {.kind = "appoint_guardian", .title = "Call the shelter"};
	const struct sp_screening_start ss = {"test-labour", "en", NULL};
	if (!j || sp_note_add(&w, &c.id, "She fears the man who brought her", &note, &err) ||
	    sp_consent_decode(j, &arena, &con, &err) ||
	    sp_consent_record(&w, &c.id, &con, &rec, &err) ||
	    sp_need_add(&w, &c.id, &nn, &need, &err) || sp_task_add(&w, &c.id, &tn, &task, &err) ||
	    sp_screening_start(&w, reg, &c.id, &ss, &s, &err)) {
		fprintf(stderr, "setup: %s %s\n", err.field, err.msg);
		return -1;
	}
	json_decref(j);
	sp_arena_release(&arena);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocols_free(reg);
	return world_close();
}

static int64_t audit_count(const char *where)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE %s", where);
	return test_scalar(store, sql);
}

static const char *str_at(json_t *doc, const char *a, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(json_object_get(doc, a), i), key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* Whether redactions holds {pointer, reason}. */
static bool marked(json_t *doc, const char *pointer, const char *reason)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(doc, "redactions"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "pointer")), pointer) == 0)
			return strcmp(json_string_value(json_object_get(r, "reason")), reason) == 0;
	return false;
}

static void the_document_holds_every_section_and_its_redactions(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo);
	struct sp_err err = {0};
	json_t *doc = NULL;
	int64_t reads = audit_count("action = 'note.read' AND flags = 1");
	ok(sp_subject_access_document(&d, reg, &c.id, &doc, &err), &err, "document");
	char *text = sp_json_dump(json_object_get(doc, "sections"));
	assert_string_equal(text, "[\"case\",\"person\",\"notes\",\"consents\",\"needs\",\"tasks\","
				  "\"screenings\",\"decisions\",\"deadlines\",\"referrals\",\"audit\"]");
	sp_json_free(text);
	assert_string_equal(json_string_value(json_object_get(doc, "format")),
			    "safepath-subject-access/1");
	assert_string_equal(json_string_value(json_object_get(doc, "case_number")), c.number);
	json_t *person = json_object_get(doc, "person");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(person, "names"), 0), "romanised")),
			    "Selamawit");
	assert_string_equal(json_string_value(json_object_get(json_object_get(person, "safety"),
							      "people_to_avoid")),
			    "Uncle Tekle");
	assert_string_equal(str_at(doc, "notes", 0, "text"), "She fears the man who brought her");
	assert_string_equal(str_at(doc, "consents", 0, "note"), "Agreed with her sister there");
	assert_string_equal(str_at(doc, "needs", 0, "note"), "Needs a women-only place");
	assert_string_equal(str_at(doc, "tasks", 0, "title"), "Call the shelter");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(json_object_get(doc, "screenings"), 0),
						    "protocol"),
				    "id")),
			    "test-labour");
	assert_int_equal(json_array_size(json_object_get(doc, "decisions")), 0);
	assert_true(json_is_array(json_object_get(doc, "deadlines")));
	assert_int_equal(json_array_size(json_object_get(doc, "referrals")), 0); /* none made */
	json_t *audit = json_object_get(doc, "audit");
	assert_true(json_array_size(json_object_get(audit, "case")) >= 5);
	assert_string_equal(str_at(audit, "case", 0, "action"), "case.create");
	assert_true(json_array_size(json_object_get(audit, "person")) >= 1);
	/* what to redact, by hand */
	assert_true(marked(doc, "/person/safety/people_to_avoid", "third_party"));
	assert_true(marked(doc, "/case/assigned", "staff"));
	assert_true(marked(doc, "/notes/0/author", "staff"));
	assert_true(marked(doc, "/notes/0/text", "staff_note"));
	assert_true(marked(doc, "/consents/0/note", "staff_note"));
	assert_true(marked(doc, "/needs/0/note", "staff_note"));
	assert_true(marked(doc, "/tasks/0/title", "staff_note"));
	assert_true(marked(doc, "/tasks/0/created_by", "staff"));
	assert_true(marked(doc, "/tasks/0/assignee", "staff"));
	assert_true(marked(doc, "/consents/0/recorded_by", "staff"));
	assert_true(marked(doc, "/screenings/0/started_by", "staff"));
	assert_true(marked(doc, "/audit/case/0/actor", "staff"));
	assert_false(marked(doc, "/person/names", "staff"));
	json_decref(doc);
	/* each read audited as the DPO's, flagged to the DPO */
	assert_int_equal(audit_count("action = 'note.read' AND flags = 1"), reads + 1);
	sp_arena_release(&arena);
}

static int count_rows(void)
{
	return (int)test_scalar(store, "SELECT COUNT(*) FROM subject_exports");
}

static bool file_has(const char *path, const char *s)
{
	return file_contains(path, s);
}

static void the_export_is_encrypted_recorded_and_audited(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo), w = as(&cw_a), far = as(&dpo_imm);
	struct sp_err err = {0};
	struct sp_subject_export rep;
	char path[160], clear[160];
	snprintf(path, sizeof path, "%s/sar.bin", dir);
	snprintf(clear, sizeof clear, "%s/sar.json", dir);
	struct stat st;

	assert_int_equal(sp_subject_access_export(&w, reg, &c.id, "Her lawyer", path, &rep, &err),
			 SP_EDENIED);
	assert_int_equal(sp_subject_access_export(&far, reg, &c.id, "Her lawyer", path, &rep, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	assert_int_equal(sp_subject_access_export(&d, reg, &c.id, "  ", path, &rep, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "requester");
	assert_int_equal(sp_subject_access_export(&d, reg, &c.id, "line\nbreak", path, &rep, &err),
			 SP_EINVAL);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(sp_subject_access_may(&w, &err), SP_EDENIED);
	ok(sp_subject_access_may(&d, &err), &err, "may");

	int64_t before = audit_count("action = 'subject_access.export' AND flags = 1");
	ok(sp_subject_access_export(&d, reg, &c.id, "Selamawit herself, passport seen", path, &rep,
				    &err),
	   &err, "export");
	assert_int_equal(rep.sections, 11);
	assert_true(rep.redactions >= 12);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(file_has(path, "Selamawit"));
	assert_false(file_has(path, "Tekle"));
	assert_false(file_has(path, "redactions"));
	assert_int_equal(audit_count("action = 'subject_access.export' AND flags = 1"), before + 1);
	assert_int_equal(count_rows(), 1);
	if (!test_pg())
		assert_false(file_contains(db_path, "passport seen"));

	ok(sp_subject_access_open(keys, path, clear, &err), &err, "open");
	assert_true(file_has(clear, "Selamawit"));
	json_t *doc = json_load_file(clear, 0, NULL);
	assert_non_null(doc);
	assert_true(marked(doc, "/person/safety/people_to_avoid", "third_party"));
	json_decref(doc);
	sp_arena_release(&arena);
}

/* The server's exports (sp_subject_access_export_dir): a folder of its own made 0700, a file
 * named by the export 0600; listed by case and by the DPO's agency (never another agency's
 * DPO's), one opened in memory with its requester for a review and for a download, each
 * audited under its own name and flagged to the DPO; refused to staff and across the
 * firewall; an unknown export not found; a buffer too small for the document left empty. */
static void the_server_exports_are_listed_reviewed_and_downloaded(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo), w = as(&cw_a), far = as(&dpo_imm);
	struct sp_err err = {0};
	struct sp_subject_export rep;
	struct sp_subject_export_row *v, row;
	size_t n;
	char folder[160], path[240], id[SP_ID_STRLEN + 1];
	struct stat st;
	snprintf(folder, sizeof folder, "%s/var/subject-access", dir);
	ok(sp_subject_access_export_dir(&d, reg, &c.id, "Her sister, with a signed authority",
					folder, &rep, &err),
	   &err, "export");
	assert_int_equal(stat(folder, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	sp_id_format(&rep.id, id);
	snprintf(path, sizeof path, "%s/%s.sar", folder, id);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(file_has(path, "Selamawit"));

	ok(sp_subject_export_list(&d, &c.id, &v, &n, &err), &err, "list");
	assert_true(n >= 1);
	assert_true(memcmp(&v[0].id, &rep.id, sizeof v[0].id) == 0);
	assert_true(memcmp(&v[0].case_id, &c.id, sizeof v[0].case_id) == 0);
	assert_string_equal(v[0].case_number, c.number);
	assert_string_equal(v[0].exported_by, "dpo");
	assert_null(v[0].requester);
	assert_int_equal(audit_count("action = 'subject_access.list' AND flags = 1"), 1);
	ok(sp_subject_export_list(&d, NULL, &v, &n, &err), &err, "agency list");
	assert_true(n >= 1 && memcmp(&v[0].id, &rep.id, sizeof v[0].id) == 0);
	ok(sp_subject_export_list(&far, NULL, &v, &n, &err), &err, "other agency");
	assert_int_equal(n, 0);
	assert_int_equal(sp_subject_export_list(&w, &c.id, &v, &n, &err), SP_EDENIED);
	assert_int_equal(sp_subject_export_list(&w, NULL, &v, &n, &err), SP_EDENIED);

	struct sp_buf doc;
	sp_buf_init(&doc, 4u << 20);
	ok(sp_subject_export_read(&d, folder, &rep.id, false, &row, &doc, &err), &err, "review");
	assert_string_equal(row.requester, "Her sister, with a signed authority");
	assert_string_equal(row.case_number, c.number);
	json_t *j = json_loadb(doc.data, doc.len, 0, NULL);
	assert_non_null(j);
	const char *name = NULL, *avoid = NULL;
	assert_int_equal(json_unpack(j, "{s:{s:[{s:s}], s:{s:s}}}", "person", "names", "romanised",
				     &name, "safety", "people_to_avoid", &avoid),
			 0);
	assert_string_equal(name, "Selamawit");
	assert_string_equal(avoid, "Uncle Tekle");
	json_decref(j);
	assert_int_equal(audit_count("action = 'subject_access.read' AND flags = 1 AND "
				     "fields = 'identity' AND object_type = 'subject_export'"),
			 1);
	sp_buf_reset(&doc);
	ok(sp_subject_export_read(&d, folder, &rep.id, true, &row, &doc, &err), &err, "download");
	assert_non_null(strstr(doc.data, "safepath-subject-access/1"));
	assert_int_equal(audit_count("action = 'subject_access.download' AND flags = 1 AND "
				     "fields = 'stat,identity,safety,gbv,trafficking,notes,screening'"),
			 1);
	sp_buf_reset(&doc);
	assert_int_equal(sp_subject_export_read(&w, folder, &rep.id, true, &row, &doc, &err),
			 SP_EDENIED);
	assert_int_equal(sp_subject_export_read(&far, folder, &rep.id, true, &row, &doc, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	assert_int_equal(doc.len, 0);
	struct sp_id none;
	sp_id_new(&none);
	assert_int_equal(sp_subject_export_read(&d, folder, &none, false, &row, &doc, &err),
			 SP_ENOTFOUND);
	struct sp_buf small;
	char header[SP_SEALFILE_HEADER_MAX];
	size_t hlen;
	sp_buf_init(&small, 64);
	assert_int_equal(sp_sealfile_read_mem(keys, "SPSUBJA1", path, &small, header,
					      sizeof header, &hlen, &err),
			 SP_ETOOBIG);
	assert_int_equal(small.len, 0);
	sp_buf_free(&small);
	sp_buf_free(&doc);
	sp_arena_release(&arena);
}

static void an_export_only_reads(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo);
	d.subject_export = true;
	struct sp_err err = {0};
	struct sp_note note;
	assert_int_equal(sp_note_add(&d, &c.id, "not mine to write", &note, &err), SP_EDENIED);
	const struct sp_case_change ch = {.version = 1, .set_priority = true,
					  .priority = SP_PRIORITY_LOW};
	assert_int_equal(sp_case_update(&d, &c.id, &ch, NULL, &err), SP_EDENIED);
	sp_arena_release(&arena);
}

/* The export failing at each of its first store calls (the policy, then the reads: each read
 * audits itself, so the calls of a whole export grow with every try and a full walk would
 * not end), then failing to record itself (its table renamed away): never a file, never a
 * row. */
static void a_failed_export_leaves_nothing(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo);
	struct sp_subject_export rep;
	struct sp_err err = {0};
	struct stat st;
	char path[160];
	snprintf(path, sizeof path, "%s/walk.bin", dir);
	int rows = count_rows();
	for (long n = 1; n <= 60; n++) {
		sp_store_fail_at(store, n);
		int rc = sp_subject_access_export(&d, reg, &c.id, "Her representative", path, &rep,
						  &err);
		sp_store_fail_at(store, 0);
		assert_int_equal(rc, SP_EFAULT);
		assert_false(sp_store_in_transaction(store));
		assert_int_equal(stat(path, &st), -1);
		assert_int_equal(count_rows(), rows);
		sp_arena_release(&arena);
	}
	exec_sql("ALTER TABLE subject_exports RENAME TO subject_exports_away");
	int rc = sp_subject_access_export(&d, reg, &c.id, "Her representative", path, &rep, &err);
	exec_sql("ALTER TABLE subject_exports_away RENAME TO subject_exports");
	assert_int_not_equal(rc, SP_OK);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(count_rows(), rows);
	ok(sp_subject_access_export(&d, reg, &c.id, "Her representative", path, &rep, &err), &err,
	   "export");
	assert_int_equal(count_rows(), rows + 1);
	sp_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_document_holds_every_section_and_its_redactions),
		cmocka_unit_test(the_export_is_encrypted_recorded_and_audited),
		cmocka_unit_test(the_server_exports_are_listed_reviewed_and_downloaded),
		cmocka_unit_test(an_export_only_reads),
		cmocka_unit_test(a_failed_export_leaves_nothing),
	};
	return cmocka_run_group_tests_name("subject_store", tests, setup, teardown);
}
