// A case's needs through the API: added by hand with a kind of the vocabulary, listed with
// their notes, moved along their status table with If-Match (428 without, 412 stale, 409 for a
// move the table has not), bad bodies refused naming the field, only for those who work on
// the case, each request on the audit trail, the note sealed (after/data.check.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let kase; let need;

const count = () => Number(sql('SELECT count(*) FROM needs')[0]);

before(async () => {
  cw = await login('demo.caseworker', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Needova' }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('a caseworker adds a need to their case: 201, unmet, by hand, its ETag', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/needs`, {
    ...cw, body: { kind: 'safe_shelter', note: SECRET.needNote },
  });
  assert.equal(res.status, 201, res.text);
  need = res.json;
  assert.equal(need.case_id, kase.id);
  assert.equal(need.kind, 'safe_shelter');
  assert.equal(need.status, 'unmet');
  assert.equal(need.source, 'person');
  assert.equal(need.screening_id, null);
  assert.equal(need.note, null); // not sent back
  assert.equal(need.version, 1);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.ok(!res.text.includes(SECRET.needNote));
});

test('the list has the need with its note', async () => {
  const res = await request('GET', `/api/v1/cases/${kase.id}/needs`, { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.items.length, 1);
  assert.equal(res.json.items[0].id, need.id);
  assert.equal(res.json.items[0].note, SECRET.needNote);
});

test('bad bodies are 400 naming the field, and add nothing', async () => {
  const before = count();
  const bad = [
    [{}, ['/kind']],
    [{ kind: 'spaceship' }, ['/kind']],
    [{ kind: 'medical', note: '   ' }, ['/note']],
    [{ kind: 'medical', note: 'a'.repeat(4001) }, ['/note']],
    [{ kind: 'medical', source: 'screening' }, ['/source']],
    [{ kind: 7 }, ['/kind']],
  ];
  for (const [body, pointers] of bad) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/needs`, { ...cw, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, JSON.stringify(body));
  }
  // a string holding U+0000 never reaches the need: the body is refused as it is parsed
  const nul = await request('POST', `/api/v1/cases/${kase.id}/needs`, { ...cw, raw: '{"kind": "medical", "note": "cut\\u0000short"}' });
  assertProblem(assert, nul, 400, 'malformed-json');
  assert.equal(count(), before);
});

test('a change needs If-Match: 428 without, 412 stale, and neither writes', async () => {
  const path = `/api/v1/needs/${need.id}`;
  const body = { status: 'referred' };
  assertProblem(assert, await request('PATCH', path, { ...cw, body }), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, { ...cw, body, headers: { 'if-match': '"2"' } }), 412, 'precondition-failed');
  assert.deepEqual(sql(`SELECT status || ' ' || version FROM needs WHERE id = ${blob(need.id)}`), ['unmet 1']);
});

test('the status moves along the table; a move it has not is 409', async () => {
  const path = `/api/v1/needs/${need.id}`;
  let etag = '"1"';
  const conflict = await request('PATCH', path, { ...cw, body: { status: 'met' }, headers: { 'if-match': etag } });
  assertProblem(assert, conflict, 409, 'conflict');
  for (const status of ['referred', 'unmet', 'referred', 'met', 'unmet', 'no_longer_needed']) {
    const res = await request('PATCH', path, { ...cw, body: { status }, headers: { 'if-match': etag } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, status);
    etag = res.headers.get('etag');
    assert.equal(etag, `"${res.json.version}"`);
  }
  assert.equal(etag, '"7"');
  const back = await request('PATCH', path, { ...cw, body: { status: 'unmet' }, headers: { 'if-match': etag } });
  assertProblem(assert, back, 409, 'conflict');
  // the note is replaced, then removed
  let res = await request('PATCH', path, { ...cw, body: { note: SECRET.needNote2 }, headers: { 'if-match': etag } });
  assert.equal(res.status, 200, res.text);
  let list = await request('GET', `/api/v1/cases/${kase.id}/needs`, { cookie: cw.cookie });
  assert.equal(list.json.items[0].note, SECRET.needNote2);
  res = await request('PATCH', path, { ...cw, body: { note: null }, headers: { 'if-match': res.headers.get('etag') } });
  assert.equal(res.status, 200, res.text);
  list = await request('GET', `/api/v1/cases/${kase.id}/needs`, { cookie: cw.cookie });
  assert.equal(list.json.items[0].note, null);
});

test('bad changes are 400 naming the field', async () => {
  const path = `/api/v1/needs/${need.id}`;
  for (const [body, pointer] of [[{}, ''], [{ status: 'solved' }, '/status'], [{ status: null }, '/status'],
    [{ kind: 'medical' }, '/kind']]) {
    const res = await request('PATCH', path, { ...cw, body, headers: { 'if-match': '"9"' } });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer], JSON.stringify(body));
  }
  const none = await request('PATCH', '/api/v1/needs/01920000-0000-7000-8000-000000000000', {
    ...cw, body: { status: 'met' }, headers: { 'if-match': '"1"' } });
  assertProblem(assert, none, 404, 'not-found');
});

test('only who works on the case: the others are refused with the reason', async () => {
  const before = count();
  for (const [who, reason] of [['demo.identifier', 'not_assigned'], ['demo.screener', 'firewall'],
    ['demo.provider', 'no_role'], ['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data'],
    ['demo.dpo', 'audit_only'], ['demo.childworker', 'other_agency']]) {
    const s = await login(who, PW);
    const list = await request('GET', `/api/v1/cases/${kase.id}/needs`, { cookie: s.cookie });
    assertProblem(assert, list, 403, 'forbidden');
    assert.equal(list.json.reason, reason, who);
    assert.ok(!list.text.includes(SECRET.needNote2));
    const add = await request('POST', `/api/v1/cases/${kase.id}/needs`, { ...s, body: { kind: 'medical' } });
    assertProblem(assert, add, 403, 'forbidden');
    const move = await request('PATCH', `/api/v1/needs/${need.id}`, { ...s, body: { status: 'unmet' }, headers: { 'if-match': '"9"' } });
    assertProblem(assert, move, 403, 'forbidden');
  }
  assert.equal(count(), before);
  // the owning agency's supervisor may
  const sup = await login('demo.supervisor', PW);
  const ok = await request('POST', `/api/v1/cases/${kase.id}/needs`, { ...sup, body: { kind: 'legal_assistance' } });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.created_by, sup.res.json.user.id);
});

test('each request left its audit record with ids and field names only', () => {
  const rows = new Set(sql(`SELECT DISTINCT action || '|' || object_type || '|' || COALESCE(fields, '') || '|' || COALESCE(reason, '') FROM audit_log
    WHERE object_id IN (${blob(need.id)}, ${blob(kase.id)})`));
  for (const want of ['need.add|need|stat,notes|', 'need.read|case|stat,notes|', 'need.update|need|stat|',
    'need.update|need|stat,notes|', 'need.read|case||denied:not_assigned', 'need.read|case||denied:firewall']) {
    assert.ok(rows.has(want), `no audit record ${want} in ${[...rows].join(', ')}`);
  }
});
