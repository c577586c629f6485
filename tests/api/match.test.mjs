// The registration check and links through the API (docs/registry-matching.md): a candidate the
// caller may see comes with its explanation; one of another agency only as {"elsewhere": true},
// with its audit record and a notification to that agency's focal points, and nothing of it in
// the body; bad bodies are named by pointer; a link is audited, undone, and widens nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, holds, login, request, sql } from './lib.mjs';

const PW = demo.password;

// Names no demo person has, so the candidates are the cases opened here.
const person = {
  names: [{ role: 'given', romanised: 'Zerihunetta' }, { role: 'father', romanised: 'Gebremeskelow' }],
  sex: 'female',
  date_of_birth: { date: '2008-05-17' },
  nationalities: ['ER'],
};
// The same person registered again, a letter of the father's name changed.
const again = {
  ...person,
  names: [{ role: 'given', romanised: 'Zerihunetta' }, { role: 'father', romanised: 'Gebremeskelaw' }],
};

let cw; let child; let mine; let theirs;

const audited = (action, id) => Number(sql(`SELECT count(*) FROM audit_log WHERE action = '${action}'${
  id ? ` AND object_id = ${blob(id)}` : ''}`)[0]);

test('set-up: the same person opened by the NGO and by the child protection authority', async () => {
  cw = await login('demo.caseworker', PW);
  child = await login('demo.childworker', PW);
  let res = await request('POST', '/api/v1/cases', { ...cw, body: { person } });
  assert.equal(res.status, 201, res.text);
  mine = res.json;
  res = await request('POST', '/api/v1/cases', { ...child, body: { person } });
  assert.equal(res.status, 201, res.text);
  theirs = res.json;
});

test('a visible candidate comes with its explanation; another agency\'s only as elsewhere', async () => {
  const checks = audited('person.match_check');
  const away = audited('person.match_elsewhere', theirs.id);
  const res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: again } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.model, 'person');
  const k = res.json.candidates.find((c) => c.case_id === mine.id);
  assert.ok(k, res.text);
  assert.equal(k.case_number, mine.number);
  assert.ok(k.probability >= res.json.threshold);
  assert.equal(k.name, 'Zerihunetta Gebremeskelow');
  assert.equal(k.date_of_birth, '2008-05-17');
  assert.equal(k.sex, 'female');
  assert.deepEqual(k.nationalities, ['ER']);
  const dob = k.explanation.find((e) => e.comparison === 'date_of_birth');
  assert.equal(dob.level, 'exact');
  assert.ok(dob.contribution > 0);
  const name = k.explanation.find((e) => e.comparison === 'name');
  assert.ok(name.level && name.level !== 'exact' && name.level !== 'missing', name.level);
  // the other agency's case: one mark, nothing of it
  assert.equal(res.json.elsewhere, true);
  assert.deepEqual(res.json.candidates.filter((c) => c.elsewhere), [{ elsewhere: true }]);
  assert.ok(!res.text.includes(theirs.id) && !res.text.includes(theirs.number));
  assert.equal(audited('person.match_check'), checks + 1);
  assert.equal(audited('person.match_elsewhere', theirs.id), away + 1);
  // no name in the trail: the check's record carries the count only
  const reason = sql(`SELECT reason FROM audit_log WHERE action = 'person.match_check' ORDER BY seq DESC LIMIT 1`)[0];
  assert.match(reason, /^candidates:\d+$/);
});

test('the child protection authority\'s focal points are told, without data; the checker is not', async () => {
  // CPA has no focal point among the demo users: the notice is for the role in the agency
  const rows = sql(`SELECT kind, roles FROM notifications WHERE case_id = ${blob(theirs.id)} AND kind = 'match.elsewhere'`);
  assert.equal(rows.length, 1, rows.join('\n'));
  const focal = await login('demo.focal', PW);
  const list = await request('GET', '/api/v1/me/notifications?limit=50', { cookie: focal.cookie });
  assert.ok(!list.json.items.some((n) => n.kind === 'match.elsewhere' && n.case_id === theirs.id));
  const back = await request('POST', '/api/v1/persons/match-check', { ...child, body: { person: again } });
  assert.equal(back.status, 200, back.text);
  assert.ok(back.json.candidates.some((c) => c.case_id === theirs.id));
  assert.equal(back.json.elsewhere, true);
  // now the NGO's focal point hears of the NGO's case, and reads no person in it
  const told = await request('GET', '/api/v1/me/notifications?limit=50', { cookie: focal.cookie });
  const n = told.json.items.find((x) => x.kind === 'match.elsewhere' && x.case_id === mine.id);
  assert.ok(n, told.text);
  assert.equal(n.link, `/cases/${mine.id}`);
  assert.ok(!told.text.includes('Zerihunetta'));
});

test('bad bodies are named by pointer and the check never echoes them', async () => {
  let res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: { ...person, sex: 'sometimes' } } });
  assertProblem(assert, res, 400, 'validation');
  assert.ok(res.json.errors.some((e) => e.pointer === '/person/sex'), res.text);
  assert.ok(!res.text.includes('sometimes'));
  res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: { ...person, separation: { date: '2023-14' } } } });
  assertProblem(assert, res, 400, 'validation');
  assert.ok(res.json.errors.some((e) => e.pointer === '/person/separation/date'), res.text);
  res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person, case_id: 'nope' } });
  assertProblem(assert, res, 400, 'validation');
  assert.ok(res.json.errors.some((e) => e.pointer === '/case_id'), res.text);
  res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: {} });
  assertProblem(assert, res, 400, 'validation');
  assert.ok(res.json.errors.some((e) => e.pointer === '/person'), res.text);
  const admin = await login('demo.admin', PW);
  assertProblem(assert, await request('POST', '/api/v1/persons/match-check', { ...admin, body: { person } }), 403, 'forbidden');
});

test('a link is audited and undone, and never widens access', async () => {
  const links = audited('person.link', mine.id);
  let res = await request('POST', `/api/v1/cases/${mine.id}/links`, { ...cw, body: { case_id: theirs.id, decision: 'confirmed' } });
  assert.equal(res.status, 204, res.text);
  assert.equal(audited('person.link', mine.id), links + 1);
  // the record names both cases
  assert.equal(Number(sql(`SELECT count(*) FROM audit_log WHERE action = 'person.link' AND
    object_id = ${blob(mine.id)} AND ${holds('objects', blob(theirs.id))}`)[0]), 1);
  // still unreadable, still only elsewhere
  const read = await request('GET', `/api/v1/cases/${theirs.id}`, { cookie: cw.cookie });
  assertProblem(assert, read, 403, 'forbidden');
  const check = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: again } });
  assert.ok(!check.json.candidates.some((c) => c.case_id === theirs.id));
  assert.equal(check.json.elsewhere, true);
  const list = await request('GET', `/api/v1/cases/${mine.id}/links`, { cookie: cw.cookie });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].elsewhere, true);
  assert.equal(list.json.items[0].state, 'confirmed');
  assert.ok(!list.text.includes(theirs.id));
  // undone, audited; a second undo has nothing to undo
  const undos = audited('person.unlink', mine.id);
  res = await request('DELETE', `/api/v1/cases/${mine.id}/links/${theirs.id}`, cw);
  assert.equal(res.status, 204, res.text);
  assert.equal(audited('person.unlink', mine.id), undos + 1);
  res = await request('DELETE', `/api/v1/cases/${mine.id}/links/${theirs.id}`, cw);
  assertProblem(assert, res, 404, 'not-found');
  // the other agency may not decide on our case; a bad decision is named
  res = await request('POST', `/api/v1/cases/${mine.id}/links`, { ...child, body: { case_id: theirs.id, decision: 'confirmed' } });
  assertProblem(assert, res, 403, 'forbidden');
  res = await request('POST', `/api/v1/cases/${mine.id}/links`, { ...cw, body: { case_id: theirs.id, decision: 'maybe' } });
  assertProblem(assert, res, 400, 'validation');
  assert.ok(res.json.errors.some((e) => e.pointer === '/decision'));
});

test('a rejected pair is not proposed again to the agency that rejected it', async () => {
  const twin = await request('POST', '/api/v1/cases', { ...cw, body: { person } });
  assert.equal(twin.status, 201, twin.text);
  let res = await request('POST', `/api/v1/cases/${mine.id}/links`, { ...cw, body: { case_id: twin.json.id, decision: 'rejected' } });
  assert.equal(res.status, 204, res.text);
  res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: again, case_id: mine.id } });
  assert.equal(res.status, 200, res.text);
  assert.ok(!res.json.candidates.some((c) => c.case_id === twin.json.id || c.case_id === mine.id));
  res = await request('POST', '/api/v1/persons/match-check', { ...cw, body: { person: again } });
  assert.ok(res.json.candidates.some((c) => c.case_id === twin.json.id));
});
