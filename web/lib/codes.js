// The API's code lists the forms offer and the pages name (src/casework/*.c, src/access/
// policy.c), each shown through the catalog key "LIST.VALUE". No imports: the i18n test
// (tests/e2e/i18n.test.mjs) reads this file to check every such key is in the catalogs.
export const CODES = {
  status: ['open', 'active', 'closed'],
  priority: ['low', 'normal', 'high', 'urgent'],
  flag: ['unaccompanied_child', 'separated_child', 'possible_victim_of_trafficking', 'restricted',
    'age_disputed', 'synthetic', 'legal_hold', 'anonymised'],
  role: ['screener', 'identifier', 'caseworker', 'focal_point', 'provider', 'supervisor',
    'coordinator', 'dpo', 'admin'],
  agency_kind: ['immigration', 'police', 'labour_inspection', 'child_protection', 'ngo', 'health',
    'shelter', 'legal_aid', 'guardian_service', 'international_organisation',
    'partner_authority_abroad'],
  sex: ['unknown', 'female', 'male', 'other'],
  service_status: ['active', 'inactive', 'temporarily closed', 'defunct'],
  gender: ['feminine', 'masculine', 'transgender_feminine', 'transgender_masculine',
    'non_conforming', 'non_specified_unknown'],
  name_role: ['given', 'father', 'grandfather', 'family', 'clan_lineage', 'other'],
  document_type: ['passport', 'national_id', 'residence_permit', 'travel_document',
    'birth_certificate', 'other'],
  contact_kind: ['phone', 'email', 'other'],
  calendar: ['gregorian', 'persian', 'islamic-umalqura', 'islamic-civil', 'ethiopian'],
  purpose: ['services', 'referral', 'data_sharing', 'statistics', 'tracing'],
  consent_status: ['given', 'refused', 'withdrawn'],
  method: ['verbal', 'written', 'interpreter'],
  by: ['person', 'guardian', 'representative'],
  legal_basis: ['child_without_consent', 'duty_to_notify'],
  relationship: ['mother', 'father', 'sibling', 'grandparent', 'aunt_uncle', 'spouse', 'guardian', 'other_relative',
    'other'],
  assent: ['given', 'refused', 'not_able'],
  screening_status: ['in_progress', 'completed'],
  need_status: ['unmet', 'referred', 'met', 'no_longer_needed'],
  need_move: ['referred', 'met', 'unmet', 'no_longer_needed'],
  task_status: ['open', 'done', 'cancelled'],
  decision_type: ['age_assessment', 'reasonable_grounds', 'conclusive_grounds', 'best_interests'],
  decision_outcome: ['child', 'adult', 'positive', 'negative'],
  deadline_kind: ['target', 'minimum'],
  deadline_state: ['due', 'overdue', 'in_force', 'elapsed', 'met', 'ended', 'lapsed', 'uncomputable'],
  trafficking: ['yes', 'no', 'undetermined'],
  answer: ['yes', 'no', 'unknown'],
  // referrals (docs/referrals.md): states, events, sides, completion outcomes, the summary's
  // age bands and the person fields a referral type may share
  referral_status: ['draft', 'sent', 'acknowledged', 'accepted', 'declined', 'in_progress', 'completed',
    'closed', 'cancelled', 'expired'],
  referral_event: ['send', 'acknowledge', 'accept', 'decline', 'start', 'complete', 'close', 'cancel', 'expire'],
  referral_side: ['sender', 'receiver', 'system'],
  referral_outcome: ['service_provided', 'partly_provided', 'not_provided', 'person_withdrew'],
  age_band: ['0_4', '5_11', '12_14', '15_17', '18_24', '25_59', '60_plus', 'unknown'],
  referral_field: ['names', 'date_of_birth', 'sex', 'languages', 'nationalities', 'contacts', 'documents'],
  // where an incoming referral came from (POST /api/v1/referrals/incoming)
  referral_source: ['hotline', 'organisation', 'self', 'other'],
  goal_status: ['planned', 'in_progress', 'achieved', 'discontinued'],
  goal_move: ['in_progress', 'achieved', 'discontinued', 'planned'],
  notification: ['task.assigned', 'approval.pending', 'referral.received', 'deadline.overdue',
    'case_approval.pending', 'referral.overdue', 'report.received',
    'report.overdue', 'match.elsewhere', 'dedup.elsewhere',
    'tracing.match', 'tracing.status'],
  approval_kind: ['closure', 'consent_override', 'break_glass_review', 'transfer', 'reopen'],
  approval_status: ['pending', 'approved', 'rejected'],
  // why a case is on legal hold (src/casework/retention.c)
  hold_reason: ['criminal_proceedings', 'civil_proceedings', 'immigration_proceedings',
    'identification_review', 'complaint'],
  // a subject-access export's sections and why a member is marked for redaction
  // (src/refer/subject_access.c)
  subject_section: ['case', 'person', 'notes', 'consents', 'needs', 'tasks', 'screenings', 'decisions',
    'deadlines', 'referrals', 'audit'],
  redaction_reason: ['third_party', 'staff', 'staff_note'],
  redaction_hint: ['third_party', 'staff', 'staff_note'],
  // family tracing (src/casework/tracing.c): the request's status as a word and as what the
  // requester's side is told, a match's state, how the relationship was verified, the
  // best-interests assessment's outcome, and what approving contact still lacks
  tracing_status: ['open', 'possible_match', 'verifying', 'contact_approved', 'contact_declined', 'closed'],
  tracing_says: ['open', 'possible_match', 'verifying', 'contact_approved', 'contact_declined', 'closed'],
  match_state: ['proposed', 'verifying', 'ruled_out', 'contact_approved', 'contact_declined'],
  verify_method: ['documents', 'questions', 'child_recognised'],
  bia_outcome: ['contact_in_best_interests', 'contact_not_in_best_interests'],
  tracing_missing: ['verification', 'best_interests'],
};

// Roles that work with cases: the policy's STAFF (src/access/policy.c). The others see no
// caseload (the API would answer 403).
export const CASE_ROLES = ['screener', 'identifier', 'caseworker', 'focal_point', 'supervisor'];
