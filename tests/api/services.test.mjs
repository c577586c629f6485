// The service directory through the API: the hand-written HSDS file imported by a focal point
// (a caseworker refused 403 with the policy's reason, a bad document 400 with every error at
// its pointer and nothing imported, the same ids again 409), the search in order with its
// reasons and its bad criteria named, one service with the confidential shelter's address for
// its own agency only, a capacity change with If-Match (428 without, 412 stale), the audit
// records.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const DIRECTORY = JSON.parse(readFileSync(new URL('../data/services/directory.json', import.meta.url), 'utf8'));
const SAFE_HOUSE = '01900000-0000-7000-8000-000000000101';
const KREUZBERG = '01900000-0000-7000-8000-000000000105';
let focal; let cw; let provider; let sup;

// the directory's own services: other tests (referrals.test.mjs) import theirs alongside
const services = () => Number(sql(`SELECT count(*) FROM services WHERE organization_id IN (${
  DIRECTORY.organization.map((o) => blob(o.id)).join(', ')})`)[0]);

before(async () => {
  focal = await login('demo.focal', PW);
  cw = await login('demo.caseworker', PW);
  provider = await login('demo.provider', PW);
  sup = await login('demo.supervisor', PW);
});

test('a caseworker may not import: 403 with the reason, nothing written', async () => {
  const res = await request('POST', '/api/v1/services', { ...cw, body: DIRECTORY });
  assertProblem(assert, res, 403, 'forbidden');
  assert.equal(res.json.reason, 'no_role');
  assert.equal(services(), 0);
});

test('a bad document is 400 with every error at its pointer, and imports nothing', async () => {
  const bad = structuredClone(DIRECTORY);
  bad.service[2].maximum_age = 13;
  bad.location[0].x_area = 'Berlin';
  bad.schedule[1].byday = 'Thursday';
  const res = await request('POST', '/api/v1/services', { ...focal, body: bad });
  assertProblem(assert, res, 400, 'validation');
  assert.deepEqual(res.json.errors.map((e) => e.pointer),
    ['/service/2/maximum_age', '/location/0/x_area', '/schedule/1/byday']);
  assert.equal(res.json.errors[0].reason, 'must not be below minimum_age');
  const notArray = await request('POST', '/api/v1/services', { ...focal, body: { service: {} } });
  assertProblem(assert, notArray, 400, 'validation');
  assert.deepEqual(notArray.json.errors.map((e) => e.pointer), ['/service']);
  assert.equal(services(), 0);
});

test('a focal point imports the directory: 201, five services, one audit record', async () => {
  const res = await request('POST', '/api/v1/services', { ...focal, body: DIRECTORY });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(res.json, { imported: 5 });
  assert.equal(services(), 5);
  // the focal point's own import (referrals.test.mjs imports its services as the supervisor)
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'service.import' AND actor = ${blob(focal.res.json.user.id)}`), ['1']);
  const again = await request('POST', '/api/v1/services', { ...sup, body: DIRECTORY });
  assertProblem(assert, again, 409, 'conflict');
  assert.equal(services(), 5);
});

test('search: nearest area first, each hit with its reasons', async () => {
  const q = '/api/v1/services?need=safe_shelter&area=DE-BE/FK&age=16&sex=female';
  const res = await request('GET', q, { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.items.map((h) => [h.name, h.area_match, h.area]), [
    ['Kreuzberg Shelter', 'same', 'DE-BE/FK'],
    ['Safe House for Women and Girls', 'parent', 'DE-BE'],
    ['Youth Shelter Brandenburg', 'other', null],
  ]);
  assert.deepEqual(res.json.items[1].why, ['meets the need safe_shelter', 'age 16: from 12',
    'takes people of the sex female', '3 places free', 'serves DE-BE, which contains DE-BE/FK']);
  assert.equal(res.json.items[1].referral_route, 'focal_point_only');
  const full = await request('GET', `${q}&with_capacity=true&language=ar`, { cookie: cw.cookie });
  assert.deepEqual(full.json.items.map((h) => h.id), [KREUZBERG, SAFE_HOUSE]);
  const bad = await request('GET', '/api/v1/services?area=berlin&age=old&with_capacity=yes', { cookie: cw.cookie });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/age', '/with_capacity']);
  const area = await request('GET', '/api/v1/services?area=berlin', { cookie: cw.cookie });
  assertProblem(assert, area, 400, 'validation');
  assert.deepEqual(area.json.errors.map((e) => e.pointer), ['/area']);
});

test('search from a case: its person\'s sex, language and age, read through the policy', async () => {
  const year = new Date().getUTCFullYear() - 16;
  const made = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Servica' }], sex: 'female',
      languages: ['ar'], date_of_birth: { date: `${year}-01-01` } } },
  });
  assert.equal(made.status, 201, made.text);
  const q = `/api/v1/services?need=safe_shelter&area=DE-BE/FK&case=${made.json.id}`;
  const res = await request('GET', q, { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  // a girl of 16 who speaks Arabic: the Kreuzberg shelter and the safe house, not the youth
  // shelter (German only)
  assert.deepEqual(res.json.items.map((h) => h.id), [KREUZBERG, SAFE_HOUSE]);
  assert.ok(res.json.items[1].why.includes('age 16: from 12'));
  assert.ok(res.json.items[1].why.includes('works in ar'));
  // the criteria given win over the case's: in German, the youth shelter alone
  const de = await request('GET', `${q}&language=de`, { cookie: cw.cookie });
  assert.deepEqual(de.json.items.map((h) => h.name), ['Youth Shelter Brandenburg']);
  // the case's read is audited; a user who may not read the case is refused
  assert.ok(Number(sql("SELECT count(*) FROM audit_log WHERE action = 'case.read'")[0]) > 0);
  const outsider = await request('GET', q, { cookie: provider.cookie });
  assert.ok([403, 404].includes(outsider.status), outsider.text);
  const bad = await request('GET', '/api/v1/services?case=NGO-1', { cookie: cw.cookie });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/case']);
});

test('one service: the shelter address for its own agency only', async () => {
  const other = await request('GET', `/api/v1/services/${SAFE_HOUSE}`, { cookie: cw.cookie });
  assert.equal(other.status, 200, other.text);
  assert.equal(other.headers.get('etag'), '"1"');
  assert.equal(other.json.location[0].x_area, 'DE-BE');
  assert.equal(other.json.location[0].x_withheld, true);
  assert.ok(!other.text.includes('Hidden Street'));
  const own = await request('GET', `/api/v1/services/${SAFE_HOUSE}`, { cookie: provider.cookie });
  assert.equal(own.json.location[0].x_address, 'Hidden Street 1, 10115 Berlin');
  const none = await request('GET', '/api/v1/services/01900000-0000-7000-8000-000000000999', { cookie: cw.cookie });
  assertProblem(assert, none, 404, 'not-found');
});

test('a capacity change needs If-Match and service.manage', async () => {
  const path = `/api/v1/services/${KREUZBERG}`;
  const body = { capacity_available: 0 };
  assertProblem(assert, await request('PATCH', path, { ...sup, body }), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, { ...sup, body, headers: { 'if-match': '"2"' } }), 412, 'precondition-failed');
  const denied = await request('PATCH', path, { ...cw, body, headers: { 'if-match': '"1"' } });
  assertProblem(assert, denied, 403, 'forbidden');
  const over = await request('PATCH', path, { ...sup, body: { capacity_available: 6 }, headers: { 'if-match': '"1"' } });
  assertProblem(assert, over, 400, 'validation');
  assert.deepEqual(over.json.errors.map((e) => e.pointer), ['/capacity_available']);
  const res = await request('PATCH', path, { ...sup, body, headers: { 'if-match': '"1"' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('etag'), '"2"');
  assert.equal(res.json.x_capacity_available, 0);
  assert.deepEqual(sql("SELECT count(*) FROM audit_log WHERE action = 'service.update'"), ['1']);
});
