/* The service directory (issue 6, items 1 and 2): organisations, the services they run, the
 * locations where they are offered, their phones, opening hours, languages and the
 * administrative areas they serve, in the shape of Open Referral HSDS (docs/services.md). It
 * holds no personal data, so nothing is sealed; but changing it is the policy's
 * service.manage (supervisors and focal points), every change is audited (service.import,
 * service.update), and a confidential location's address and coordinates (a shelter's) are
 * shown only to the users of the agency that runs it: everyone else sees its area.
 *
 * Documents are HSDS JSON: one object with an array per HSDS table ("organization",
 * "service", "location", "service_at_location", "phone", "schedule", "language",
 * "service_area"), each row with the HSDS column names and safepath's x_ extensions. */
#ifndef SAFEPATH_SERVICE_H
#define SAFEPATH_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/access.h"
#include "safepath/codes.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/policy.h"
#include "safepath/protocol.h"
#include "safepath/case.h"

#define SP_SERVICE_AREA_MAX 64 /* an area code: bytes with the NUL */

/* Import an HSDS document (actor needs service.manage). Everything is checked first: every
 * bad value goes in diag with its JSON pointer ("/service/2/minimum_age") and the call is
 * SP_EINVAL with err naming the first; an id already in the directory is SP_ECONFLICT the
 * same way. Then every row is written in one transaction with one audit record
 * (service.import): one bad row imports nothing. vocab checks the kinds ("services") and
 * needs ("needs"). *count
 * (if not NULL) gets the number of services imported. */
int sp_services_import(struct sp_access *a, const struct sp_subject *actor,
		       const struct sp_vocabulary *vocab, json_t *doc, size_t *count,
		       struct sp_diag *diag, struct sp_err *err) SP_MUST;

/* The whole directory as an HSDS document, rows of each table by id, as viewer may see it
 * (confidential locations of other agencies without address and coordinates, marked
 * "x_withheld": true). A new reference in *out. */
int sp_services_export(struct sp_access *a, const struct sp_subject *viewer, json_t **out,
		       struct sp_err *err) SP_MUST;

/* One service as an HSDS service row with its "organization", "location" (as viewer may see
 * them), "phone", "schedule", "language" and "service_area" rows inside, and its "version".
 * SP_ENOTFOUND when there is none. */
int sp_service_get(struct sp_access *a, const struct sp_subject *viewer, const struct sp_id *id,
		   json_t **out, struct sp_err *err) SP_MUST;

/* What an update changes: the availability a service reports, or its status. A negative
 * number or a NULL status leaves it as it is. */
struct sp_service_change {
	int64_t capacity_total;
	int64_t capacity_available;
	const char *status; /* active, inactive, defunct, temporarily closed */
};

/* Change a service (actor needs service.manage) if it is still at version (0: whatever it
 * is; otherwise SP_ECONFLICT on "/version"), in one transaction with its audit record
 * (service.update). Bad values: SP_EINVAL naming "capacity_total", "capacity_available" (more
 * than the total) or "status". *new_version (if not NULL) gets the new version. */
int sp_service_update(struct sp_access *a, const struct sp_subject *actor,
		      const struct sp_id *id, int64_t version, const struct sp_service_change *ch,
		      int64_t *new_version, struct sp_err *err) SP_MUST;

/* A search: every criterion is optional (NULL, or age -1). */
struct sp_service_query {
	const char *need;     /* a needs code: services that meet it */
	const char *kind;     /* a services code: services of that kind */
	const char *area;     /* the case's area: ranks the hits */
	const char *language; /* a language the service works in */
	int age;              /* the person's age in years, -1 when unknown */
	const char *sex;      /* female, male or other; NULL or "unknown": any */
	bool with_capacity;   /* only services that report free places */
};

/* Active services the person is eligible for (age, sex), that meet the need, are of the kind,
 * work in the language and, with_capacity, have free places: those in the query's area first,
 * then those in its parent areas, nearest first ("GB-ENG" before "GB" for "GB-ENG/LND"), then
 * the others; by name within a rank. *out: a new JSON array of hits, each {"id", "name",
 * "organization", "referral_route", "capacity_available" (when counted), "area" (the area
 * that matched, or null), "area_match" ("same", "parent", "other", or "any" without a query
 * area) and "why": the reasons it matched, in words}. Bad criteria: SP_EINVAL naming "need",
 * "kind", "area", "language", "age" or "sex". */
int sp_service_search(struct sp_access *a, const struct sp_vocabulary *vocab,
		      const struct sp_service_query *q, json_t **out,
		      struct sp_err *err) SP_MUST;

/* The criteria a case gives, for those q leaves open (NULL, age -1): its person's sex, first
 * language and age (the youngest the date of birth allows), read through the policy and the
 * audit trail (sp_case_read: case.read). A person the policy keeps from the subject gives
 * nothing; a case the subject may not read is its refusal. lang holds the language. */
int sp_service_query_from_case(struct sp_casework *cw, const struct sp_id *case_id,
			       struct sp_service_query *q, char lang[SP_CODE_MAX],
			       struct sp_err *err) SP_MUST;

/* The tabular package: one CSV file per table in dir (organizations.csv, services.csv,
 * locations.csv, service_at_location.csv, phones.csv, schedules.csv, languages.csv,
 * service_areas.csv), a header of HSDS column names, list columns joined by ';'. read makes
 * the document sp_services_import takes (a missing file: no rows of that table); a file that
 * is not CSV, a row with another number of fields or an unknown column goes in diag named by
 * file and row (SP_EINVAL). write writes doc (an export) as the package. */
int sp_services_csv_read(const char *dir, json_t **out, struct sp_diag *diag,
			 struct sp_err *err) SP_MUST;
int sp_services_csv_write(const json_t *doc, const char *dir, struct sp_err *err) SP_MUST;
/* Where a document pointer of an imported package is: "/service/1/minimum_age" becomes
 * "services.csv row 2, column minimum_age" (rows counted from 1 after the header); -1 when
 * the pointer names no row. */
int sp_services_csv_where(const char *pointer, char *out, size_t n);

/* Check an administrative area code: 2 to 63 bytes of A-Z 0-9 '-' '/', starting with an ISO
 * 3166-1 alpha-2 country ("DE", "DE-BE", "GB-ENG/LND"). */
int sp_service_area_check(const char *area, struct sp_err *err) SP_MUST;

#endif
