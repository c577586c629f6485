-- The service directory (owner: src/refer/service.c), in the shape of Open Referral HSDS:
-- organizations run services, offered at locations (service_at_location), with phones,
-- opening hours (schedules), languages and the administrative areas they serve. It holds no
-- personal data: nothing is sealed; who may change it is the policy's service.manage, and
-- every change is audited. Ids are the HSDS ids (UUIDs), kept on import and export.
--
-- An organization may be a safepath agency (agency_id): the users of that agency see the
-- address and coordinates of its confidential locations (a shelter's), everyone else the area.
CREATE TABLE organizations (
	id {id} PRIMARY KEY,
	name {text} NOT NULL,
	description {text},
	email {text},
	website {text},
	agency_id {id} REFERENCES agencies (id),
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);

-- kinds and needs: codes of the services and needs vocabularies (protocols/codes.json), the
-- ones screening results suggest. kinds, needs, sexes, nationalities (ISO 3166-1 alpha-2) and
-- legal_statuses are lists written ",a,b," (NULL: any), so that one LIKE '%,a,%' finds a
-- member on both stores. age_min and age_max: whole years, NULL when open. status: the HSDS
-- status (active, inactive, defunct, temporarily closed); only active services are found.
-- referral_route: direct, or focal_point_only (a GBV service that takes referrals only
-- through a protection focal point). capacity_total and capacity_available: places, NULL
-- when the service does not count them; capacity_updated_us is when they were last set.
CREATE TABLE services (
	id {id} PRIMARY KEY,
	organization_id {id} NOT NULL REFERENCES organizations (id),
	name {text} NOT NULL,
	description {text},
	status {text} NOT NULL,
	email {text},
	url {text},
	kinds {text} NOT NULL,
	needs {text},
	age_min {int},
	age_max {int},
	sexes {text},
	nationalities {text},
	legal_statuses {text},
	referral_route {text} NOT NULL,
	capacity_total {int},
	capacity_available {int},
	capacity_updated_us {int64},
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX services_organization ON services (organization_id);

-- area: a hierarchical administrative area code ("DE-BE", "GB-ENG/LND"); its parents are its
-- prefixes up to a '/' or, past the last '/', a '-' ("GB-ENG/LND" in "GB-ENG" in "GB").
-- latitude and longitude in millionths of a degree (no geocoder: given or absent).
-- confidential: the address and coordinates are shown only to the running agency's users.
CREATE TABLE locations (
	id {id} PRIMARY KEY,
	organization_id {id} NOT NULL REFERENCES organizations (id),
	name {text} NOT NULL,
	area {text} NOT NULL,
	address {text},
	latitude_e6 {int64},
	longitude_e6 {int64},
	confidential {bool} NOT NULL,
	created_us {int64} NOT NULL
);
CREATE INDEX locations_organization ON locations (organization_id);

CREATE TABLE service_at_location (
	id {id} PRIMARY KEY,
	service_id {id} NOT NULL REFERENCES services (id),
	location_id {id} NOT NULL REFERENCES locations (id)
);
CREATE INDEX service_at_location_service ON service_at_location (service_id);

-- The service's own contacts, never a person's.
CREATE TABLE service_phones (
	id {id} PRIMARY KEY,
	service_id {id} NOT NULL REFERENCES services (id),
	number {text} NOT NULL,
	description {text}
);
CREATE INDEX service_phones_service ON service_phones (service_id);

-- language: ISO 639-1 (or 639-3 when it has no 639-1 twin).
CREATE TABLE service_languages (
	id {id} PRIMARY KEY,
	service_id {id} NOT NULL REFERENCES services (id),
	language {text} NOT NULL
);
CREATE INDEX service_languages_service ON service_languages (service_id, language);

-- Opening hours: weekday 1 (Monday) to 7 (Sunday), opens and closes "HH:MM" local time.
CREATE TABLE schedules (
	id {id} PRIMARY KEY,
	service_id {id} NOT NULL REFERENCES services (id),
	weekday {int} NOT NULL,
	opens {text} NOT NULL,
	closes {text} NOT NULL
);
CREATE INDEX schedules_service ON schedules (service_id);

-- The areas a service serves, besides those of its locations.
CREATE TABLE service_areas (
	id {id} PRIMARY KEY,
	service_id {id} NOT NULL REFERENCES services (id),
	area {text} NOT NULL
);
CREATE INDEX service_areas_service ON service_areas (service_id);
