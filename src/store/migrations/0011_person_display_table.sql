-- The name as lists show it (0007) moves out of persons, whose rows carry a kilobyte of sealed
-- profile, into a narrow table of its own in person-id order (owned by
-- src/casework/person_store.c). A caseload page reads fifty names from a few pages instead of
-- from most of the persons table; every audit commit makes each connection read its pages
-- again, so that is most of what a page costs the database. The ciphertexts move as they are
-- (still bound to persons/display/<id>).
CREATE TABLE person_display (
	person_id {id} PRIMARY KEY REFERENCES persons (id),
	display {blob} NOT NULL
) {clustered};
INSERT INTO person_display (person_id, display)
	SELECT id, display FROM persons WHERE display IS NOT NULL;
ALTER TABLE persons DROP COLUMN display;
