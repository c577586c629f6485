// Referrals through the API (issue 6, items 3 to 7 and 16): a draft from a need (201, Location,
// Idempotency-Key), the send refused without the person's consent (409 naming /consent) and
// needing If-Match, the due date of the acknowledgement by urgency (the Council of Europe file:
// urgent, 4 hours), the provider's answers, feedback back to the caseworker, a decline proposing
// the next services, a provider not on safepath (printable referral, manual answers), who may,
// and minimisation: for every provider-facing route the JSON holds no member outside a
// hand-written allow-list per state, and access ends when the referral ends. The person's name
// and the feedback are SECRET values: after/data.check.mjs finds them nowhere on disk in clear.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
// A directory of our own: services no other test searches for (needs guardianship and
// family_tracing), so the service tests' counts and searches stay theirs.
const GUARDIANS = '01900000-0000-7000-8000-000000000911';
const GUARDIANS_TOO = '01900000-0000-7000-8000-000000000912';
const TRACING = '01900000-0000-7000-8000-000000000913';
const DIRECTORY = {
  organization: [
    { id: '01900000-0000-7000-8000-000000000901', name: 'Referral Test Guardians', x_safepath_agency: 'SHL' },
    { id: '01900000-0000-7000-8000-000000000902', name: 'Referral Test Tracing' },
  ],
  service: [
    { id: GUARDIANS, organization_id: '01900000-0000-7000-8000-000000000901', name: 'Guardians North',
      status: 'active', x_kinds: ['guardianship_service'], x_needs: ['guardianship'], x_referral_route: 'direct' },
    { id: GUARDIANS_TOO, organization_id: '01900000-0000-7000-8000-000000000901', name: 'Guardians South',
      status: 'active', x_kinds: ['guardianship_service'], x_needs: ['guardianship'], x_referral_route: 'direct' },
    { id: TRACING, organization_id: '01900000-0000-7000-8000-000000000902', name: 'Tracing Desk',
      status: 'active', x_kinds: ['family_tracing_service'], x_needs: ['family_tracing'], x_referral_route: 'direct' },
  ],
  // the person speaks Tigrinya: the search from her case looks for it
  language: [
    { id: '01900000-0000-7000-8000-000000000921', service_id: GUARDIANS, code: 'ti' },
    { id: '01900000-0000-7000-8000-000000000922', service_id: GUARDIANS_TOO, code: 'ti' },
  ],
};

// What a provider may ever see, written by hand: the referral's own workflow members, its
// summary before acceptance, and once accepted the profile's person fields.
const WORKFLOW = ['id', 'case_id', 'need_id', 'service_id', 'organization_id', 'provider_agency_id',
  'on_safepath', 'agency_id', 'type', 'urgency', 'status', 'profile', 'reason', 'outcome', 'source',
  'due_at', 'created_at', 'updated_at', 'version', 'view', 'events'];
const SUMMARY = ['need', 'urgency', 'age_band', 'sex', 'language'];
const GUARDIAN_PROFILE = ['names', 'date_of_birth', 'sex', 'languages', 'nationalities', 'contacts', 'documents'];
const EVENT = ['event', 'from', 'to', 'side', 'manual', 'actor', 'agency_id', 'at', 'reason'];

let cw; let ident; let provider; let sup; let shl; let kase; let need;

const write = (s, opts) => ({ cookie: s.cookie, csrf: s.csrf, ...opts });
const ifMatch = (v) => ({ 'if-match': `"${v}"` });

// Every member of a provider's referral inside the allow-list of its state.
function allowed(ref, state) {
  // lists and the answers to events show no person; GET shows it once accepted
  const top = state === 'accepted' ? [...WORKFLOW, 'summary', 'person'] : [...WORKFLOW, 'summary'];
  for (const k of Object.keys(ref)) assert.ok(top.includes(k), `member ${k} shown to the provider (${state})`);
  assert.equal(ref.view, 'receiver');
  for (const k of Object.keys(ref.summary ?? {})) assert.ok(SUMMARY.includes(k), `summary.${k}`);
  for (const e of ref.events ?? []) for (const k of Object.keys(e)) assert.ok(EVENT.includes(k), `event.${k}`);
  if (state === 'accepted') {
    for (const k of Object.keys(ref.person)) assert.ok(GUARDIAN_PROFILE.includes(k), `person.${k}`);
  } else {
    assert.equal(ref.person, undefined); // before acceptance, and in the answer to an event
  }
  assert.equal(ref.feedback, undefined);
}

async function fire(s, ref, body) {
  return request('POST', `/api/v1/referrals/${ref.id}/events`,
    write(s, { body, headers: ifMatch(ref.version) }));
}

async function must(s, ref, body, status) {
  const res = await fire(s, ref, body);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, status);
  return res.json;
}

async function newCase(person) {
  const c = await request('POST', '/api/v1/cases', write(cw, { body: { person } }));
  assert.equal(c.status, 201, c.text);
  const n = await request('POST', `/api/v1/cases/${c.json.id}/needs`, write(cw, { body: { kind: 'guardianship' } }));
  assert.equal(n.status, 201, n.text);
  return [c.json, n.json];
}

async function consent(c, body) {
  const res = await request('POST', `/api/v1/cases/${c.id}/consents`,
    write(cw, { body: { status: 'given', method: 'verbal', by: 'person', ...body } }));
  assert.equal(res.status, 201, res.text);
}

const PERSON = {
  names: [{ role: 'given', romanised: 'Referrina' }, { role: 'family', romanised: SECRET.referred }],
  sex: 'female', date_of_birth: { date: '1994-02-03' }, languages: ['ti'], nationalities: ['ER'],
  contacts: [{ kind: 'phone', value: '+4915112345670' }],
};

before(async () => {
  cw = await login('demo.caseworker', PW);
  ident = await login('demo.identifier', PW);
  provider = await login('demo.provider', PW);
  sup = await login('demo.supervisor', PW);
  const admin = await login('demo.admin', PW);
  const agencies = await request('GET', '/api/v1/agencies?limit=100', admin);
  shl = agencies.json.items.find((a) => a.code === 'SHL');
  // imported by the supervisor: the service tests count the focal point's own import
  const imp = await request('POST', '/api/v1/services', { ...sup, body: DIRECTORY });
  assert.equal(imp.status, 201, imp.text);
  [kase, need] = await newCase(PERSON);
});

let ref;

test('a draft from a need: 201, Location, the type\'s profile; a repeated key makes nothing new', async () => {
  const key = `ref-${Math.random().toString(36).slice(2)}`;
  const body = { need_id: need.id, service_id: GUARDIANS, urgency: 'urgent' };
  const res = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(cw, { body, headers: { 'idempotency-key': key } }));
  assert.equal(res.status, 201, res.text);
  ref = res.json;
  assert.equal(res.headers.get('location'), `/api/v1/referrals/${ref.id}`);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.equal(ref.status, 'draft');
  assert.equal(ref.type, 'guardianship_service');
  assert.equal(ref.provider_agency_id, shl.id);
  assert.equal(ref.on_safepath, true);
  assert.deepEqual(ref.profile, GUARDIAN_PROFILE);
  assert.deepEqual(ref.summary, { need: 'guardianship', urgency: 'urgent', age_band: '25_59', sex: 'female', language: 'ti' });
  assert.equal(ref.due_at, null);
  const again = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(cw, { body, headers: { 'idempotency-key': key } }));
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, ref.id);
  assert.deepEqual(sql(`SELECT count(*) FROM referrals WHERE status = 'draft' AND type = 'guardianship_service' AND urgency = 'urgent'`), ['1']);
});

test('bad drafts name their field; a colleague not assigned may not draft', async () => {
  const bad = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(cw, { body: { need_id: need.id, service_id: GUARDIANS, urgency: 'whenever' } }));
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/urgency']);
  const wrong = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(cw, { body: { need_id: need.id, service_id: TRACING, type: 'guardianship_service' } }));
  assertProblem(assert, wrong, 400, 'validation');
  assert.deepEqual(wrong.json.errors.map((e) => e.pointer), ['/service']);
  const other = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(ident, { body: { need_id: need.id, service_id: GUARDIANS } }));
  assertProblem(assert, other, 403, 'forbidden');
  assert.equal(other.json.reason, 'not_assigned');
});

test('a draft gives the provider nothing; sending needs If-Match and the person\'s consent', async () => {
  const peek = await request('GET', `/api/v1/referrals/${ref.id}`, { cookie: provider.cookie });
  assertProblem(assert, peek, 403, 'forbidden');
  assert.equal(peek.json.reason, 'no_referral');
  const noTag = await request('POST', `/api/v1/referrals/${ref.id}/events`, write(cw, { body: { event: 'send' } }));
  assertProblem(assert, noTag, 428, 'precondition-required');
  const refused = await fire(cw, ref, { event: 'send' });
  assertProblem(assert, refused, 409, 'conflict');
  assert.deepEqual(refused.json.errors.map((e) => e.pointer), ['/consent']);
  assert.match(refused.json.detail, /no consent for referral to the provider's agency/);
  await consent(kase, { purpose: 'referral', scope_agency: shl.id });
  const sent = await must(cw, ref, { event: 'send' }, 'sent');
  // urgent under the Council of Europe file: acknowledged within 4 hours of the sending
  assert.equal(Date.parse(sent.due_at) - Date.parse(sent.updated_at), 4 * 3600 * 1000);
  const stale = await fire(cw, ref, { event: 'cancel' });
  assertProblem(assert, stale, 412, 'precondition-failed');
  ref = sent;
  assert.deepEqual(sql(`SELECT status FROM needs WHERE kind = 'guardianship' AND status = 'referred'`).length >= 1, true);
});

test('expiry: a supervisor expires what is past due and nothing else; others may not', async () => {
  for (const who of [cw, provider]) {
    const refused = await request('POST', '/api/v1/referrals/expiry', write(who, {}));
    assertProblem(assert, refused, 403, 'forbidden');
  }
  // what is due before now, read from the store itself (other test files share it)
  const overdue = (when) => Number(sql(`SELECT count(*) FROM referrals WHERE agency_id = ${blob(ref.agency_id)}
    AND status IN ('sent', 'acknowledged') AND due_us < ${when * 1000}`)[0]);
  const before = overdue(Date.now());
  const res = await request('POST', '/api/v1/referrals/expiry', write(sup, {}));
  assert.equal(res.status, 200, res.text);
  assert.ok(res.json.expired >= before, `${res.json.expired} expired, ${before} were due`);
  assert.equal(overdue(Date.now()), 0);
  // the referral sent just now, due in 4 hours, is left as it is
  const still = await request('GET', `/api/v1/referrals/${ref.id}`, cw);
  assert.equal(still.json.status, 'sent');
});

test('before acceptance the provider sees the summary and the workflow only, on every route', async () => {
  const one = await request('GET', `/api/v1/referrals/${ref.id}`, { cookie: provider.cookie });
  assert.equal(one.status, 200, one.text);
  allowed(one.json, 'pending');
  assert.deepEqual(one.json.summary, { need: 'guardianship', urgency: 'urgent', age_band: '25_59', sex: 'female', language: 'ti' });
  const inbox = await request('GET', '/api/v1/referrals?box=incoming', { cookie: provider.cookie });
  assert.equal(inbox.status, 200, inbox.text);
  const row = inbox.json.items.find((r) => r.id === ref.id);
  assert.ok(row, 'the referral is in the provider\'s inbox');
  for (const r of inbox.json.items) allowed(r, 'listed');
  const list = await request('GET', `/api/v1/cases/${kase.id}/referrals`, { cookie: provider.cookie });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((r) => r.id), [ref.id]);
  allowed(list.json.items[0], 'pending');
  const page = await request('GET', `/api/v1/cases/${kase.id}`, { cookie: provider.cookie });
  assertProblem(assert, page, 403, 'forbidden');
  assert.equal(page.json.reason, 'referral_pending');
  const notes = await request('GET', `/api/v1/cases/${kase.id}/notes`, { cookie: provider.cookie });
  assertProblem(assert, notes, 403, 'forbidden');
  // the sender may not answer for a provider on safepath; the provider may not send
  const manual = await fire(cw, ref, { event: 'acknowledge', manual: true });
  assertProblem(assert, manual, 400, 'validation');
  const cancel = await fire(provider, ref, { event: 'cancel' });
  assertProblem(assert, cancel, 403, 'forbidden');
});

test('accepted: the profile\'s fields of the person and nothing else; feedback back to the caseworker', async () => {
  ref = await must(provider, ref, { event: 'acknowledge' }, 'acknowledged');
  assert.equal(Date.parse(ref.due_at) - Date.parse(ref.updated_at), 24 * 3600 * 1000);
  const early = await fire(provider, ref, { event: 'complete', outcome: 'service_provided' });
  assertProblem(assert, early, 409, 'conflict');
  ref = await must(provider, ref, { event: 'accept' }, 'accepted');
  const one = await request('GET', `/api/v1/referrals/${ref.id}`, { cookie: provider.cookie });
  assert.equal(one.status, 200, one.text);
  allowed(one.json, 'accepted');
  assert.deepEqual(one.json.person.names, PERSON.names);
  assert.deepEqual(one.json.person.nationalities, ['ER']);
  assert.equal(one.json.person.safety, undefined);
  const page = await request('GET', `/api/v1/cases/${kase.id}`, { cookie: provider.cookie });
  assertProblem(assert, page, 403, 'forbidden');
  assert.equal(page.json.reason, 'not_in_profile');
  ref = await must(provider, ref, { event: 'start' }, 'in_progress');
  const done = await fire(provider, ref, { event: 'complete', outcome: 'service_provided',
    feedback: SECRET.feedback });
  assert.equal(done.status, 200, done.text);
  allowed(done.json, 'answer');
  ref = done.json;
  const back = await request('GET', `/api/v1/referrals/${ref.id}`, { cookie: cw.cookie });
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.view, 'sender');
  assert.equal(back.json.outcome, 'service_provided');
  assert.equal(back.json.feedback, SECRET.feedback); // sealed on disk: after/data.check.mjs
  assert.deepEqual(back.json.events.map((e) => [e.event, e.side]), [['send', 'sender'],
    ['acknowledge', 'receiver'], ['accept', 'receiver'], ['start', 'receiver'], ['complete', 'receiver']]);
  assert.equal(back.json.person, undefined);
});

test('closed: the provider\'s access ends on every route', async () => {
  ref = await must(cw, ref, { event: 'close' }, 'closed');
  const one = await request('GET', `/api/v1/referrals/${ref.id}`, { cookie: provider.cookie });
  assertProblem(assert, one, 403, 'forbidden');
  assert.equal(one.json.reason, 'no_referral');
  const inbox = await request('GET', '/api/v1/referrals?box=incoming', { cookie: provider.cookie });
  assert.equal(inbox.status, 200, inbox.text);
  assert.equal(inbox.json.items.find((r) => r.id === ref.id), undefined);
  const list = await request('GET', `/api/v1/cases/${kase.id}/referrals`, { cookie: provider.cookie });
  assertProblem(assert, list, 403, 'forbidden');
  assert.equal(list.json.reason, 'no_referral');
  const page = await request('GET', `/api/v1/cases/${kase.id}`, { cookie: provider.cookie });
  assertProblem(assert, page, 403, 'forbidden');
  assert.equal(page.json.reason, 'no_referral');
  const outgoing = await request('GET', '/api/v1/referrals?box=outgoing&status=closed', { cookie: cw.cookie });
  assert.equal(outgoing.status, 200, outgoing.text);
  assert.ok(outgoing.json.items.some((r) => r.id === ref.id));
  const bad = await request('GET', '/api/v1/referrals?box=sideways', { cookie: cw.cookie });
  assertProblem(assert, bad, 400, 'validation');
});

test('declined with a reason: the need is unmet again and the next services are proposed', async () => {
  const made = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    write(cw, { body: { need_id: need.id, service_id: GUARDIANS } }));
  assert.equal(made.status, 201, made.text);
  let r = await must(cw, made.json, { event: 'send' }, 'sent');
  r = await must(provider, r, { event: 'acknowledge' }, 'acknowledged');
  const noReason = await fire(provider, r, { event: 'decline' });
  assertProblem(assert, noReason, 400, 'validation');
  r = await must(provider, r, { event: 'decline', reason: 'no_capacity' }, 'declined');
  const back = await request('GET', `/api/v1/referrals/${r.id}`, { cookie: cw.cookie });
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.reason, 'no_capacity');
  const ids = back.json.next_services.map((s) => s.id);
  assert.ok(ids.includes(GUARDIANS_TOO), JSON.stringify(ids));
  assert.ok(!ids.includes(GUARDIANS));
  const gone = await request('GET', `/api/v1/referrals/${r.id}`, { cookie: provider.cookie });
  assertProblem(assert, gone, 403, 'forbidden');
});

test('a provider not on safepath: the printable referral holds the profile only; answers by hand', async () => {
  const [c, n] = await newCase(PERSON);
  const made = await request('POST', `/api/v1/cases/${c.id}/referrals`,
    write(cw, { body: { need_id: n.id, service_id: TRACING, urgency: 'routine' } }));
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.type, 'social_support');
  assert.equal(made.json.on_safepath, false);
  assert.deepEqual(made.json.profile, ['names', 'sex', 'languages', 'contacts']);
  const draftPrint = await request('GET', `/api/v1/referrals/${made.json.id}/print`, { cookie: cw.cookie });
  assertProblem(assert, draftPrint, 409, 'conflict');
  const refused = await fire(cw, made.json, { event: 'send' });
  assert.match(refused.json.detail, /no consent for services/);
  await consent(c, { purpose: 'services' });
  let r = await must(cw, made.json, { event: 'send' }, 'sent');
  const printed = await request('GET', `/api/v1/referrals/${r.id}/print`, { cookie: cw.cookie });
  assert.equal(printed.status, 200, printed.text);
  assert.deepEqual(Object.keys(printed.json.person).sort(), ['contacts', 'languages', 'names', 'sex']);
  assert.deepEqual(printed.json.person.names, PERSON.names);
  assert.equal(printed.json.person.date_of_birth, undefined);
  const byProvider = await request('GET', `/api/v1/referrals/${r.id}/print`, { cookie: provider.cookie });
  assertProblem(assert, byProvider, 403, 'forbidden');
  r = await must(cw, r, { event: 'acknowledge', manual: true }, 'acknowledged');
  r = await must(cw, r, { event: 'accept', manual: true }, 'accepted');
  const back = await request('GET', `/api/v1/referrals/${r.id}`, { cookie: cw.cookie });
  assert.deepEqual(back.json.events.map((e) => [e.event, e.side, e.manual]),
    [['send', 'sender', false], ['acknowledge', 'receiver', true], ['accept', 'receiver', true]]);
  // this referral's (consent.test.mjs prints another, at the same time)
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'referral.print' AND object_id = ${blob(r.id)} AND coalesce(reason, '') NOT LIKE 'denied%'`), ['1']);
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'referral.print' AND object_id = ${blob(c.id)} AND reason = 'denied:no_role'`), ['1']);
});

test('an incoming referral from a hotline registers the case, its need and the referral in one step', async () => {
  const key = `inc-${Math.random().toString(36).slice(2)}`;
  const body = { person: { names: [{ role: 'given', romanised: 'Hotlino' }], sex: 'male' },
    source: 'hotline', need: 'safe_shelter', urgency: 'urgent', flags: ['unaccompanied_child'] };
  const res = await request('POST', '/api/v1/referrals/incoming', write(cw, { body, headers: { 'idempotency-key': key } }));
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.get('location'), `/api/v1/referrals/${res.json.id}`);
  assert.equal(res.json.status, 'accepted');
  assert.equal(res.json.source, 'hotline');
  assert.equal(res.json.type, 'incoming');
  assert.equal(res.json.summary.need, 'safe_shelter');
  assert.deepEqual(res.json.profile, []);
  const again = await request('POST', '/api/v1/referrals/incoming', write(cw, { body, headers: { 'idempotency-key': key } }));
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, res.json.id);
  const kase = await request('GET', `/api/v1/cases/${res.json.case_id}`, { cookie: cw.cookie });
  assert.equal(kase.status, 200, kase.text);
  assert.deepEqual(kase.json.flags, ['unaccompanied_child']);
  const hotline = () => Number(sql("SELECT count(*) FROM referrals WHERE source = 'hotline'")[0]);
  const before = hotline();
  const bad = await request('POST', '/api/v1/referrals/incoming', write(cw, { body: { ...body, source: 'pigeon', need: 'spaceship' } }));
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/source']);
  const screener = await login('demo.screener', PW);
  const me = await request('GET', '/api/v1/me', { cookie: screener.cookie });
  const made = () => sql(`SELECT count(*) FROM audit_log WHERE action = 'case.create' AND actor = ${blob(me.json.id)}`);
  const madeBefore = made();
  const refused = await request('POST', '/api/v1/referrals/incoming', write(screener, { body }));
  assertProblem(assert, refused, 403, 'forbidden');
  assert.equal(refused.json.reason, 'no_role');
  assert.equal(hotline(), before);
  // the screener's case went with the refusal: no new case.create of theirs was kept, and the
  // refusal itself is on the trail
  assert.deepEqual(made(), madeBefore);
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'referral.incoming' AND reason = 'denied:no_role' AND actor = ${blob(me.json.id)}`), ['1']);
});
