// The review queue of safepath dedup through the API: two registrations of one person by the
// demo caseworker, `safepath dedup` run by the demo supervisor (the CLI: the run is not an API
// operation), then the pair listed to the supervisor with both persons side by side and the
// comparisons' levels, to no one of another agency; confirmed with If-Match (412 on a stale
// version, 428 without, 409 when already in that state), undone, rejected and found among the
// rejected; a bad state 400 at /state; every answer checked against the document (lib.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, cli, demo, login, request } from './lib.mjs';

const PW = demo.password;
// A name no demo person has, written two ways, born the same day.
const person = (given) => ({
  names: [{ role: 'given', romanised: given }, { role: 'father', romanised: 'Qaddafi' },
    { role: 'family', romanised: 'Warsame' }],
  sex: 'female', date_of_birth: { date: '2004-02-17' }, nationalities: ['SO'],
});
let cw; let sup; let screener; let a; let b;

const pairOf = (items) => items.find((p) => [p.a.case_id, p.b.case_id].sort().join()
  === [a.id, b.id].sort().join());

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  screener = await login('demo.screener', PW);
  for (const [given, set] of [['Hodan', (x) => { a = x; }], ['Hodaan', (x) => { b = x; }]]) {
    const res = await request('POST', '/api/v1/cases', { ...cw, body: { person: person(given) } });
    assert.equal(res.status, 201, res.text);
    set(res.json);
  }
  const run = cli(['--json', 'dedup', '--format', 'json', '--out', `${process.env.SP_WORK}/pairs.json`,
    '--as', 'demo.supervisor'], PW);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(JSON.parse(run.stdout).above_threshold >= 1, run.stdout);
});

test('the supervisor sees the pair with both persons and each comparison', async () => {
  const res = await request('GET', '/api/v1/match-pairs?limit=50', { cookie: sup.cookie });
  assert.equal(res.status, 200, res.text);
  const p = pairOf(res.json.items);
  assert.ok(p, 'the pair is listed');
  assert.equal(p.state, 'proposed');
  assert.equal(p.version, 1);
  assert.ok(p.probability >= 0.5 && p.probability <= 1, String(p.probability));
  const names = [p.a.person.names[0].romanised, p.b.person.names[0].romanised].sort();
  assert.deepEqual(names, ['Hodaan', 'Hodan']);
  assert.equal(p.a.person.date_of_birth.date, '2004-02-17');
  const dob = p.fields.find((f) => f.comparison === 'date_of_birth');
  assert.ok(dob && dob.contribution > 0, JSON.stringify(p.fields));
});

test('a screener of the immigration service sees no such pair; a bad state is 400', async () => {
  const res = await request('GET', '/api/v1/match-pairs', { cookie: screener.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(pairOf(res.json.items), undefined);
  const bad = await request('GET', '/api/v1/match-pairs?state=maybe', { cookie: sup.cookie });
  assertProblem(assert, bad, 400, 'validation');
  assert.equal(bad.json.errors[0].pointer, '/state');
});

test('confirm with If-Match, undo, reject: each answered as the document says', async () => {
  const list = await request('GET', '/api/v1/match-pairs?limit=50', { cookie: sup.cookie });
  const p = pairOf(list.json.items);
  const path = `/api/v1/match-pairs/${p.id}/decision`;
  const none = await request('POST', path, { ...sup, body: { state: 'confirmed' } });
  assertProblem(assert, none, 428, 'precondition-required');
  const yes = await request('POST', path, { ...sup, body: { state: 'confirmed' }, headers: { 'if-match': '"1"' } });
  assert.equal(yes.status, 200, yes.text);
  assert.equal(yes.json.state, 'confirmed');
  assert.equal(yes.headers.get('etag'), '"2"');
  const stale = await request('POST', path, { ...sup, body: { state: 'rejected' }, headers: { 'if-match': '"1"' } });
  assertProblem(assert, stale, 412, 'precondition-failed');
  const again = await request('POST', path, { ...sup, body: { state: 'confirmed' }, headers: { 'if-match': '"2"' } });
  assertProblem(assert, again, 409, 'conflict');
  const bad = await request('POST', path, { ...sup, body: { state: 'maybe' }, headers: { 'if-match': '"2"' } });
  assertProblem(assert, bad, 400, 'validation');
  const undo = await request('POST', path, { ...sup, body: { state: 'proposed' }, headers: { 'if-match': '"2"' } });
  assert.equal(undo.status, 200, undo.text);
  assert.equal(undo.json.decided_at, null);
  const no = await request('POST', path, { ...sup, body: { state: 'rejected' }, headers: { 'if-match': '"3"' } });
  assert.equal(no.status, 200, no.text);
  const rejected = await request('GET', '/api/v1/match-pairs?state=rejected&limit=50', { cookie: sup.cookie });
  assert.equal(pairOf(rejected.json.items).state, 'rejected');
  // the screener may update neither case
  const refused = await request('POST', path, { ...screener, body: { state: 'proposed' }, headers: { 'if-match': '"4"' } });
  assertProblem(assert, refused, 403, 'forbidden');
});
