/* refer/referral.c on a real store (SQLite, or PostgreSQL under unit-pg) with real keys, policy,
 * audit, the shipped vocabulary, referral types and jurisdictions: every transition with its
 * event row and audit record, who may fire what (sender, receiver, others), the consent
 * refusals, due dates and expiry with a fixed clock, the policy's view of a provider before
 * and after accepting and once the referral ended, sealed feedback, and the fault walk of a
 * send: nothing half-written. Expected values are written by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/caseapproval.h"
#include "safepath/jurisdiction.h"
#include "safepath/need.h"
#include "safepath/notification.h"
#include "safepath/protocol.h"
#include "safepath/referral.h"

#include "helpers.h"
#include "world.h"

#define HOUR INT64_C(3600000000)

static struct sp_vocab *vocab;
static struct sp_referral_types *types;
static struct sp_jurisdictions jurs;
static const struct sp_jurisdiction *gb;
static struct sp_id ngo, shl, clinic_agency, imm;
/* worker: the NGO's caseworker (assigned to the cases she opens); colleague: another
 * caseworker there; boss: its supervisor; provider: the shelter's; other_provider: a
 * clinic's; imm_officer: immigration. */
static struct sp_subject worker, colleague, boss, provider, other_provider, imm_officer;
static struct sp_id shelter_service, clinic_service, paper_service;
/* boss2: the NGO's second supervisor; authority: the agency receiving duty-to-notify
 * reports (notify_service), and its officer. */
static struct sp_subject boss2, authority_officer;
static struct sp_id authority, notify_service;
static const struct sp_jurisdiction *coe;

static const char *const tables[] = {"referrals", "referral_events", "case_shares", "needs",
				     "audit_log", "idempotency_keys"};
#define N_TABLES (sizeof tables / sizeof tables[0])

#define ADULT                                                                             \
	"{\"names\": [{\"role\": \"given\", \"romanised\": \"Selam\"}], \"sex\": \"female\", " \
	"\"languages\": [\"ti\"], \"nationalities\": [\"ER\"], \"date_of_birth\": {\"date\": " \
	"\"1990-05-01\"}, \"contacts\": [{\"kind\": \"phone\", \"value\": \"+4915112345678\"}]}"

/* An organisation (run by agency, or none) and one active service of kinds ",a,b,". */
static void add_service(struct sp_id *service, const struct sp_id *agency, const char *kinds)
{
	struct sp_id org;
	struct sp_stmt *st;
	struct sp_err err = {0};
	sp_id_new(&org);
	sp_id_new(service);
	ok(sp_store_prepare(store,
			    "INSERT INTO organizations (id, name, agency_id, created_us, updated_us, "
			    "version) VALUES (?, 'Org', ?, 0, 0, 1)",
			    &st, &err),
	   &err, "org");
	assert_int_equal(sp_stmt_bind_id(st, 1, &org) |
				 (agency ? sp_stmt_bind_id(st, 2, agency) : sp_stmt_bind_null(st, 2)),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	ok(sp_store_prepare(store,
			    "INSERT INTO services (id, organization_id, name, status, kinds, "
			    "referral_route, created_us, updated_us, version) VALUES (?, ?, 'S', "
			    "'active', ?, 'direct', 0, 0, 1)",
			    &st, &err),
	   &err, "service");
	assert_int_equal(sp_stmt_bind_id(st, 1, service) | sp_stmt_bind_id(st, 2, &org) |
				 sp_stmt_bind_text(st, 3, kinds),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	struct sp_err err = {0};
	sp_diag_init(&d);
	if (world_open("referral") || sp_vocab_load_embedded(&vocab, &d) ||
	    sp_jurisdictions_load(NULL, &jurs, &err))
		return -1;
	sp_diag_free(&d);
	static struct sp_vocabulary v;
	sp_vocab_for_casework(vocab, &v);
	world_vocabulary = &v;
	if (sp_referral_types_shipped(&v, &types, &err))
		return -1;
	gb = sp_jurisdictions_find(&jurs, "gb-eng-wls");
	coe = sp_jurisdictions_find(&jurs, "coe");
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&shl, "SHL", "shelter");
	add_agency(&clinic_agency, "CLN", "health");
	add_agency(&imm, "IMM", "immigration");
	add_user(&worker, "worker", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&colleague, "colleague", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&boss, "boss", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&provider, "provider", &shl, SP_AGENCY_SHELTER, SP_ROLE_PROVIDER);
	add_user(&other_provider, "clinic", &clinic_agency, SP_AGENCY_HEALTH, SP_ROLE_PROVIDER);
	add_user(&imm_officer, "imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_CASEWORKER);
	add_service(&shelter_service, &shl, ",shelter,");
	add_service(&clinic_service, &clinic_agency, ",health_clinic,");
	add_service(&paper_service, NULL, ",shelter,reception_centre,");
	add_agency(&authority, "AUTH", "police");
	add_user(&boss2, "boss2", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&authority_officer, "officer", &authority, SP_AGENCY_POLICE, SP_ROLE_PROVIDER);
	add_service(&notify_service, &authority, ",duty_to_notify,");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_referral_types_free(types);
	sp_vocab_free(vocab);
	sp_jurisdictions_free(&jurs);
	return world_close();
}

static struct sp_need add_need(const struct sp_case *c, const char *kind)
{
	struct sp_casework cw = as(&worker);
	struct sp_err err = {0};
	struct sp_need n;
	const struct sp_need_new in = {.kind = kind, .source = SP_NEED_FROM_PERSON};
	ok(sp_need_add(&cw, &c->id, &in, &n, &err), &err, "need");
	return n;
}

static void consent(const struct sp_case *c, enum sp_consent_purpose purpose,
		    const struct sp_id *agency, enum sp_consent_status status, enum sp_consent_by by,
		    enum sp_assent assent)
{
	struct sp_casework cw = as(&worker);
	struct sp_err err = {0};
	struct sp_consent in = {.purpose = purpose, .status = status, .method = SP_METHOD_VERBAL,
				.by = by, .child_assent = assent,
				.given_by_name = by == SP_BY_PERSON ? NULL : "Hanna Tesfay"};
	if (agency)
		in.scope_agency = *agency;
	ok(sp_consent_record(&cw, &c->id, &in, NULL, &err), &err, "consent");
}

static int create(const struct sp_subject *who, const struct sp_case *c, const struct sp_need *n,
		  const struct sp_id *service, const char *urgency, struct sp_case_referral *out,
		  struct sp_err *err)
{
	struct sp_casework cw = as(who);
	const struct sp_referral_new in = {.need = &n->id, .service = service, .urgency = urgency};
	return sp_referral_create(&cw, types, &c->id, &in, out, err);
}

/* Fire event on r as who; r follows the referral's new state on success. */
static int fire(const struct sp_subject *who, struct sp_case_referral *r, const char *event,
		const char *reason, struct sp_err *err)
{
	struct sp_casework cw = as(who);
	const struct sp_referral_change ch = {.version = r->version, .event = event, .reason = reason};
	struct sp_case_referral out;
	int rc = sp_referral_change(&cw, gb, &r->id, &ch, &out, err);
	if (!rc)
		*r = out;
	return rc;
}

static void must(const struct sp_subject *who, struct sp_case_referral *r, const char *event,
		 const char *reason, enum sp_referral_status want)
{
	struct sp_err err = {0};
	ok(fire(who, r, event, reason, &err), &err, event);
	assert_int_equal(r->status, want);
}

static enum sp_need_status need_status(const struct sp_need *n)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store, "SELECT status FROM needs WHERE id = ?", &st, &err), &err, "n");
	assert_int_equal(sp_stmt_bind_id(st, 1, &n->id), 0);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int s = sp_need_status_parse(sp_stmt_text(st, 0));
	sp_stmt_done(st);
	return (enum sp_need_status)s;
}

/* A case of the worker's with a shelter need and the person's consent to the shelter. */
static struct sp_case ready_case(struct sp_need *n)
{
	struct sp_case c = open_case(&worker, ADULT, 0);
	*n = add_need(&c, "safe_shelter");
	consent(&c, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	return c;
}

/* The whole way: draft, send, acknowledge, accept, start, complete, close; each step one
 * event row and one audit record; the need referred once sent. */
static void every_transition(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case_referral r;
	struct sp_err err = {0};
	ok(create(&worker, &c, &n, &shelter_service, "urgent", &r, &err), &err, "create");
	assert_int_equal(r.status, SP_REF_DRAFT);
	assert_string_equal(r.type, "shelter");
	assert_string_equal(r.profile, "names,date_of_birth,sex,languages,nationalities,contacts");
	assert_string_equal(r.age_band, "25_59");
	assert_string_equal(r.sex, "female");
	assert_string_equal(r.language, "ti");
	assert_int_equal(r.due_us, 0);
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	/* urgent under gb-eng-wls: acknowledged within 4 elapsed hours of the sending */
	assert_true(r.due_us == r.updated_us + 4 * HOUR);
	assert_int_equal(need_status(&n), SP_NEED_REFERRED);
	must(&provider, &r, "acknowledge", NULL, SP_REF_ACKNOWLEDGED);
	/* then answered within 24 hours of the acknowledgement */
	assert_true(r.due_us == r.updated_us + 24 * HOUR);
	must(&provider, &r, "accept", NULL, SP_REF_ACCEPTED);
	assert_int_equal(r.due_us, 0);
	must(&provider, &r, "start", NULL, SP_REF_IN_PROGRESS);
	struct sp_casework pcw = as(&provider);
	const struct sp_referral_change done = {.version = r.version, .event = "complete",
						.outcome = "service_provided",
						.feedback = "Placed in room 12 with her sister"};
	ok(sp_referral_change(&pcw, gb, &r.id, &done, &r, &err), &err, "complete");
	assert_int_equal(r.status, SP_REF_COMPLETED);
	assert_string_equal(r.outcome, "service_provided");
	must(&worker, &r, "close", NULL, SP_REF_CLOSED);
	assert_int_equal(r.version, 7);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM referral_events WHERE referral_id = ?",
				     &r.id),
			 6);
	static const char *const actions[] = {"referral.create", "referral.send",
					      "referral.acknowledge", "referral.accept",
					      "referral.start", "referral.complete",
					      "referral.close"};
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		char sql[160];
		snprintf(sql, sizeof sql,
			 "SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND action = '%s'",
			 actions[i]);
		if (world_count_id(sql, &r.id) != 1)
			fail_msg("%s: not audited once", actions[i]);
	}
	/* the worker reads it back with its events and the provider's feedback */
	struct sp_casework wcw = as(&worker);
	struct sp_case_referral got;
	ok(sp_referral_get(&wcw, &r.id, &got, &err), &err, "get");
	assert_int_equal(got.n_events, 6);
	assert_int_equal(got.events[0].event, SP_REF_SEND);
	assert_int_equal(got.events[0].side, SP_REFERRAL_SENDER);
	assert_int_equal(got.events[1].side, SP_REFERRAL_RECEIVER);
	assert_non_null(got.feedback);
	assert_string_equal(got.feedback, "Placed in room 12 with her sister");
	/* sealed: the feedback's words are nowhere in the database file */
	if (!test_pg()) {
		assert_false(file_contains(db_path, "room 12 with her sister"));
		assert_false(file_contains(db_path, "\"ti\""));
	}
}

/* Who fires what: the machine's sides, the policy's relation to the case, the provider's
 * agency. */
static void who_may(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case_referral r;
	struct sp_err err = {0};
	/* a colleague not assigned to the case does not create nor send */
	assert_int_equal(create(&colleague, &c, &n, &shelter_service, NULL, &r, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "not_assigned");
	assert_int_equal(create(&imm_officer, &c, &n, &shelter_service, NULL, &r, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	ok(create(&worker, &c, &n, &shelter_service, NULL, &r, &err), &err, "create");
	/* before it is sent, the provider has nothing */
	assert_int_equal(fire(&provider, &r, "acknowledge", NULL, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_referral");
	assert_int_equal(fire(&colleague, &r, "send", NULL, &err), SP_EDENIED);
	/* the sender does not acknowledge, the provider does not send */
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	assert_int_equal(fire(&worker, &r, "acknowledge", NULL, &err), SP_EDENIED);
	assert_int_equal(fire(&provider, &r, "cancel", NULL, &err), SP_EDENIED);
	/* another provider reaches nothing of it */
	assert_int_equal(fire(&other_provider, &r, "acknowledge", NULL, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_referral");
	/* accepted only after the acknowledgement; declined with a reason only */
	assert_int_equal(fire(&provider, &r, "accept", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/event");
	must(&provider, &r, "acknowledge", NULL, SP_REF_ACKNOWLEDGED);
	assert_int_equal(fire(&provider, &r, "decline", NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	/* a stale version is refused */
	struct sp_case_referral stale = r;
	stale.version--;
	assert_int_equal(fire(&provider, &stale, "accept", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	must(&provider, &r, "decline", "no_capacity", SP_REF_DECLINED);
	assert_string_equal(r.reason, "no_capacity");
	/* the need is back to unmet, and the provider's access ended */
	assert_int_equal(need_status(&n), SP_NEED_UNMET);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM case_shares WHERE case_id = ?", &c.id),
			 0);
	struct sp_casework pcw = as(&provider);
	struct sp_case_referral got;
	assert_int_equal(sp_referral_get(&pcw, &r.id, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_referral");
	/* the refusal is audited */
	assert_true(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND reason = "
				"'denied:no_referral'",
				&c.id) >= 1);
	/* and a manual answer is only for a provider not on safepath */
	struct sp_casework wcw = as(&worker);
	const struct sp_referral_change manual = {.version = r.version, .event = "accept",
						  .manual = true};
	assert_int_equal(sp_referral_change(&wcw, gb, &r.id, &manual, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/manual");
}

static void refused_send(const struct sp_case *c, const struct sp_need *n, const char *words)
{
	struct sp_case_referral r;
	struct sp_err err = {0};
	ok(create(&worker, c, n, &shelter_service, NULL, &r, &err), &err, "create");
	assert_int_equal(fire(&worker, &r, "send", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/consent");
	if (!strstr(err.msg, words))
		fail_msg("'%s' does not say '%s'", err.msg, words);
	/* nothing written: still a draft, the need unmet */
	struct sp_casework cw = as(&worker);
	struct sp_case_referral got;
	ok(sp_referral_get(&cw, &r.id, &got, &err), &err, "get");
	assert_int_equal(got.status, SP_REF_DRAFT);
	assert_int_equal(need_status(n), SP_NEED_UNMET);
}

/* Sending needs the newest consent for the provider's agency to be given; a child's by a
 * guardian or representative with the child's assent. */
static void consent_refusals(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, ADULT, 0);
	struct sp_need n = add_need(&c, "safe_shelter");
	refused_send(&c, &n, "no consent for referral");
	/* a consent to another agency does not count */
	consent(&c, SP_PURPOSE_REFERRAL, &clinic_agency, SP_CONSENT_GIVEN, SP_BY_PERSON,
		SP_ASSENT_NONE);
	refused_send(&c, &n, "no consent for referral");
	consent(&c, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	consent(&c, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_WITHDRAWN, SP_BY_PERSON, SP_ASSENT_NONE);
	refused_send(&c, &n, "is withdrawn");

	/* an unaccompanied child: the person's own consent is not enough */
	char buf[256];
	struct sp_case kid = open_case(&worker, child_json(buf, sizeof buf),
				       SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_need kn = add_need(&kid, "safe_shelter");
	consent(&kid, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	refused_send(&kid, &kn, "a guardian or representative");
	consent(&kid, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_GUARDIAN,
		SP_ASSENT_REFUSED);
	refused_send(&kid, &kn, "assent is refused");
	consent(&kid, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_GUARDIAN,
		SP_ASSENT_NOT_ABLE);
	struct sp_case_referral r;
	struct sp_err err = {0};
	ok(create(&worker, &kid, &kn, &shelter_service, NULL, &r, &err), &err, "create");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	/* the date of birth alone makes a child too */
	struct sp_case teen = open_case(&worker, child_json(buf, sizeof buf), 0);
	struct sp_need tn = add_need(&teen, "safe_shelter");
	consent(&teen, SP_PURPOSE_REFERRAL, &shl, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	refused_send(&teen, &tn, "a guardian or representative");
	/* a provider not on safepath: the consent to services */
	struct sp_case p = open_case(&worker, ADULT, 0);
	struct sp_need pn = add_need(&p, "safe_shelter");
	ok(create(&worker, &p, &pn, &paper_service, NULL, &r, &err), &err, "create");
	assert_int_equal(fire(&worker, &r, "send", NULL, &err), SP_ECONFLICT);
	assert_non_null(strstr(err.msg, "no consent for services"));
	consent(&p, SP_PURPOSE_SERVICES, NULL, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	must(&worker, &r, "send", NULL, SP_REF_SENT);
}

/* What the policy gives the provider: the summary while pending, the profile once accepted,
 * nothing once closed; never the case's own pages. */
static void provider_view(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case_referral r, got;
	struct sp_err err = {0};
	struct sp_casework pcw = as(&provider);
	ok(create(&worker, &c, &n, &shelter_service, "soon", &r, &err), &err, "create");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	ok(sp_referral_get(&pcw, &r.id, &got, &err), &err, "pending get");
	assert_int_equal(got.view, SP_REFERRAL_VIEW_RECEIVER);
	assert_true(got.has_summary);
	assert_string_equal(got.need_kind, "safe_shelter");
	assert_string_equal(got.age_band, "25_59");
	assert_false(got.shows_profile);
	assert_false(got.has_person);
	/* the case's page and person: not the summary's class */
	struct sp_case kase;
	struct sp_person p;
	bool has;
	assert_int_equal(sp_case_read(&pcw, &c.id, &kase, &p, &has, &err), SP_EDENIED);
	assert_string_equal(err.reason, "referral_pending");
	assert_int_equal(sp_case_person(&pcw, &c.id, false, &p, &err), SP_EDENIED);
	must(&provider, &r, "acknowledge", NULL, SP_REF_ACKNOWLEDGED);
	must(&provider, &r, "accept", NULL, SP_REF_ACCEPTED);
	ok(sp_referral_get(&pcw, &r.id, &got, &err), &err, "accepted get");
	assert_true(got.shows_profile);
	assert_true(got.has_person);
	json_t *j = sp_referral_encode(&got);
	json_t *person = json_object_get(j, "person");
	/* the shelter profile's members, and nothing else: no documents, no safety */
	static const char *const want[] = {"names", "date_of_birth", "sex", "languages",
					   "nationalities", "contacts"};
	assert_int_equal(json_object_size(person), sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		assert_non_null(json_object_get(person, want[i]));
	assert_null(json_object_get(j, "feedback"));
	json_decref(j);
	/* the person through the case's route: identity now, never the safety block */
	ok(sp_case_person(&pcw, &c.id, true, &p, &err), &err, "person");
	assert_false(p.has_safety);
	/* the case's workflow columns are stat: outside every profile */
	assert_int_equal(sp_case_read(&pcw, &c.id, &kase, &p, &has, &err), SP_EDENIED);
	assert_string_equal(err.reason, "not_in_profile");
	must(&provider, &r, "start", NULL, SP_REF_IN_PROGRESS);
	must(&worker, &r, "cancel", NULL, SP_REF_CANCELLED);
	assert_int_equal(sp_referral_get(&pcw, &r.id, &got, &err), SP_EDENIED);
	assert_int_equal(sp_case_person(&pcw, &c.id, false, &p, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_referral");
	/* the inboxes: the provider's incoming leaves the ended referral out */
	struct sp_case_referral *list;
	size_t count, withheld;
	ok(sp_referral_inbox(&pcw, SP_REFERRAL_INCOMING, -1, 50, &list, &count, &withheld, &err),
	   &err, "inbox");
	for (size_t i = 0; i < count; i++)
		assert_true(memcmp(list[i].id.b, r.id.b, SP_ID_LEN) != 0);
	struct sp_casework wcw = as(&worker);
	ok(sp_referral_inbox(&wcw, SP_REFERRAL_OUTGOING, SP_REF_CANCELLED, 50, &list, &count,
			     &withheld, &err),
	   &err, "outgoing");
	assert_true(count >= 1);
	assert_int_equal(list[0].status, SP_REF_CANCELLED);
}

/* A draft to the shelter on a new case of who's, with the need and the person's consent. */
static struct sp_case_referral draft_as(const struct sp_subject *who, const char *urgency)
{
	struct sp_case c = open_case(who, ADULT, 0);
	struct sp_casework cw = as(who);
	struct sp_err err = {0};
	struct sp_need n;
	const struct sp_need_new need = {.kind = "safe_shelter", .source = SP_NEED_FROM_PERSON};
	ok(sp_need_add(&cw, &c.id, &need, &n, &err), &err, "need");
	struct sp_consent in = {.purpose = SP_PURPOSE_REFERRAL, .status = SP_CONSENT_GIVEN,
				.method = SP_METHOD_VERBAL, .by = SP_BY_PERSON, .scope_agency = shl};
	ok(sp_consent_record(&cw, &c.id, &in, NULL, &err), &err, "consent");
	struct sp_case_referral r;
	ok(create(who, &c, &n, &shelter_service, urgency, &r, &err), &err, "create");
	return r;
}

/* The dashboard's referrals awaiting an answer, in an agency of their own: the count is every
 * sent or acknowledged referral of the agency (a colleague's too), drafts and ended ones not;
 * the rows are the first `limit` of them soonest due first, without a due date last; one
 * audit record. */
static void awaiting(void **state)
{
	(void)state;
	static struct sp_id agency;
	static struct sp_subject w, mate;
	add_agency(&agency, "NG2", "ngo");
	add_user(&w, "awaiting.worker", &agency, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&mate, "awaiting.mate", &agency, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	struct sp_err err = {0};
	struct sp_casework cw = as(&w);
	struct sp_case_referral *list;
	size_t n, withheld, count;
	ok(sp_referral_awaiting(&cw, 10, &count, &list, &n, &withheld, &err), &err, "none");
	assert_int_equal(count, 0);
	assert_int_equal(n, 0);
	struct sp_case_referral soon = draft_as(&w, "soon");
	must(&w, &soon, "send", NULL, SP_REF_SENT);
	struct sp_case_referral urgent = draft_as(&w, "urgent");
	must(&w, &urgent, "send", NULL, SP_REF_SENT);
	must(&provider, &urgent, "acknowledge", NULL, SP_REF_ACKNOWLEDGED); /* due in 24 h */
	struct sp_case_referral undated = draft_as(&w, "soon");
	struct sp_casework wcw = as(&w);
	const struct sp_referral_change send = {.version = undated.version, .event = "send"};
	/* no jurisdiction: no due date */
	ok(sp_referral_change(&wcw, NULL, &undated.id, &send, &undated, &err), &err, "undated");
	assert_int_equal(undated.due_us, 0);
	struct sp_case_referral theirs = draft_as(&mate, "urgent"); /* due in 4 hours */
	must(&mate, &theirs, "send", NULL, SP_REF_SENT);
	struct sp_case_referral draft = draft_as(&w, "urgent");
	struct sp_case_referral cancelled = draft_as(&w, "urgent");
	must(&w, &cancelled, "send", NULL, SP_REF_SENT);
	must(&w, &cancelled, "cancel", NULL, SP_REF_CANCELLED);
	assert_int_equal(draft.status, SP_REF_DRAFT);
	static const char list_audits[] = "SELECT COUNT(*) FROM audit_log WHERE actor = ? AND "
					   "action = 'referral.list'";
	int64_t audited = world_count_id(list_audits, &w.user);
	ok(sp_referral_awaiting(&cw, 10, &count, &list, &n, &withheld, &err), &err, "all");
	assert_int_equal(count, 4);
	assert_int_equal(withheld, 0);
	assert_int_equal(n, 4);
	/* the colleague's, due 4 hours after its sending, first; then the one sent "soon" (the
	 * next working day's end) and the acknowledged one (24 hours) in their order; the
	 * undated one last */
	const struct sp_case_referral *second = soon.due_us < urgent.due_us ? &soon : &urgent,
				      *third = second == &soon ? &urgent : &soon;
	assert_memory_equal(list[0].id.b, theirs.id.b, SP_ID_LEN);
	assert_memory_equal(list[1].id.b, second->id.b, SP_ID_LEN);
	assert_memory_equal(list[2].id.b, third->id.b, SP_ID_LEN);
	assert_memory_equal(list[3].id.b, undated.id.b, SP_ID_LEN);
	assert_int_equal(list[0].view, SP_REFERRAL_VIEW_SENDER);
	assert_string_equal(list[1].age_band, "25_59");
	assert_int_equal(world_count_id(list_audits, &w.user), audited + 1);
	/* a page of one: the count is still every one */
	ok(sp_referral_awaiting(&cw, 1, &count, &list, &n, &withheld, &err), &err, "one");
	assert_int_equal(count, 4);
	assert_int_equal(n, 1);
	assert_memory_equal(list[0].id.b, theirs.id.b, SP_ID_LEN);
	/* a page asks the policy about its rows' cases with a few statements, not two a row:
	 * two more of the shelter's ended referrals (each refused to it, and so not audited) cost
	 * two more steps each, their referral rows' and their case rows', and no statement */
	struct sp_casework pcw = as(&provider);
	ok(sp_referral_inbox(&pcw, SP_REFERRAL_INCOMING, SP_REF_CANCELLED, 50, &list, &n, &withheld,
			     &err),
	   &err, "ended");
	size_t ended = withheld;
	assert_int_equal(n, 0);
	assert_true(ended >= 1 && ended <= 60);
	sp_store_fail_at(store, 0);
	ok(sp_referral_inbox(&pcw, SP_REFERRAL_INCOMING, SP_REF_CANCELLED, 50, &list, &n, &withheld,
			     &err),
	   &err, "ended again");
	long calls = sp_store_calls(store);
	for (int k = 0; k < 2; k++) {
		struct sp_case_referral more = draft_as(&worker, "soon");
		must(&worker, &more, "send", NULL, SP_REF_SENT);
		must(&worker, &more, "cancel", NULL, SP_REF_CANCELLED);
	}
	sp_store_fail_at(store, 0);
	ok(sp_referral_inbox(&pcw, SP_REFERRAL_INCOMING, SP_REF_CANCELLED, 50, &list, &n, &withheld,
			     &err),
	   &err, "two more");
	assert_int_equal(withheld, ended + 2);
	assert_int_equal(sp_store_calls(store), calls + 2 * 2);
	/* the provider's agency made none */
	ok(sp_referral_awaiting(&pcw, 10, &count, &list, &n, &withheld, &err), &err, "provider");
	assert_int_equal(count, 0);
}

/* Expiry with a fixed clock: nothing before the due instant, everything sent and unanswered
 * after it, as the system; a supervisor runs it. */
static void expiry(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case_referral r;
	struct sp_err err = {0};
	ok(create(&worker, &c, &n, &shelter_service, "immediate", &r, &err), &err, "create");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	assert_true(r.due_us == r.updated_us + HOUR);
	struct sp_casework bcw = as(&boss), wcw = as(&worker);
	size_t count = 99;
	assert_int_equal(sp_referral_expire(&wcw, r.due_us + 1, &count, &err), SP_EDENIED);
	ok(sp_referral_expire(&bcw, r.due_us, &count, &err), &err, "not yet");
	assert_int_equal(count, 0);
	ok(sp_referral_expire(&bcw, r.due_us + 1, &count, &err), &err, "expire");
	assert_true(count >= 1);
	struct sp_case_referral got;
	ok(sp_referral_get(&wcw, &r.id, &got, &err), &err, "get");
	assert_int_equal(got.status, SP_REF_EXPIRED);
	assert_int_equal(got.events[got.n_events - 1].side, SP_REFERRAL_SYSTEM);
	assert_true(sp_id_is_zero(&got.events[got.n_events - 1].actor));
	assert_int_equal(need_status(&n), SP_NEED_UNMET);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				     "action = 'referral.expire'",
				     &r.id),
			 1);
	/* run again: nothing left to expire */
	ok(sp_referral_expire(&bcw, r.due_us + 1, &count, &err), &err, "again");
	assert_int_equal(count, 0);
}

/* Notifications hold ids only: a referral sent tells the receiving agency's providers and
 * focal points (link to the referral, never the case); unanswered past its due date it is
 * escalated once per state to the referring agency's focal points and supervisors and the
 * receiving agency's focal points, by a clock given; a second sweep adds nothing. */
static void notifications_and_escalation(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case_referral r;
	struct sp_err err = {0};
	ok(create(&worker, &c, &n, &shelter_service, "immediate", &r, &err), &err, "create");
	int64_t before = world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ?", &r.id);
	assert_int_equal(before, 0); /* a draft waits for nobody */
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	size_t got = 0;
	struct sp_id next;
	ok(sp_notification_list(store, &provider, false, NULL, page, SP_NOTIFICATION_PAGE_MAX, &got,
				&next, &err),
	   &err, "provider's");
	size_t mine = 0;
	for (size_t i = 0; i < got; i++)
		if (memcmp(page[i].object.b, r.id.b, SP_ID_LEN) == 0) {
			mine++;
			assert_int_equal(page[i].kind, SP_NOTIFY_REFERRAL_RECEIVED);
			char want[64], id[SP_ID_STRLEN + 1];
			sp_id_format(&r.id, id);
			snprintf(want, sizeof want, "/referrals/%s", id);
			assert_string_equal(page[i].link, want);
			assert_true(page[i].for_role);
		}
	assert_int_equal(mine, 1);
	/* the referring side is not told of its own send */
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ? AND "
				     "agency_id = (SELECT agency_id FROM cases WHERE id = "
				     "(SELECT case_id FROM referrals WHERE id = notifications.object_id))",
				     &r.id),
			 0);
	size_t added = 99;
	ok(sp_referral_escalate(store, 0, r.due_us, &added, &err), &err, "not yet");
	assert_int_equal(added, 0);
	ok(sp_referral_escalate(store, r.due_us, r.due_us + 1, &added, &err), &err, "escalate");
	assert_int_equal(added, 2); /* the referring agency, and the shelter's focal points */
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ? AND "
				     "kind = 'referral.overdue'",
				     &r.id),
			 2);
	ok(sp_referral_escalate(store, 0, r.due_us + 10, &added, &err), &err, "again");
	assert_int_equal(added, 0);
	/* acknowledged: a new due date, escalated again when it passes */
	must(&provider, &r, "acknowledge", NULL, SP_REF_ACKNOWLEDGED);
	ok(sp_referral_escalate(store, 0, r.due_us + 1, &added, &err), &err, "answer overdue");
	assert_int_equal(added, 2);
	/* a supervisor of the referring agency sees it, the worker (neither role) does not */
	ok(sp_notification_list(store, &boss, false, NULL, page, SP_NOTIFICATION_PAGE_MAX, &got,
				&next, &err),
	   &err, "boss's");
	size_t overdue = 0;
	for (size_t i = 0; i < got; i++)
		overdue += page[i].kind == SP_NOTIFY_REFERRAL_OVERDUE &&
			   memcmp(page[i].object.b, r.id.b, SP_ID_LEN) == 0;
	assert_int_equal(overdue, 2);
	ok(sp_notification_list(store, &worker, false, NULL, page, SP_NOTIFICATION_PAGE_MAX, &got,
				&next, &err),
	   &err, "worker's");
	for (size_t i = 0; i < got; i++)
		assert_int_not_equal(page[i].kind, SP_NOTIFY_REFERRAL_OVERDUE);
}

/* A provider not on safepath: the caseworker records its answers by hand, prints the
 * referral with the profile's fields only. */
static void paper_provider(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, ADULT, 0);
	struct sp_need n = add_need(&c, "safe_shelter");
	consent(&c, SP_PURPOSE_SERVICES, NULL, SP_CONSENT_GIVEN, SP_BY_PERSON, SP_ASSENT_NONE);
	struct sp_case_referral r, printed;
	struct sp_err err = {0};
	ok(create(&worker, &c, &n, &paper_service, NULL, &r, &err), &err, "create");
	assert_false(r.has_person);
	struct sp_casework wcw = as(&worker);
	assert_int_equal(sp_referral_print(&wcw, &r.id, &printed, &err), SP_ECONFLICT);
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	ok(sp_referral_print(&wcw, &r.id, &printed, &err), &err, "print");
	json_t *j = sp_referral_encode(&printed);
	assert_int_equal(json_object_size(json_object_get(j, "person")), 6);
	assert_null(json_object_get(json_object_get(j, "person"), "documents"));
	json_decref(j);
	const struct sp_referral_change ack = {.version = r.version, .event = "acknowledge",
					       .manual = true};
	ok(sp_referral_change(&wcw, gb, &r.id, &ack, &r, &err), &err, "manual ack");
	assert_int_equal(r.status, SP_REF_ACKNOWLEDGED);
	struct sp_case_referral got;
	ok(sp_referral_get(&wcw, &r.id, &got, &err), &err, "get");
	assert_true(got.events[got.n_events - 1].manual);
	assert_int_equal(got.events[got.n_events - 1].side, SP_REFERRAL_RECEIVER);
	/* a manual send is no answer */
	const struct sp_referral_change bad = {.version = r.version, .event = "close",
					       .manual = true};
	assert_int_equal(sp_referral_change(&wcw, gb, &r.id, &bad, NULL, &err), SP_EDENIED);
}

/* Bad drafts name their field. */
static void bad_drafts(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	struct sp_case other = open_case(&worker, ADULT, 0);
	struct sp_need elsewhere = add_need(&other, "medical");
	struct sp_case_referral r;
	struct sp_err err = {0};
	struct sp_casework cw = as(&worker);
	struct sp_referral_new in = {.need = &elsewhere.id, .service = &shelter_service};
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/need_id");
	in.need = &n.id;
	in.urgency = "whenever";
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/urgency");
	in.urgency = NULL;
	in.type = "medical";
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/service");
	in.type = "teleportation";
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/type");
	in.type = NULL;
	in.service = NULL;
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/type");
	in.type = "gbv_service";
	ok(sp_referral_create(&cw, types, &c.id, &in, &r, &err), &err, "no service yet");
	assert_string_equal(r.profile, "sex,languages");
	in.need = NULL;
	assert_int_equal(sp_referral_create(&cw, types, &c.id, &in, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/need_id");
}

/* An incoming referral from a hotline: the case, its need and the received referral in one
 * transaction; a bad source or a screener writes nothing. */
static void incoming(void **state)
{
	(void)state;
	struct sp_err err = {0};
	json_t *j = sp_json_parse(ADULT, strlen(ADULT), &err);
	struct sp_person p;
	ok(sp_person_decode(j, &arena, &p, &err), &err, "person");
	json_decref(j);
	struct sp_referral_incoming in = {.person = &p, .source = "hotline", .need = "safe_shelter",
					  .urgency = "urgent"};
	struct sp_casework cw = as(&worker);
	struct sp_case c;
	struct sp_case_referral r;
	int64_t cases = test_scalar(store, "SELECT COUNT(*) FROM cases");
	ok(sp_referral_incoming(&cw, &in, &c, &r, &err), &err, "incoming");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM cases"), cases + 1);
	assert_int_equal(r.status, SP_REF_ACCEPTED);
	assert_string_equal(r.source, "hotline");
	assert_string_equal(r.type, "incoming");
	assert_string_equal(r.need_kind, "safe_shelter");
	assert_string_equal(r.profile, "");
	assert_true(sp_id_is_zero(&r.provider_agency));
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM needs WHERE case_id = ?", &c.id), 1);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				     "action = 'referral.incoming' AND reason = 'hotline'",
				     &r.id),
			 1);
	/* the agency moves it on by hand and closes it */
	struct sp_referral_change ch = {.version = r.version, .event = "start", .manual = true};
	ok(sp_referral_change(&cw, gb, &r.id, &ch, &r, &err), &err, "start");
	ch = (struct sp_referral_change){.version = r.version, .event = "complete",
					 .outcome = "service_provided", .manual = true};
	ok(sp_referral_change(&cw, gb, &r.id, &ch, &r, &err), &err, "complete");
	must(&worker, &r, "close", NULL, SP_REF_CLOSED);
	/* refused: nothing written, not even the case */
	in.source = "pigeon";
	assert_int_equal(sp_referral_incoming(&cw, &in, &c, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/source");
	in.source = "organisation";
	in.need = "spaceship";
	assert_int_equal(sp_referral_incoming(&cw, &in, &c, &r, &err), SP_EINVAL);
	assert_string_equal(err.field, "/need");
	in.need = "safe_shelter";
	struct sp_subject screener;
	add_user(&screener, "screener", &ngo, SP_AGENCY_NGO, SP_ROLE_SCREENER);
	struct sp_casework scw = as(&screener);
	assert_int_equal(sp_referral_incoming(&scw, &in, &c, &r, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_role");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM cases"), cases + 1);
}

/* The fault walk of a send: a fresh draft each time, then the send with the Nth store call
 * failing, for N = 1, 2, ... until it succeeds; every failure leaves the tables as they were
 * (the draft unsent, the need unmet, no share, no event, no audit record). */
static void fault_walk(void **state)
{
	(void)state;
	struct sp_need n;
	struct sp_case c = ready_case(&n);
	for (long k = 1;; k++) {
		struct sp_case_referral r;
		struct sp_err err = {0};
		ok(create(&worker, &c, &n, &shelter_service, "urgent", &r, &err), &err, "draft");
		char *before = snapshot(tables, N_TABLES);
		sp_store_fail_at(store, k);
		int rc = fire(&worker, &r, "send", NULL, &err);
		long calls = sp_store_calls(store);
		sp_store_fail_at(store, 0);
		assert_false(sp_store_in_transaction(store));
		if (rc == SP_OK) {
			free(before);
			assert_true(calls < k);
			assert_true(k > 10);
			assert_int_equal(need_status(&n), SP_NEED_REFERRED);
			break;
		}
		if (rc != SP_EFAULT)
			fail_msg("call %ld: %s (%s) %s", k, sp_status_name(rc), err.field, err.msg);
		char *after = snapshot(tables, N_TABLES);
		if (strcmp(before, after) != 0)
			fail_msg("failing call %ld left rows behind", k);
		free(after);
		free(before);
	}
}


/* ---- the guardian check and acting without consent (issue 6, items 4 and 15) ---- */

/* A child (the unaccompanied flag) whose safety block names people to avoid and family links,
 * one flagged a suspected exploiter. */
static struct sp_case guarded_child(void)
{
	char buf[256], person[1024];
	child_json(buf, sizeof buf);
	buf[strlen(buf) - 1] = '\0'; /* reopen the object */
	snprintf(person, sizeof person,
		 "%s, \"safety\": {\"people_to_avoid\": \"Yonas Kidane;\\nAli  Hassan, the "
		 "driver\", \"family\": [{\"relationship\": \"aunt_uncle\", \"name\": \"Tesfay "
		 "Gebre Medhin\", \"suspected_exploiter\": true}, {\"relationship\": \"mother\", "
		 "\"name\": \"Mehret Tesfay\"}]}}",
		 buf);
	return open_case(&worker, person, SP_CASE_UNACCOMPANIED_CHILD);
}

static int guardian_consent(const struct sp_case *c, const char *name, struct sp_err *err)
{
	struct sp_casework cw = as(&worker);
	const struct sp_consent in = {.purpose = SP_PURPOSE_REFERRAL, .scope_agency = shl,
				      .status = SP_CONSENT_GIVEN, .method = SP_METHOD_WRITTEN,
				      .by = SP_BY_GUARDIAN, .child_assent = SP_ASSENT_GIVEN,
				      .given_by_name = name};
	return sp_consent_record(&cw, &c->id, &in, NULL, err);
}

/* The matcher against names written by hand: token sets, folded; a subset of two tokens. */
static void avoid_matcher(void **state)
{
	(void)state;
	struct sp_family_link family[] = {
		{SP_REL_AUNT_UNCLE, "Tesfay Gebre Medhin", true, NULL},
		{SP_REL_MOTHER, "Mehret Tesfay", false, NULL},
	};
	const struct sp_safety s = {.people_to_avoid = "Yonas Kidane;\nAli  Hassan, the driver,;",
				    .family = family,
				    .n_family = 2};
	static const struct {
		const char *name;
		bool match;
	} cases[] = {
		{"Ali Hassan", true},          {"hassan ali", true},
		{"ÁLI   HASSAN", true},         {"Hassan", false},
		{"Ali Hassan Omar", true},      {"Yonas", false},
		{"Kidane Yonas", true},         {"the driver", true},
		{"Medhin Tesfay", true},        {"Gebre", false},
		{"Mehret Tesfay", false},       {"Hanna Tesfay", false},
		{"Tesfay Gebre-Medhin", true},  {"Ali Omar", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sp_err err = {0};
		bool match = !cases[i].match;
		ok(sp_safety_avoids(&s, cases[i].name, &arena, &match, &err), &err, cases[i].name);
		if (match != cases[i].match)
			fail_msg("%s: %s", cases[i].name, match ? "matched" : "did not match");
	}
	struct sp_err err = {0};
	bool match;
	assert_int_equal(sp_safety_avoids(&s, " -- ", &arena, &match, &err), SP_EINVAL);
}

/* A guardian's consent names its giver; one the child must be kept from is refused (409 on
 * /given_by_name, audited, the name nowhere), when recorded and when a referral is sent. */
static void guardian_check(void **state)
{
	(void)state;
	struct sp_case kid = guarded_child();
	struct sp_err err = {0};
	struct sp_casework cw = as(&worker);
	struct sp_consent in = {.purpose = SP_PURPOSE_REFERRAL, .scope_agency = shl,
				.status = SP_CONSENT_GIVEN, .method = SP_METHOD_WRITTEN,
				.by = SP_BY_GUARDIAN, .child_assent = SP_ASSENT_GIVEN};
	assert_int_equal(sp_consent_record(&cw, &kid.id, &in, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/given_by_name");
	in.by = SP_BY_PERSON;
	in.child_assent = SP_ASSENT_NONE;
	in.given_by_name = "Hanna Tesfay";
	assert_int_equal(sp_consent_record(&cw, &kid.id, &in, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/given_by_name");

	static const char *const avoided[] = {"hassan ali", "Medhin TESFAY", "Kidane Yonas"};
	for (size_t i = 0; i < 3; i++) {
		memset(&err, 0, sizeof err);
		assert_int_equal(guardian_consent(&kid, avoided[i], &err), SP_ECONFLICT);
		assert_string_equal(err.field, "/given_by_name");
		assert_string_equal(err.reason, "person_to_avoid");
		assert_null(strstr(err.msg, "assan"));
		assert_null(strstr(err.msg, "esfay"));
		assert_null(strstr(err.msg, "onas"));
	}
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM consents WHERE case_id = ?", &kid.id), 0);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				     "action = 'consent.add' AND reason = 'denied:person_to_avoid'",
				     &kid.id),
			 3);
	/* the mother is not flagged: her consent holds, and the referral goes */
	ok(guardian_consent(&kid, "Mehret Tesfay", &err), &err, "mother");
	struct sp_need n = add_need(&kid, "safe_shelter");
	struct sp_case_referral r;
	ok(create(&worker, &kid, &n, &shelter_service, NULL, &r, &err), &err, "create");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	/* then the caseworker learns she is one to avoid: the next send is refused */
	struct sp_person p;
	ok(sp_case_person(&cw, &kid.id, true, &p, &err), &err, "person");
	p.safety.people_to_avoid = "Mehret Tesfay";
	ok(sp_case_person_update(&cw, &kid.id, &p, &err), &err, "update");
	struct sp_need n2 = add_need(&kid, "medical");
	ok(create(&worker, &kid, &n2, &shelter_service, NULL, &r, &err), &err, "create");
	assert_int_equal(fire(&worker, &r, "send", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/given_by_name");
	assert_null(strstr(err.msg, "Mehret"));
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				     "action = 'referral.send' AND reason = 'denied:person_to_avoid'",
				     &kid.id),
			 1);
	/* the name is sealed: in no column in clear */
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM consents WHERE case_id = ? AND "
				     "given_by_name IS NOT NULL",
				     &kid.id),
			 1);
	char *dump = snapshot((const char *const[]){"consents"}, 1);
	assert_null(strstr(dump, "Mehret"));
	free(dump);
}

static int override(const struct sp_subject *who, const struct sp_jurisdiction *j,
		    struct sp_case_referral *r, const char *basis, struct sp_case_approval *a,
		    struct sp_err *err)
{
	struct sp_casework cw = as(who);
	const struct sp_referral_override in = {.version = r->version, .basis = basis,
						.note = "Police found him alone at the station."};
	struct sp_case_referral out;
	int rc = sp_referral_override(&cw, j, &r->id, &in, &out, a, err);
	if (!rc)
		*r = out;
	return rc;
}

static int decide(const struct sp_subject *who, const struct sp_case_approval *a, bool approve,
		  struct sp_err *err)
{
	struct sp_casework cw = as(who);
	const struct sp_caseappr_decision d = {.version = a->version, .approve = approve,
					       .note = approve ? NULL : "Ask the guardian first."};
	return sp_case_approval_decide(&cw, &a->id, &d, NULL, err);
}

/* A child referred without consent (England and Wales): the basis recorded on the referral,
 * a supervisor other than the requester approves, then that referral, and only it, goes. */
static void child_override(void **state)
{
	(void)state;
	char buf[256];
	struct sp_case kid = open_case(&worker, child_json(buf, sizeof buf),
				       SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_need n = add_need(&kid, "safe_shelter");
	struct sp_case_referral r, other, third;
	struct sp_case_approval a, a3;
	struct sp_err err = {0};
	ok(create(&worker, &kid, &n, &shelter_service, NULL, &r, &err), &err, "create");
	ok(create(&worker, &kid, &n, &shelter_service, NULL, &other, &err), &err, "create");
	ok(create(&worker, &kid, &n, &shelter_service, NULL, &third, &err), &err, "create");
	/* no basis in the Council of Europe default; unknown, missing and misfit bases */
	assert_int_equal(override(&worker, coe, &r, "child_without_consent", &a, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/basis");
	assert_int_equal(override(&worker, gb, &r, "necessity", &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/basis");
	assert_int_equal(override(&worker, gb, &r, NULL, &a, &err), SP_EINVAL);
	assert_int_equal(override(&worker, gb, &r, "duty_to_notify", &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/basis");
	assert_non_null(strstr(err.msg, "is a child"));
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM case_approvals WHERE case_id = ?",
				     &kid.id),
			 0);
	/* requested: recorded with the jurisdiction's id and version; the send waits */
	ok(override(&worker, gb, &r, "child_without_consent", &a, &err), &err, "override");
	assert_string_equal(r.legal_basis, "child_without_consent");
	assert_string_equal(r.basis_jurisdiction, "gb-eng-wls");
	assert_string_equal(r.basis_version, "1.0.0");
	assert_int_equal(a.kind, SP_CASEAPPR_CONSENT_OVERRIDE);
	assert_int_equal(a.status, SP_CASEAPPR_PENDING);
	assert_memory_equal(a.object.b, r.id.b, SP_ID_LEN);
	assert_string_equal(a.reason, "child_without_consent");
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				     "action = 'referral.override' AND reason = "
				     "'child_without_consent'",
				     &r.id),
			 1);
	/* a second request while one waits */
	assert_int_equal(override(&worker, gb, &r, "child_without_consent", NULL, &err),
			 SP_ECONFLICT);
	assert_int_equal(fire(&worker, &r, "send", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/consent");
	assert_non_null(strstr(err.msg, "waits for a supervisor"));
	/* the caseworker decides nothing; a supervisor does not decide her own request */
	assert_int_equal(decide(&worker, &a, true, &err), SP_EDENIED);
	ok(override(&boss, gb, &third, "child_without_consent", &a3, &err), &err, "boss asks");
	assert_int_equal(decide(&boss, &a3, true, &err), SP_EDENIED);
	assert_string_equal(err.reason, "four_eyes");
	/* approved by the supervisor: this referral goes without consent */
	ok(decide(&boss, &a, true, &err), &err, "approve");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	/* only this one: the other draft still needs the consent */
	assert_int_equal(fire(&worker, &other, "send", NULL, &err), SP_ECONFLICT);
	assert_non_null(strstr(err.msg, "no consent for referral"));
	/* refused by the other supervisor: the third stays a draft */
	ok(decide(&boss2, &a3, false, &err), &err, "reject");
	assert_int_equal(fire(&worker, &third, "send", NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/consent");
	assert_non_null(strstr(err.msg, "refused acting without consent"));
	/* a sent referral is not overridden */
	assert_int_equal(override(&worker, gb, &r, "child_without_consent", NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
}

/* An adult who refused: an anonymous duty-to-notify report, approved, then read by the
 * receiving authority without identity. */
static void duty_to_notify(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, ADULT, 0);
	struct sp_need n = add_need(&c, "safe_shelter");
	consent(&c, SP_PURPOSE_REFERRAL, &authority, SP_CONSENT_REFUSED, SP_BY_PERSON,
		SP_ASSENT_NONE);
	struct sp_case_referral r, shelter;
	struct sp_case_approval a;
	struct sp_err err = {0};
	struct sp_casework wcw = as(&worker);
	const struct sp_referral_new in = {.need = &n.id, .service = &notify_service};
	ok(sp_referral_create(&wcw, types, &c.id, &in, &r, &err), &err, "create");
	assert_string_equal(r.type, "duty_to_notify");
	assert_string_equal(r.profile, "");
	/* an adult is not referred without consent; the basis fits this type only */
	assert_int_equal(override(&worker, gb, &r, "child_without_consent", &a, &err), SP_EINVAL);
	assert_non_null(strstr(err.msg, "not a child"));
	ok(create(&worker, &c, &n, &shelter_service, NULL, &shelter, &err), &err, "create");
	assert_int_equal(override(&worker, gb, &shelter, "duty_to_notify", &a, &err), SP_EINVAL);
	assert_non_null(strstr(err.msg, "type duty_to_notify"));
	/* of that type, but to no service of the authority's kind */
	struct sp_case_referral nowhere;
	const struct sp_referral_new loose = {.need = &n.id, .type = "duty_to_notify"};
	ok(sp_referral_create(&wcw, types, &c.id, &loose, &nowhere, &err), &err, "no service");
	assert_int_equal(override(&worker, gb, &nowhere, "duty_to_notify", &a, &err), SP_EINVAL);
	assert_string_equal(err.msg, "the report goes to the authority: a service of kind "
				     "duty_to_notify");
	ok(override(&worker, gb, &r, "duty_to_notify", &a, &err), &err, "override");
	assert_int_equal(fire(&worker, &r, "send", NULL, &err), SP_ECONFLICT);
	ok(decide(&boss, &a, true, &err), &err, "approve");
	must(&worker, &r, "send", NULL, SP_REF_SENT);
	/* told of it, and of it overdue, without the case: report.*, about no case */
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ? AND "
				     "kind = 'report.received' AND case_id IS NULL",
				     &r.id),
			 1);
	size_t added = 0;
	/* (other referrals of this world fall due at the same end of the day) */
	ok(sp_referral_escalate(store, r.due_us, r.due_us + 1, &added, &err), &err, "escalate");
	assert_true(added >= 2);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ? AND "
				     "kind = 'report.overdue' AND case_id IS NULL",
				     &r.id),
			 1);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM notifications WHERE object_id = ? AND "
				     "case_id IS NOT NULL AND kind = 'referral.overdue'",
				     &r.id),
			 1); /* the sender's side */
	/* the authority: need, urgency, age band and sex; no case, need, language or person */
	struct sp_casework acw = as(&authority_officer);
	struct sp_case_referral got;
	ok(sp_referral_get(&acw, &r.id, &got, &err), &err, "authority get");
	assert_int_equal(got.view, SP_REFERRAL_VIEW_RECEIVER);
	assert_true(sp_id_is_zero(&got.case_id));
	assert_true(sp_id_is_zero(&got.need));
	assert_true(got.has_summary);
	assert_string_equal(got.age_band, "25_59");
	assert_string_equal(got.sex, "female");
	assert_string_equal(got.language, "");
	assert_string_equal(got.need_kind, "safe_shelter");
	assert_false(got.has_person);
	json_t *j = sp_referral_encode(&got);
	char *text = sp_json_dump(j);
	char case_id[SP_ID_STRLEN + 1];
	sp_id_format(&c.id, case_id);
	assert_null(strstr(text, case_id));
	assert_null(strstr(text, "Selam"));
	assert_null(strstr(text, "1990"));
	assert_null(strstr(text, "legal_basis"));
	sp_json_free(text);
	json_decref(j);
	/* its inbox row likewise, after accepting too */
	must(&authority_officer, &r, "acknowledge", NULL, SP_REF_ACKNOWLEDGED);
	must(&authority_officer, &r, "accept", NULL, SP_REF_ACCEPTED);
	ok(sp_referral_get(&acw, &r.id, &got, &err), &err, "accepted get");
	assert_true(sp_id_is_zero(&got.case_id));
	assert_false(got.has_person);
	struct sp_case_referral *list;
	size_t count, withheld;
	ok(sp_referral_inbox(&acw, SP_REFERRAL_INCOMING, -1, 10, &list, &count, &withheld, &err),
	   &err, "inbox");
	assert_int_equal(count, 1);
	assert_true(sp_id_is_zero(&list[0].case_id));
	/* the case's own pages stay closed to the authority */
	struct sp_case kase;
	assert_int_equal(sp_case_get(&acw, &c.id, &kase, &err), SP_EDENIED);
}

struct override_walk {
	struct sp_case_referral r;
};

static int override_op(void *ctx, int which, struct sp_err *err)
{
	(void)which;
	struct override_walk *w = ctx;
	struct sp_case_approval a;
	return override(&worker, gb, &w->r, "child_without_consent", &a, err);
}

/* The override failing at each store call leaves no basis, approval, notification or audit
 * record behind. */
static void override_fault_walk(void **state)
{
	(void)state;
	char buf[256];
	struct sp_case kid = open_case(&worker, child_json(buf, sizeof buf),
				       SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_need n = add_need(&kid, "safe_shelter");
	struct override_walk w;
	struct sp_err err = {0};
	ok(create(&worker, &kid, &n, &shelter_service, NULL, &w.r, &err), &err, "draft");
	static const char *const walked[] = {"referrals", "case_approvals", "notifications",
					     "audit_log"};
	fault_walk_over(walked, 4, 1, override_op, &w);
	assert_string_equal(w.r.legal_basis, "child_without_consent");
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM case_approvals WHERE object_id = ?",
				     &w.r.id),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_transition), cmocka_unit_test(who_may),
		cmocka_unit_test(consent_refusals), cmocka_unit_test(provider_view),
		cmocka_unit_test(expiry),	    cmocka_unit_test(notifications_and_escalation),
		cmocka_unit_test(paper_provider),
		cmocka_unit_test(bad_drafts),	    cmocka_unit_test(incoming),
		cmocka_unit_test(fault_walk),	    cmocka_unit_test(avoid_matcher),
		cmocka_unit_test(guardian_check),   cmocka_unit_test(child_override),
		cmocka_unit_test(duty_to_notify),   cmocka_unit_test(override_fault_walk),
		cmocka_unit_test(awaiting),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
