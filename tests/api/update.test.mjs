// Updating a case: PATCH /api/v1/cases/:id with the ETag of the case as read in If-Match
// (428 without, 412 when stale), RFC 9457 errors naming each bad field, nothing written on a
// refusal; and the caseload's filters.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let sup; let kase;
const person = {
  names: [{ role: 'given', romanised: 'Updatella' }, { role: 'family', romanised: 'Versionova' }],
  sex: 'female',
  nationalities: ['UA'],
};
const row = (id) => sql(`SELECT status || ' ' || priority || ' ' || flags || ' ' || version FROM cases WHERE id = ${blob(id)}`)[0];

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  const res = await request('POST', '/api/v1/cases', { ...cw, body: { person, priority: 'low' } });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

const patch = (s, body, etag) => request('PATCH', `/api/v1/cases/${kase.id}`,
  { ...s, body, headers: etag === undefined ? {} : { 'if-match': etag } });

test('GET gives the case an ETag from its version; PATCH needs it in If-Match', async () => {
  const got = await request('GET', `/api/v1/cases/${kase.id}`, cw);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('etag'), '"1"');
  assert.equal(got.headers.get('cache-control'), 'no-store'); // personal data: an ETag is no licence to keep it
  const before = row(kase.id);
  assertProblem(assert, await patch(cw, { priority: 'high' }), 428, 'precondition-required');
  assertProblem(assert, await patch(cw, { priority: 'high' }, '"7"'), 412, 'precondition-failed');
  assertProblem(assert, await patch(cw, { priority: 'high' }, '*'), 412, 'precondition-failed');
  assertProblem(assert, await patch(cw, { priority: 'high' }, 'W/"1"'), 412, 'precondition-failed');
  assert.equal(row(kase.id), before);
  const ok = await patch(cw, { priority: 'high', status: 'active', flags: ['age_disputed', 'separated_child'] }, '"1"');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.headers.get('etag'), '"2"');
  assert.equal(ok.json.version, 2);
  assert.equal(ok.json.priority, 'high');
  assert.equal(ok.json.status, 'active');
  assert.deepEqual(ok.json.flags, ['separated_child', 'age_disputed']);
  // the tag that was good a moment ago is stale now
  assertProblem(assert, await patch(cw, { priority: 'low' }, '"1"'), 412, 'precondition-failed');
  assert.equal(row(kase.id), 'active high 18 2');
  const trail = sql(`SELECT action || ' ' || fields FROM audit_log WHERE object_id = ${blob(kase.id)} AND action = 'case.update'`);
  assert.deepEqual(trail, ['case.update stat']);
});

test('bad patches name every bad field and write nothing', async () => {
  const before = row(kase.id);
  const unknown = await patch(cw, { priority: 'high', colour: 'red' }, '"2"');
  assertProblem(assert, unknown, 400, 'validation');
  assert.deepEqual(unknown.json.errors, [{ pointer: '/colour', reason: 'is not a known field' }]);
  const types = await patch(cw, { priority: 3, flags: 'x', status: true }, '"2"');
  assert.deepEqual(types.json.errors.map((e) => e.pointer).sort(), ['/flags', '/priority', '/status']);
  const codes = await patch(cw, { priority: 'whenever', status: 'lost', flags: ['synthetic', 'purple'], assigned: 'bob' }, '"2"');
  assertProblem(assert, codes, 400, 'validation');
  assert.deepEqual(codes.json.errors.map((e) => e.pointer), ['/status', '/priority', '/flags/1', '/assigned']);
  assert.ok(!codes.text.includes('whenever') && !codes.text.includes('purple'));
  assert.deepEqual((await patch(cw, {}, '"2"')).json.errors.map((e) => e.pointer), ['']);
  assert.deepEqual((await patch(cw, { status: null }, '"2"')).json.errors.map((e) => e.pointer), ['/status']);
  const badPerson = await patch(cw, { person: { names: [{ role: 'nickname', romanised: 'X' }], sex: 'female' } }, '"2"');
  assertProblem(assert, badPerson, 400, 'validation');
  assert.match(badPerson.json.errors[0].pointer, /^\/person\/names\/0\/role$/);
  // a move the status table forbids, and an assignee outside the agency
  assertProblem(assert, await patch(cw, { status: 'open' }, '"2"'), 409, 'conflict');
  const child = (await login('demo.childworker', PW)).res.json.user;
  const outside = await patch(cw, { assigned: child.id }, '"2"');
  assert.deepEqual(outside.json.errors.map((e) => e.pointer), ['/assigned']);
  // an update never closes: closure goes through a supervisor's approval (lifecycle.test.mjs)
  const close = await patch(cw, { status: 'closed' }, '"2"');
  assertProblem(assert, close, 409, 'conflict');
  assert.equal(row(kase.id), before);
});

test('the person is replaced in the same update and version step', async () => {
  const changed = { ...person, names: [{ role: 'given', romanised: 'Updatella' }, { role: 'family', romanised: 'Renamova' }] };
  const res = await patch(cw, { person: changed, priority: 'urgent' }, '"2"');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.version, 3);
  assert.ok(!res.text.includes('Renamova')); // the answer is the case
  const got = await request('GET', `/api/v1/cases/${kase.id}`, cw);
  assert.equal(got.headers.get('etag'), '"3"');
  assert.deepEqual(got.json.person.names.map((n) => n.romanised), ['Updatella', 'Renamova']);
  const found = await request('POST', '/api/v1/cases/search', { ...cw, body: { names: ['Renamova'] } });
  assert.deepEqual(found.json.items.map((h) => h.id), [kase.id]);
  const trail = sql(`SELECT fields FROM audit_log WHERE object_id = ${blob(kase.id)} AND action = 'case.update' ORDER BY seq DESC LIMIT 1`);
  assert.deepEqual(trail, ['stat,identity']);
});

test('a supervisor assigns; null unassigns; not even a supervisor closes by an update', async () => {
  const me = (await request('GET', '/api/v1/me', sup)).json.id;
  assertProblem(assert, await patch(sup, { status: 'closed', assigned: me }, '"3"'), 409, 'conflict');
  const res = await patch(sup, { assigned: me }, '"3"');
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.assigned, me);
  assert.equal(res.json.closed_at, null);
  const none = await patch(sup, { assigned: null }, '"4"');
  assert.equal(none.status, 200, none.text);
  assert.equal(none.json.assigned, null);
  // no longer assigned, the caseworker may not update it
  const denied = await patch(cw, { priority: 'low' }, '"5"');
  assertProblem(assert, denied, 403, 'forbidden');
  assert.equal(denied.json.reason, 'not_assigned');
});

test('the caseload filters: status, priority, flag, mine, time range; bad values named', async () => {
  const mk = async (body) => (await request('POST', '/api/v1/cases', { ...cw, body: { person, ...body } })).json;
  const start = new Date().toISOString();
  const a = await mk({ priority: 'urgent', flags: ['unaccompanied_child'] });
  const b = await mk({ priority: 'low', flags: ['unaccompanied_child', 'possible_victim_of_trafficking'] });
  const ids = async (q) => {
    const res = await request('GET', `/api/v1/cases?limit=50&${q}`, cw);
    assert.equal(res.status, 200, res.text);
    return res.json.items.map((h) => h.id);
  };
  const q = `from=${encodeURIComponent(start)}`;
  assert.deepEqual(await ids(q), [a.id, b.id]);
  assert.deepEqual(await ids(`${q}&priority=urgent`), [a.id]);
  assert.deepEqual(await ids(`${q}&flag=possible_victim_of_trafficking`), [b.id]);
  assert.deepEqual(await ids(`${q}&flag=unaccompanied_child&mine=true&status=open`), [a.id, b.id]);
  assert.deepEqual(await ids(`${q}&status=closed`), []);
  assert.deepEqual(await ids(`${q}&to=${encodeURIComponent(start)}`), []);
  const all = await ids('to=2000-01-01');
  assert.deepEqual(all, []);
  const bad = await request('GET', '/api/v1/cases?priority=soon&flag=red&from=2020-02-30&to=yesterday&mine=maybe', cw);
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/priority', '/flag', '/mine', '/from', '/to']);
  assertProblem(assert, await request('GET', '/api/v1/cases?name=Updatella', cw), 400, 'validation');
});
