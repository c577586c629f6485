// Legal holds through the API: the supervisor of the case's agency puts a case on hold with a
// reason code and lifts it (the case answered, its flags showing legal_hold, one audit record
// each with the code); a caseworker is refused (403), a bad reason is 400 at /reason, a second
// hold and a lift without one are 409; the flag is never set or cleared through the case itself
// (400 at /flags), nor anonymised, which only the retention run sets.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let sup; let kase;

const holds = (id) => Number(sql(`SELECT count(*) FROM audit_log WHERE action = 'case.legal_hold' AND reason = 'criminal_proceedings' AND object_id = ${blob(id)}`)[0]);

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Holdova' }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('a supervisor puts a case on legal hold with a reason, and lifts it', async () => {
  const url = `/api/v1/cases/${kase.id}/legal-hold`;
  const res = await request('POST', url, { ...sup, body: { reason: 'criminal_proceedings' } });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.json.flags.includes('legal_hold'));
  assert.equal(res.json.version, kase.version + 1);
  assert.equal(holds(kase.id), 1);
  const again = await request('POST', url, { ...sup, body: { reason: 'complaint' } });
  assertProblem(assert, again, 409, 'conflict');
  // the case's own flags cannot clear it: the whole set without legal_hold keeps it
  const patch = await request('PATCH', `/api/v1/cases/${kase.id}`, {
    ...sup, headers: { 'If-Match': `"${res.json.version}"` }, body: { flags: ['restricted'] },
  });
  assert.equal(patch.status, 200, patch.text);
  assert.deepEqual(patch.json.flags.sort(), ['legal_hold', 'restricted']);
  const lift = await request('DELETE', url, { ...sup });
  assert.equal(lift.status, 200, lift.text);
  assert.deepEqual(lift.json.flags, ['restricted']);
  const none = await request('DELETE', url, { ...sup });
  assertProblem(assert, none, 409, 'conflict');
});

test('only a supervisor, with a known reason; managed flags are refused on a case', async () => {
  const url = `/api/v1/cases/${kase.id}/legal-hold`;
  const denied = await request('POST', url, { ...cw, body: { reason: 'civil_proceedings' } });
  assertProblem(assert, denied, 403, 'forbidden');
  const bad = await request('POST', url, { ...sup, body: { reason: 'because' } });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/reason']);
  const create = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Flagova' }], sex: 'female' }, flags: ['anonymised'] },
  });
  assertProblem(assert, create, 400, 'validation');
  assert.ok(create.text.includes('/flags'), create.text);
  const current = await request('GET', `/api/v1/cases/${kase.id}`, { cookie: sup.cookie });
  const patch = await request('PATCH', `/api/v1/cases/${kase.id}`, {
    ...sup, headers: { 'If-Match': `"${current.json.version}"` }, body: { flags: ['legal_hold'] },
  });
  assertProblem(assert, patch, 400, 'validation');
  assert.ok(patch.text.includes('/flags'), patch.text);
});
