// Consent, the guardian check and acting without consent through the API (issue 6, items 4
// and 15), on the server that runs under England and Wales (SP_BASE6): a guardian's consent
// whose giver the child must be kept from (people to avoid, a family link flagged suspected
// exploiter) is a 409 at /given_by_name with reason person_to_avoid, the name nowhere in the
// answer; family links are written and read with the person, need-to-know; an adult who refused
// is reported anonymously: the override is refused without a basis (the Council of Europe
// default), asked, approved by a supervisor (four eyes), and the receiving side's every answer
// — the referral, its inbox row, its notification, the printable form of one not on
// safepath — carries no member outside a hand-written allow-list and none of the person's
// values, the case's number or the case's and person's ids.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const GB = process.env.SP_BASE6;
const AUTHORITY = '01900000-0000-7000-8000-000000000941';
const PAPER_AUTHORITY = '01900000-0000-7000-8000-000000000942';
const DIRECTORY = {
  organization: [
    { id: '01900000-0000-7000-8000-000000000931', name: 'Consent Test Authority', x_safepath_agency: 'SHL' },
    { id: '01900000-0000-7000-8000-000000000932', name: 'Consent Test Paper Authority' },
  ],
  service: [
    { id: AUTHORITY, organization_id: '01900000-0000-7000-8000-000000000931', name: 'Duty to notify desk',
      status: 'active', x_kinds: ['duty_to_notify'], x_referral_route: 'direct' },
    { id: PAPER_AUTHORITY, organization_id: '01900000-0000-7000-8000-000000000932', name: 'Duty to notify by post',
      status: 'active', x_kinds: ['duty_to_notify'], x_referral_route: 'direct' },
  ],
};
// The adult's values that must never reach the receiving side, written by hand.
const ADULT = {
  names: [{ role: 'given', romanised: 'Ravenna' }, { role: 'family', romanised: 'Quillfeather' }],
  sex: 'female', date_of_birth: { date: '1988-07-19' }, languages: ['ti'], nationalities: ['ER'],
  contacts: [{ kind: 'phone', value: '+4915198765432' }],
  documents: [{ type: 'passport', country: 'ER', number: 'P7741903' }],
};
const IDENTITY = ['Ravenna', 'Quillfeather', '1988', '+4915198765432', 'P7741903'];
// What the receiving side of an anonymous report may see, written by hand: the referral's own
// workflow (case_id and need_id null), the summary without the language, the events.
const ANON_TOP = ['id', 'case_id', 'need_id', 'service_id', 'organization_id', 'provider_agency_id',
  'on_safepath', 'agency_id', 'type', 'urgency', 'status', 'profile', 'reason', 'outcome', 'source',
  'due_at', 'created_at', 'updated_at', 'version', 'view', 'events', 'summary'];
const ANON_SUMMARY = { need: 'safe_shelter', urgency: 'routine', age_band: '25_59', sex: 'female', language: null };
const EVENT = ['event', 'from', 'to', 'side', 'manual', 'actor', 'agency_id', 'at', 'reason'];

let cw; let sup; let provider; let shl;
const w = (s, opts) => ({ cookie: s.cookie, csrf: s.csrf, base: GB, ...opts });
const ifMatch = (v) => ({ 'if-match': `"${v}"` });

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  provider = await login('demo.provider', PW);
  const admin = await login('demo.admin', PW);
  shl = (await request('GET', '/api/v1/agencies?limit=100', admin)).json.items.find((a) => a.code === 'SHL');
  const imp = await request('POST', '/api/v1/services', { ...sup, body: DIRECTORY });
  assert.equal(imp.status, 201, imp.text);
});

async function newCase(person, flags) {
  const c = await request('POST', '/api/v1/cases', w(cw, { body: flags ? { person, flags } : { person } }));
  assert.equal(c.status, 201, c.text);
  const n = await request('POST', `/api/v1/cases/${c.json.id}/needs`, w(cw, { body: { kind: 'safe_shelter' } }));
  assert.equal(n.status, 201, n.text);
  return [c.json, n.json];
}

async function consent(c, body, status = 201) {
  const res = await request('POST', `/api/v1/cases/${c.id}/consents`,
    w(cw, { body: { status: 'given', method: 'written', by: 'person', ...body } }));
  assert.equal(res.status, status, res.text);
  return res;
}

// Nothing of the person or the case in an answer to the receiving side.
function anonymous(text, kase) {
  for (const v of [...IDENTITY, kase.number, kase.id, kase.person_id]) {
    assert.ok(!text.includes(v), `the receiving side's answer holds ${v}`);
  }
}

function allowedReport(ref) {
  for (const k of Object.keys(ref)) assert.ok(ANON_TOP.includes(k), `member ${k} shown to the receiving side`);
  assert.equal(ref.view, 'receiver');
  assert.equal(ref.case_id, null);
  assert.equal(ref.need_id, null);
  assert.deepEqual(ref.profile, []);
  assert.deepEqual(ref.summary, ANON_SUMMARY);
  for (const e of ref.events ?? []) for (const k of Object.keys(e)) assert.ok(EVENT.includes(k), `event.${k}`);
}

test('a guardian the child must be kept from: 409 at /given_by_name, the name nowhere, audited', async () => {
  const child = {
    names: [{ role: 'given', romanised: 'Tewelde' }], sex: 'male', date_of_birth: { date: '2014-05-01' },
    safety: { people_to_avoid: 'Berhane Okbit\nthe man at the garage',
      family: [{ relationship: 'aunt_uncle', name: 'Senait Gebru', suspected_exploiter: true },
        { relationship: 'mother', name: 'Letay Gebru' }] },
  };
  const [kase] = await newCase(child, ['unaccompanied_child']);
  // family links: written with the person, read back by the caseworker (need-to-know)
  const got = await request('GET', `/api/v1/cases/${kase.id}`, w(cw));
  assert.deepEqual(got.json.person.safety.family, [
    { relationship: 'aunt_uncle', name: 'Senait Gebru', suspected_exploiter: true },
    { relationship: 'mother', name: 'Letay Gebru', suspected_exploiter: false }]);
  const body = { purpose: 'referral', scope_agency: shl.id, by: 'guardian', child_assent: 'given' };
  for (const name of ['GEBRU senait', 'Okbit Berhane', 'Berhane  Okbit Tesfom']) {
    const res = await consent(kase, { ...body, given_by_name: name }, 409);
    assertProblem(assert, res, 409, 'conflict');
    assert.equal(res.json.reason, 'person_to_avoid');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/given_by_name']);
    for (const part of name.split(/\s+/)) assert.ok(!res.text.toLowerCase().includes(part.toLowerCase()), part);
  }
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'consent.add' AND reason = 'denied:person_to_avoid'`), ['3']);
  const missing = await consent(kase, body, 400);
  assert.deepEqual(missing.json.errors.map((e) => e.pointer), ['/given_by_name']);
  // the mother is not flagged: her consent holds
  const ok = await consent(kase, { ...body, given_by_name: 'Letay Gebru' });
  assert.equal(ok.json.given_by_name, 'Letay Gebru');
  // family links are need-to-know: a bad one named by its pointer, nothing written
  const bad = await request('PATCH', `/api/v1/cases/${kase.id}`, w(cw, {
    body: { person: { ...got.json.person, safety: { family: [{ relationship: 'cousin', name: 'X Y' }] } } },
    headers: ifMatch(got.json.version) }));
  assert.equal(bad.status, 400, bad.text);
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/person/safety/family/0/relationship']);
});

let kase; let need; let report; let approval;

test('an adult who refused: the anonymous report waits for a basis, then for a supervisor', async () => {
  [kase, need] = await newCase(ADULT);
  await consent(kase, { purpose: 'referral', scope_agency: shl.id, status: 'refused' });
  const made = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    w(cw, { body: { need_id: need.id, service_id: AUTHORITY } }));
  assert.equal(made.status, 201, made.text);
  report = made.json;
  assert.equal(report.type, 'duty_to_notify');
  assert.deepEqual(report.profile, []);
  const send = await request('POST', `/api/v1/referrals/${report.id}/events`,
    w(cw, { body: { event: 'send' }, headers: ifMatch(report.version) }));
  assert.equal(send.status, 409, send.text);
  assert.deepEqual(send.json.errors.map((e) => e.pointer), ['/consent']);
  // the Council of Europe default gives no basis; a basis must be named and known
  const path = `/api/v1/referrals/${report.id}/override`;
  const coe = await request('POST', path, { ...w(cw, { body: { basis: 'duty_to_notify' }, headers: ifMatch(report.version) }), base: undefined });
  assert.equal(coe.status, 409, coe.text);
  assert.deepEqual(coe.json.errors.map((e) => e.pointer), ['/basis']);
  const unknown = await request('POST', path, w(cw, { body: { basis: 'necessity' }, headers: ifMatch(report.version) }));
  assert.equal(unknown.status, 400, unknown.text);
  const child = await request('POST', path, w(cw, { body: { basis: 'child_without_consent' }, headers: ifMatch(report.version) }));
  assert.equal(child.status, 400, child.text);
  assert.match(child.json.errors[0].reason, /not a child/);
  const noMatch = await request('POST', path, w(cw, { body: { basis: 'duty_to_notify' } }));
  assert.equal(noMatch.status, 428, noMatch.text);
  // asked: the basis on the referral with the jurisdiction's id and version, an approval waits
  const res = await request('POST', path, w(cw, {
    body: { basis: 'duty_to_notify', note: 'She fears the employer; no details to the Home Office.' },
    headers: ifMatch(report.version) }));
  assert.equal(res.status, 200, res.text);
  report = res.json.referral;
  approval = res.json.approval;
  assert.deepEqual(report.legal_basis, { basis: 'duty_to_notify', jurisdiction: 'gb-eng-wls', version: '1.0.0' });
  assert.equal(approval.kind, 'consent_override');
  assert.equal(approval.status, 'pending');
  assert.equal(approval.object, report.id);
  assert.equal(approval.reason, 'duty_to_notify');
  assert.deepEqual(approval.payload, { referral: report.id, basis: 'duty_to_notify', jurisdiction: 'gb-eng-wls',
    jurisdiction_version: '1.0.0' });
  const again = await request('POST', path, w(cw, { body: { basis: 'duty_to_notify' }, headers: ifMatch(report.version) }));
  assert.equal(again.status, 409, again.text);
  const waits = await request('POST', `/api/v1/referrals/${report.id}/events`,
    w(cw, { body: { event: 'send' }, headers: ifMatch(report.version) }));
  assert.equal(waits.status, 409, waits.text);
  assert.match(waits.json.detail, /waits for a supervisor's approval/);
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'referral.override' AND reason = 'duty_to_notify'`), ['1']);
});

test('the supervisor approves; the report goes; the authority sees no identity anywhere', async () => {
  const own = await request('POST', `/api/v1/approvals/${approval.id}/decision`,
    w(cw, { body: { decision: 'approve' }, headers: ifMatch(approval.version) }));
  assert.equal(own.status, 403, own.text);
  const ok = await request('POST', `/api/v1/approvals/${approval.id}/decision`,
    w(sup, { body: { decision: 'approve' }, headers: ifMatch(approval.version) }));
  assert.equal(ok.status, 200, ok.text);
  const sent = await request('POST', `/api/v1/referrals/${report.id}/events`,
    w(cw, { body: { event: 'send' }, headers: ifMatch(report.version) }));
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json.status, 'sent');
  const full = await request('GET', `/api/v1/cases/${kase.id}`, w(cw));
  kase = full.json;
  // the referral, then its inbox row, as the authority reads them
  const one = await request('GET', `/api/v1/referrals/${report.id}`, w(provider));
  assert.equal(one.status, 200, one.text);
  allowedReport(one.json);
  anonymous(one.text, kase);
  const inbox = await request('GET', '/api/v1/referrals?box=incoming&limit=200', w(provider));
  const row = inbox.json.items.find((r) => r.id === report.id);
  assert.ok(row, 'the report is in the authority\'s inbox');
  allowedReport(row);
  anonymous(JSON.stringify(row), kase);
  // its notification names no case
  const notes = await request('GET', '/api/v1/me/notifications?limit=50', w(provider));
  const n = notes.json.items.find((x) => x.object_id === report.id);
  assert.equal(n.kind, 'report.received');
  assert.equal(n.case_id, null);
  anonymous(JSON.stringify(n), kase);
  // accepted: still nothing of the person
  for (const event of ['acknowledge', 'accept']) {
    const cur = (await request('GET', `/api/v1/referrals/${report.id}`, w(provider))).json;
    const moved = await request('POST', `/api/v1/referrals/${report.id}/events`,
      w(provider, { body: { event }, headers: ifMatch(cur.version) }));
    assert.equal(moved.status, 200, moved.text);
    allowedReport(moved.json);
    anonymous(moved.text, kase);
  }
  const accepted = await request('GET', `/api/v1/referrals/${report.id}`, w(provider));
  allowedReport(accepted.json);
  assert.equal(accepted.json.person, undefined);
  anonymous(accepted.text, kase);
  // the case itself stays closed to the authority
  const page = await request('GET', `/api/v1/cases/${kase.id}`, w(provider));
  assert.equal(page.status, 403, page.text);
});

test('an authority not on safepath: the printable report holds no identity either', async () => {
  await consent(kase, { purpose: 'services', status: 'refused' });
  const made = await request('POST', `/api/v1/cases/${kase.id}/referrals`,
    w(cw, { body: { need_id: need.id, service_id: PAPER_AUTHORITY } }));
  assert.equal(made.status, 201, made.text);
  let paper = made.json;
  const asked = await request('POST', `/api/v1/referrals/${paper.id}/override`,
    w(cw, { body: { basis: 'duty_to_notify' }, headers: ifMatch(paper.version) }));
  assert.equal(asked.status, 200, asked.text);
  paper = asked.json.referral;
  const a = asked.json.approval;
  const ok = await request('POST', `/api/v1/approvals/${a.id}/decision`,
    w(sup, { body: { decision: 'approve' }, headers: ifMatch(a.version) }));
  assert.equal(ok.status, 200, ok.text);
  const sent = await request('POST', `/api/v1/referrals/${paper.id}/events`,
    w(cw, { body: { event: 'send' }, headers: ifMatch(paper.version) }));
  assert.equal(sent.status, 200, sent.text);
  const print = await request('GET', `/api/v1/referrals/${paper.id}/print`, w(cw));
  assert.equal(print.status, 200, print.text);
  allowedReport(print.json);
  anonymous(print.text, kase);
});
