// A case's life through the API: closure only through a supervisor's approval (the request,
// the queue, four eyes, a rejection with its note, If-Match on the decision, the case closed),
// reopening, break-glass (reason required, the person shown under the grant, every read
// flagged to the DPO, the review waiting), transfer (the firewall, the receiving side decides),
// reassignment with If-Match, bad bodies named by pointer, each on the audit trail; the notes
// and reasons are sealed (after/data.check.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, freshUser, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let sup; let sup2; let colleague; let kase; let me; let agencies;

const open = async (who, family) => {
  const res = await request('POST', '/api/v1/cases', {
    ...who, body: { person: { names: [{ role: 'given', romanised: 'Lifea' }, { role: 'family', romanised: family }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
};
const decide = (who, a, body, etag = `"${a.version}"`) =>
  request('POST', `/api/v1/approvals/${a.id}/decision`, { ...who, body, headers: { 'if-match': etag } });

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  sup2 = await freshUser('sup.two', 'NGO', ['supervisor']);
  colleague = await freshUser('cw.two', 'NGO', ['caseworker']);
  kase = await open(cw, 'Closova');
  me = (await request('GET', '/api/v1/me', cw)).json;
  agencies = Object.fromEntries((await request('GET', '/api/v1/agencies?limit=100', sup)).json.items
    .map((a) => [a.code, a.id]));
});

test('an update never closes a case: 409 naming /status', async () => {
  const res = await request('PATCH', `/api/v1/cases/${kase.id}`, {
    ...sup, body: { status: 'closed' }, headers: { 'if-match': `"${kase.version}"` },
  });
  assertProblem(assert, res, 409, 'conflict');
  assert.match(res.json.detail, /supervisor's approval/);
});

test('bad closure requests are 400 naming each field, and ask nothing', async () => {
  const before = Number(sql('SELECT count(*) FROM case_approvals')[0]);
  const bad = [
    [{}, ['/reason']],
    [{ reason: 'bored' }, ['/reason']],
    [{ reason: 'moved_away', follow_up: '2026-02-30' }, ['/follow_up']],
    [{ reason: 'moved_away', follow_up: '2001-01-01' }, ['/follow_up']],
    [{ reason: 'moved_away', note: ' ' }, ['/note']],
    [{ reason: 'moved_away', colour: 'red' }, ['/colour']],
  ];
  for (const [body, pointers] of bad) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/closure`, { ...cw, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, JSON.stringify(body));
  }
  assert.equal(Number(sql('SELECT count(*) FROM case_approvals')[0]), before);
});

let closure;
test('the caseworker asks; the request waits in the supervisor\'s queue, pending first', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/closure`, {
    ...cw, body: { reason: 'objectives_met', follow_up: '2099-03-01', note: SECRET.closureNote },
    headers: { 'idempotency-key': randomUUID() },
  });
  assert.equal(res.status, 201, res.text);
  closure = res.json;
  assert.equal(closure.kind, 'closure');
  assert.equal(closure.status, 'pending');
  assert.equal(closure.reason, 'objectives_met');
  assert.deepEqual(closure.payload, { follow_up: '2099-03-01' });
  assert.equal(closure.requested_by, me.id);
  assert.equal(closure.decided_at, null);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.equal(res.headers.get('location'), `/api/v1/approvals/${closure.id}`);
  // one at a time
  const again = await request('POST', `/api/v1/cases/${kase.id}/closure`, { ...cw, body: { reason: 'moved_away' } });
  assertProblem(assert, again, 409, 'conflict');
  const queue = await request('GET', '/api/v1/approvals', sup);
  assert.equal(queue.status, 200, queue.text);
  assert.equal(queue.json.items[0].status, 'pending');
  const mine = queue.json.items.find((a) => a.id === closure.id);
  assert.equal(mine.request_note, SECRET.closureNote);
  const pending = await request('GET', '/api/v1/approvals?status=pending', sup);
  assert.ok(pending.json.items.every((a) => a.status === 'pending'));
  assertProblem(assert, await request('GET', '/api/v1/approvals?status=maybe', sup), 400, 'validation');
  // a caseworker has no queue
  const denied = await request('GET', '/api/v1/approvals', cw);
  assertProblem(assert, denied, 403, 'forbidden');
  assert.equal(denied.json.reason, 'no_role');
});

test('deciding: a caseworker may not, a rejection needs a note, If-Match is required', async () => {
  const byCw = await decide(cw, closure, { decision: 'approve' });
  assertProblem(assert, byCw, 403, 'forbidden');
  assert.equal(byCw.json.reason, 'no_role');
  const noNote = await decide(sup, closure, { decision: 'reject' });
  assertProblem(assert, noNote, 400, 'validation');
  assert.deepEqual(noNote.json.errors.map((e) => e.pointer), ['/note']);
  const word = await decide(sup, closure, { decision: 'maybe' });
  assert.deepEqual(word.json.errors.map((e) => e.pointer), ['/decision']);
  const none = await request('POST', `/api/v1/approvals/${closure.id}/decision`, { ...sup, body: { decision: 'approve' } });
  assertProblem(assert, none, 428, 'precondition-required');
  assertProblem(assert, await decide(sup, closure, { decision: 'approve' }, '"9"'), 412, 'precondition-failed');
  assert.equal((await request('GET', `/api/v1/cases/${kase.id}`, cw)).json.status, 'open');
});

test('the supervisor approves: the case is closed', async () => {
  const res = await decide(sup, closure, { decision: 'approve', note: SECRET.decisionNote });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'approved');
  assert.equal(res.headers.get('etag'), '"2"');
  const got = await request('GET', `/api/v1/cases/${kase.id}`, cw);
  assert.equal(got.json.status, 'closed');
  assert.ok(got.json.closed_at);
  const twice = await decide(sup, res.json, { decision: 'reject', note: 'no' });
  assertProblem(assert, twice, 409, 'conflict');
  const list = await request('GET', `/api/v1/cases/${kase.id}/approvals`, cw);
  assert.equal(list.json.items[0].decision_note, SECRET.decisionNote);
  const one = await request('GET', `/api/v1/approvals/${closure.id}`, sup);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.headers.get('etag'), '"2"');
  assert.equal(one.json.decided_by, (await request('GET', '/api/v1/me', sup)).json.id);
  const trail = sql(`SELECT action || ':' || reason FROM audit_log WHERE object_id = ${blob(kase.id)} AND action IN ('case.closure_request', 'case.close') ORDER BY seq`);
  assert.deepEqual(trail, ['case.closure_request:objectives_met', 'case.close:objectives_met']);
});

test('four eyes: a supervisor never approves their own request; another one does', async () => {
  const k = await open(cw, 'Foureyova');
  const asked = await request('POST', `/api/v1/cases/${k.id}/closure`, { ...sup, body: { reason: 'lost_contact' } });
  assert.equal(asked.status, 201, asked.text);
  const own = await decide(sup, asked.json, { decision: 'approve' });
  assertProblem(assert, own, 403, 'forbidden');
  assert.equal(own.json.reason, 'four_eyes');
  const rej = await decide(sup2, asked.json, { decision: 'reject', note: 'She called on Monday' });
  assert.equal(rej.status, 200, rej.text);
  assert.equal(rej.json.status, 'rejected');
  assert.equal((await request('GET', `/api/v1/cases/${k.id}`, cw)).json.status, 'open');
});

test('reopening: a reason is required; the supervisor reopens at once', async () => {
  const bad = await request('POST', `/api/v1/cases/${kase.id}/reopen`, { ...sup, body: { reason: '' } });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/reason']);
  const res = await request('POST', `/api/v1/cases/${kase.id}/reopen`, { ...sup, body: { reason: 'A new threat was reported' } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.kind, 'reopen');
  assert.equal(res.json.status, 'approved');
  const got = await request('GET', `/api/v1/cases/${kase.id}`, cw);
  assert.equal(got.json.status, 'active');
  assert.equal(got.json.closed_at, null);
  assertProblem(assert, await request('POST', `/api/v1/cases/${kase.id}/reopen`, { ...sup, body: { reason: 'again' } }), 409, 'conflict');
});

test('break-glass: reason required; the person shown under the grant, flagged to the DPO', async () => {
  const k = await open(cw, 'Glassova');
  const before = await request('GET', `/api/v1/cases/${k.id}`, colleague);
  assert.equal(before.status, 200, before.text);
  assert.equal(before.json.person, undefined);
  const none = await request('POST', `/api/v1/cases/${k.id}/break-glass`, { ...colleague, body: { reason: '  ' } });
  assertProblem(assert, none, 400, 'validation');
  assert.deepEqual(none.json.errors.map((e) => e.pointer), ['/reason']);
  const res = await request('POST', `/api/v1/cases/${k.id}/break-glass`, { ...colleague, body: { reason: SECRET.glassReason } });
  assert.equal(res.status, 201, res.text);
  const minutes = (Date.parse(res.json.expires_at) - Date.parse(res.json.granted_at)) / 60000;
  assert.equal(minutes, 240);
  const during = await request('GET', `/api/v1/cases/${k.id}`, colleague);
  assert.deepEqual(during.json.person.names.map((n) => n.romanised), ['Lifea', 'Glassova']);
  const flags = sql(`SELECT flags FROM audit_log WHERE object_id = ${blob(k.id)} AND action IN ('case.break_glass', 'case.read') AND reason = 'break_glass' ORDER BY seq`);
  assert.deepEqual(flags.map(Number), [3, 3]);
  // notes stay need-to-know; the assigned caseworker needs no glass
  assertProblem(assert, await request('GET', `/api/v1/cases/${k.id}/notes`, colleague), 403, 'forbidden');
  assertProblem(assert, await request('POST', `/api/v1/cases/${k.id}/break-glass`, { ...cw, body: { reason: 'x' } }), 409, 'conflict');
  // the review waits for the supervisor
  const reviews = await request('GET', '/api/v1/approvals?status=pending', sup);
  const review = reviews.json.items.find((a) => a.id === res.json.review);
  assert.equal(review.kind, 'break_glass_review');
  assert.equal(review.object, res.json.id);
  // across the firewall: an immigration screener never breaks glass
  const imm = await login('demo.screener', PW);
  const fw = await request('POST', `/api/v1/cases/${k.id}/break-glass`, { ...imm, body: { reason: 'Border alert' } });
  assertProblem(assert, fw, 403, 'forbidden');
  assert.equal(fw.json.reason, 'firewall');
});

test('transfer: the firewall holds, the receiving agency decides', async () => {
  const k = await open(cw, 'Transferova');
  const byCw = await request('POST', `/api/v1/cases/${k.id}/transfer`, { ...cw, body: { to_agency: agencies.CPA } });
  assertProblem(assert, byCw, 403, 'forbidden');
  const fw = await request('POST', `/api/v1/cases/${k.id}/transfer`, { ...sup, body: { to_agency: agencies.IMM } });
  assertProblem(assert, fw, 403, 'forbidden');
  assert.equal(fw.json.reason, 'firewall');
  const own = await request('POST', `/api/v1/cases/${k.id}/transfer`, { ...sup, body: { to_agency: agencies.NGO } });
  assert.deepEqual(own.json.errors.map((e) => e.pointer), ['/to_agency']);
  const junk = await request('POST', `/api/v1/cases/${k.id}/transfer`, { ...sup, body: { to_agency: 'nowhere' } });
  assert.deepEqual(junk.json.errors.map((e) => e.pointer), ['/to_agency']);
  const res = await request('POST', `/api/v1/cases/${k.id}/transfer`, { ...sup, body: { to_agency: agencies.CPA, note: SECRET.transferNote } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.kind, 'transfer');
  assert.equal(res.json.agency, agencies.CPA);
  assert.deepEqual(res.json.payload, { to_agency: agencies.CPA });
  // not the owning side's to decide; not in its queue either
  const decided = await decide(sup2, res.json, { decision: 'approve' });
  assertProblem(assert, decided, 403, 'forbidden');
  assert.equal(decided.json.reason, 'other_agency');
  const q = await request('GET', '/api/v1/approvals?status=pending', sup);
  assert.ok(!q.json.items.some((a) => a.id === res.json.id));
  assert.equal((await request('GET', `/api/v1/cases/${k.id}`, cw)).json.agency, agencies.NGO);
});

test('reassignment: the supervisor, with If-Match; the new assignee must work on the case', async () => {
  const k = await open(cw, 'Reassignova');
  const path = `/api/v1/cases/${k.id}/reassign`;
  assertProblem(assert, await request('POST', path, { ...cw, body: { assigned: colleague.id }, headers: { 'if-match': '"1"' } }), 403, 'forbidden');
  assertProblem(assert, await request('POST', path, { ...sup, body: { assigned: colleague.id } }), 428, 'precondition-required');
  const coord = (await request('GET', '/api/v1/me', await login('demo.coordinator', PW))).json;
  const outside = await request('POST', path, { ...sup, body: { assigned: coord.id }, headers: { 'if-match': '"1"' } });
  assert.deepEqual(outside.json.errors.map((e) => e.pointer), ['/assigned']);
  const res = await request('POST', path, { ...sup, body: { assigned: colleague.id }, headers: { 'if-match': '"1"' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.assigned, colleague.id);
  assert.equal(res.headers.get('etag'), '"2"');
  assertProblem(assert, await request('POST', path, { ...sup, body: { assigned: me.id }, headers: { 'if-match': '"1"' } }), 412, 'precondition-failed');
  const trail = sql(`SELECT count(*) FROM audit_log WHERE object_id = ${blob(k.id)} AND action = 'case.reassign' AND reason NOT LIKE 'denied:%'`);
  assert.equal(Number(trail[0]), 1);
});
