-- Acting without consent (owners: src/casework/consent.c, src/refer/referral.c).
-- given_by_name: who consented for a child (a guardian or representative), sealed under the
-- person's key like the note. On a referral, the legal basis its sender named to act without
-- consent (child_without_consent or duty_to_notify, codes of the jurisdiction file's "consent"
-- member) with that file's id and version; NULL while none was named.
ALTER TABLE consents ADD COLUMN given_by_name {blob};
ALTER TABLE referrals ADD COLUMN legal_basis {text};
ALTER TABLE referrals ADD COLUMN basis_jurisdiction {text};
ALTER TABLE referrals ADD COLUMN basis_version {text};
