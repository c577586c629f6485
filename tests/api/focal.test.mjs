// Focal points and routing through the API: only service.manage changes them (a caseworker
// refused with the policy's reason), bad bodies 400 naming each member, a focal point named
// for one need and for the agency scope, the same one twice 409, where a need goes first and
// why, routing rules to a focal point (a service and a focal point at once 400, the same need
// twice 409), removals 204 then 404, another agency seeing none of it, the audit records.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, freshUser, login, request, sql } from './lib.mjs';

const PW = demo.password;
let sup; let cw; let fp; let outsider; let focalId; let ruleId;

before(async () => {
  sup = await login('demo.supervisor', PW);
  cw = await login('demo.caseworker', PW);
  outsider = await login('demo.childworker', PW);
  fp = await freshUser('fp', 'NGO', ['focal_point']);
});

test('a caseworker may not name a focal point: 403 with the reason', async () => {
  const res = await request('POST', '/api/v1/focal-points',
    { ...cw, body: { user: fp.id, scope: 'agency' } });
  assertProblem(assert, res, 403, 'forbidden');
  assert.equal(res.json.reason, 'no_role');
});

test('bad bodies name each member', async () => {
  const res = await request('POST', '/api/v1/focal-points',
    { ...sup, body: { user: 'someone', scope: 'planet', needs: ['medical', 7] } });
  assertProblem(assert, res, 400, 'validation');
  assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/user', '/scope', '/needs/1']);
  const unknown = await request('POST', '/api/v1/focal-points',
    { ...sup, body: { user: fp.id, scope: 'country', country: 'XY' } });
  assertProblem(assert, unknown, 400, 'validation');
  assert.deepEqual(unknown.json.errors.map((e) => [e.pointer, e.reason]),
    [['/country', 'is not an ISO 3166-1 country code']]);
  const role = await request('POST', '/api/v1/focal-points',
    { ...sup, body: { user: (await request('GET', '/api/v1/me', cw)).json.id, scope: 'agency' } });
  assertProblem(assert, role, 400, 'validation');
  assert.deepEqual(role.json.errors.map((e) => [e.pointer, e.reason]),
    [['/user', 'does not hold the focal_point role']]);
});

test('colleagues: the agency\'s enabled users, by role', async () => {
  const all = await request('GET', '/api/v1/me/colleagues?role=focal_point', cw);
  assert.equal(all.status, 200, all.text);
  const names = all.json.items.map((u) => u.username);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes('demo.focal') && names.includes(fp.username));
  assert.ok(all.json.items.every((u) => u.roles.includes('focal_point')));
  const other = await request('GET', '/api/v1/me/colleagues?role=focal_point', outsider);
  assert.ok(!other.json.items.some((u) => u.username === fp.username));
  const bad = await request('GET', '/api/v1/me/colleagues?role=wizard', cw);
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/role']);
});

test('a supervisor names a focal point for gender-based violence; a need goes to them', async () => {
  const res = await request('POST', '/api/v1/focal-points', {
    ...sup, body: { user: fp.id, scope: 'agency', needs: ['gbv_response'], default: true },
  });
  assert.equal(res.status, 201, res.text);
  focalId = res.json.id;
  assert.equal(res.headers.get('location'), `/api/v1/focal-points/${focalId}`);
  assert.deepEqual(res.json, { id: focalId, user: fp.id, username: fp.username, scope: 'agency',
    needs: ['gbv_response'], default: true });
  const again = await request('POST', '/api/v1/focal-points',
    { ...sup, body: { user: fp.id, scope: 'agency' } });
  assertProblem(assert, again, 409, 'conflict');
  const list = await request('GET', '/api/v1/focal-points', cw);
  assert.equal(list.status, 200);
  assert.ok(list.json.items.some((f) => f.id === focalId && f.username === fp.username));
  const other = await request('GET', '/api/v1/focal-points', outsider);
  assert.ok(!other.json.items.some((f) => f.id === focalId));
  const route = await request('GET', '/api/v1/routing?need=gbv_response', cw);
  assert.equal(route.status, 200, route.text);
  assert.equal(route.json.route, 'focal_point');
  assert.equal(route.json.focal_point.user, fp.id);
  assert.equal(route.json.service, null);
  assert.equal(route.json.why, 'It goes to the focal point your agency named for this need.');
  const bad = await request('GET', '/api/v1/routing?need=spaceship', cw);
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/need']);
  const none = await request('GET', '/api/v1/routing', cw);
  assertProblem(assert, none, 400, 'validation');
});

test('routing rules: one per need, to a focal point of the agency', async () => {
  const both = await request('POST', '/api/v1/routing-rules', {
    ...sup, body: { need: 'gbv_response', focal_point: fp.id, service: fp.id },
  });
  assertProblem(assert, both, 400, 'validation');
  const wrong = await request('POST', '/api/v1/routing-rules',
    { ...sup, body: { need: 'medical', focal_point: fp.id } });
  assertProblem(assert, wrong, 400, 'validation');
  assert.deepEqual(wrong.json.errors.map((e) => [e.pointer, e.reason]),
    [['/focal_point', 'is not a focal point of your agency for the need medical']]);
  const res = await request('POST', '/api/v1/routing-rules',
    { ...sup, body: { need: 'gbv_response', focal_point: fp.id } });
  assert.equal(res.status, 201, res.text);
  ruleId = res.json.id;
  assert.deepEqual(res.json, { id: ruleId, need: 'gbv_response', target: 'focal_point',
    focal_point: fp.id, target_name: fp.username });
  const twice = await request('POST', '/api/v1/routing-rules',
    { ...sup, body: { need: 'gbv_response', focal_point: fp.id } });
  assertProblem(assert, twice, 409, 'conflict');
  const list = await request('GET', '/api/v1/routing-rules', cw);
  assert.ok(list.json.items.some((r) => r.id === ruleId));
  const route = await request('GET', '/api/v1/routing?need=gbv_response', cw);
  assert.equal(route.json.why, 'Your agency routes this need to this focal point.');
});

test('removals: 204, then 404; another agency cannot remove them', async () => {
  const other = await request('DELETE', `/api/v1/routing-rules/${ruleId}`, outsider);
  assertProblem(assert, other, 403, 'forbidden');
  const del = await request('DELETE', `/api/v1/routing-rules/${ruleId}`, sup);
  assert.equal(del.status, 204, del.text);
  const gone = await request('DELETE', `/api/v1/routing-rules/${ruleId}`, sup);
  assertProblem(assert, gone, 404, 'not-found');
  const f = await request('DELETE', `/api/v1/focal-points/${focalId}`, sup);
  assert.equal(f.status, 204, f.text);
  const f2 = await request('DELETE', `/api/v1/focal-points/${focalId}`, sup);
  assertProblem(assert, f2, 404, 'not-found');
  const actions = (id) => sql(`SELECT action FROM audit_log WHERE object_id = ${blob(id)} ORDER BY seq`);
  assert.deepEqual(actions(focalId), ['focal_point.add', 'focal_point.remove']);
  assert.deepEqual(actions(ruleId), ['routing.add', 'routing.remove']);
});
