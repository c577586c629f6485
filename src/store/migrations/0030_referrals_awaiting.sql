-- The dashboard's referrals awaiting an answer (src/refer/referral.c sp_referral_awaiting):
-- an agency's sent or acknowledged referrals, soonest due first and those without a due date
-- last, are the first entries of this partial index, so that a page of them is a few index
-- steps however many referrals the agency has made. Their count comes from referrals_agency.
CREATE INDEX referrals_awaiting ON referrals (agency_id, COALESCE(due_us, 9223372036854775807), id) WHERE status IN ('sent', 'acknowledged');
