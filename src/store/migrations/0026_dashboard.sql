-- The dashboard (src/casework/dashboard.c) reads one user's open cases among a million from
-- this index alone: their counts per priority, the order of its first page (priority, then
-- the latest update) and the ids of its cases, the overdue deadlines' cases among them. Three
-- equality columns first, so that both stores prefer it to cases_agency_status. It covers
-- cases_assigned (assigned_to, status), which goes.
CREATE INDEX cases_assigned_open ON cases (assigned_to, status, agency_id, priority, updated_us, id);
DROP INDEX cases_assigned;
