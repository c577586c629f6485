// Agencies and users through the API: the administrator's work, through the policy, every
// change on the audit trail; codes checked as the CLI checks them; a one-time password only in
// the answer that hands it out; disabling a user ends their sessions at once.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, freshUser, login, request, sql, ZERO_ID } from './lib.mjs';

const PW = demo.password;
let admin; let ngo;

before(async () => {
  admin = await login('demo.admin', PW);
  const res = await request('GET', '/api/v1/agencies?limit=100', admin);
  ngo = res.json.items.find((a) => a.code === 'NGO');
});

const users = () => sql('SELECT count(*) FROM users')[0];
const agencies = () => sql('SELECT count(*) FROM agencies')[0];
// The account's ETag as the administrator reads it now: what an update sends in If-Match.
const tag = async (path) => ({ 'if-match': (await request('GET', path, admin)).headers.get('etag') });

test('agencies: any signed-in user lists them, page by page, in code order', async () => {
  const cw = await login('demo.caseworker', PW);
  const all = await request('GET', '/api/v1/agencies?limit=100', cw);
  assert.equal(all.status, 200, all.text);
  const codes = all.json.items.map((a) => a.code);
  for (const c of ['CLN', 'CPA', 'IMM', 'IOR', 'NGO', 'SHL']) assert.ok(codes.includes(c), c);
  assert.deepEqual(codes, [...codes].sort());
  assert.equal(all.json.next_cursor, null);
  const seen = [];
  let cursor = null;
  do {
    const page = await request('GET', `/api/v1/agencies?limit=2${cursor ? `&cursor=${cursor}` : ''}`, cw);
    assert.equal(page.status, 200, page.text);
    assert.ok(page.json.items.length <= 2);
    seen.push(...page.json.items.map((a) => a.code));
    cursor = page.json.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, codes.slice(0, seen.length));
  assert.ok(seen.length >= 6);
  const one = await request('GET', `/api/v1/agencies/${ngo.id}`, cw);
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, ngo);
  assertProblem(assert, await request('GET', '/api/v1/agencies/0192aaaa-0000-7000-8000-000000000000', cw), 404, 'not-found');
  assertProblem(assert, await request('GET', '/api/v1/agencies?limit=0', cw), 400, 'validation');
  assertProblem(assert, await request('GET', '/api/v1/agencies?cursor=NGO', cw), 400, 'validation');
  assertProblem(assert, await request('GET', '/api/v1/agencies?code=NGO', cw), 400, 'validation');
});

test('agencies: the administrator adds one, codes canonical; bad codes name each field', async () => {
  const res = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'LAW', name: 'Legal aid clinic', kind: 'legal_aid', country: 'ua' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.country, 'UA');
  assert.equal(res.json.kind, 'legal_aid');
  assert.equal(res.headers.get('location'), `/api/v1/agencies/${res.json.id}`);
  const before = agencies();
  // every bad field of one body named at once, the values never repeated
  const bad = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'LAWX', name: 'Other', kind: 'bakery', country: 'QQ' },
  });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/kind', '/country']);
  assert.ok(!bad.text.includes('bakery') && !bad.text.includes('QQ'));
  const all = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'L', name: 'Tab\there', kind: 'x', country: 'Q1' },
  });
  assert.deepEqual(all.json.errors.map((e) => e.pointer), ['/kind', '/code', '/name', '/country']);
  const codes = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'law', name: 'Other', kind: 'ngo', country: 'ZZ' },
  });
  assertProblem(assert, codes, 400, 'validation');
  assert.deepEqual(codes.json.errors.map((e) => e.pointer), ['/code']);
  const country = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'LAWY', name: 'Other', kind: 'ngo', country: 'QQ' },
  });
  assert.deepEqual(country.json.errors.map((e) => e.pointer), ['/country']);
  const types = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 1, name: true, kind: 'ngo', country: 'ZZ', extra: 1 },
  });
  assertProblem(assert, types, 400, 'validation');
  assert.deepEqual(types.json.errors.map((e) => e.pointer).sort(), ['/code', '/extra', '/name']);
  const missing = await request('POST', '/api/v1/agencies', { ...admin, body: {} });
  assert.deepEqual(missing.json.errors.map((e) => e.pointer).sort(), ['/code', '/country', '/kind', '/name']);
  const dup = await request('POST', '/api/v1/agencies', {
    ...admin, body: { code: 'LAW', name: 'Again', kind: 'legal_aid', country: 'UA' },
  });
  assertProblem(assert, dup, 409, 'conflict');
  assert.equal(agencies(), before);
  const rows = sql(`SELECT action FROM audit_log WHERE object_id = ${blob(res.json.id)}`);
  assert.deepEqual(rows, ['agency.add']);
});

test('users: only the administrator manages them (policy reason no_role for others)', async () => {
  for (const who of ['demo.supervisor', 'demo.dpo', 'demo.caseworker']) {
    const s = await login(who, PW);
    const res = await request('GET', '/api/v1/users', s);
    assertProblem(assert, res, 403, 'forbidden');
    assert.equal(res.json.reason, 'no_role');
    const add = await request('POST', '/api/v1/users', { ...s, body: { username: 'x.y', agency: ngo.id, roles: ['screener'] } });
    assertProblem(assert, add, 403, 'forbidden');
  }
});

test('users: list page by page, read one; each read is one audit record naming the accounts', async () => {
  // an administrator of its own, so that no other test's requests are counted with its reads
  const own = await freshUser('adm', 'IOR', ['admin']);
  const seen = [];
  let cursor = null;
  let pages = 0;
  const top = Number(sql('SELECT max(seq) FROM audit_log')[0]);
  do {
    const page = await request('GET', `/api/v1/users?limit=4${cursor ? `&cursor=${cursor}` : ''}`, own);
    assert.equal(page.status, 200, page.text);
    assert.ok(!page.text.includes('argon2'));
    assert.ok(page.json.items.length <= 4);
    seen.push(...page.json.items.map((u) => u.username));
    cursor = page.json.next_cursor;
    pages++;
  } while (cursor);
  for (const r of ['screener', 'caseworker', 'dpo', 'admin']) assert.ok(seen.includes(`demo.${r}`));
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual(seen, [...seen].sort());
  const recs = sql(`SELECT nobjects FROM (SELECT a.seq, (CASE WHEN a.object_id = ${ZERO_ID} THEN 0 ELSE 1 END) + length(a.objects) / 16 AS nobjects
    FROM audit_log a WHERE seq > ${top} AND action = 'user.list' AND actor = ${blob(own.id)}) AS r ORDER BY seq`);
  assert.equal(recs.length, pages); // one record per page, naming every account on it
  assert.equal(recs.reduce((n, k) => n + Number(k), 0), seen.length);
  const cw = (await login('demo.caseworker', PW)).res.json.user;
  const one = await request('GET', `/api/v1/users/${cw.id}`, admin);
  assert.equal(one.status, 200);
  assert.equal(one.json.username, 'demo.caseworker');
  assert.deepEqual(one.json.roles, ['caseworker']);
  assert.equal(one.json.disabled, false);
  const reads = sql(`SELECT fields FROM audit_log WHERE seq > ${top} AND action = 'user.read' AND object_id = ${blob(cw.id)}`);
  assert.deepEqual(reads, ['username,agency,roles,disabled']);
  assertProblem(assert, await request('GET', '/api/v1/users/0192aaaa-0000-7000-8000-000000000000', admin), 404, 'not-found');
});

test('users: create returns a one-time password once; bad input names each field', async () => {
  const before = users();
  const bad = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'Bad Name', agency: 'nope', roles: ['caseworker', 'wizard', 'caseworker'] },
  });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/username', '/agency', '/roles/1', '/roles/2']);
  const none = await request('POST', '/api/v1/users', { ...admin, body: { username: 'ok.name', agency: ngo.id, roles: [] } });
  assert.deepEqual(none.json.errors.map((e) => e.pointer), ['/roles']);
  const noAgency = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'ok.name', agency: '0192aaaa-0000-7000-8000-000000000000', roles: ['coordinator'] },
  });
  assert.deepEqual(noAgency.json.errors.map((e) => e.pointer), ['/agency']);
  const mixed = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'ok.name', agency: ngo.id, roles: ['admin', 'caseworker'] },
  });
  assertProblem(assert, mixed, 400, 'validation');
  assert.equal(mixed.json.errors[0].pointer, '/roles');
  assert.equal(users(), before);

  const res = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.coord', agency: ngo.id, roles: ['coordinator'] },
  });
  assert.equal(res.status, 201, res.text);
  assert.match(res.json.one_time_password, /^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
  assert.equal(res.json.must_change_password, true);
  assert.deepEqual(res.json.roles, ['coordinator']);
  assert.equal(res.json.approval, undefined);
  const again = await request('GET', `/api/v1/users/${res.json.id}`, admin);
  assert.equal(again.json.one_time_password, undefined);
  assertProblem(assert, await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.coord', agency: ngo.id, roles: ['coordinator'] },
  }), 409, 'conflict');
  // a data-reading role waits for a supervisor: pending, no role yet
  const cw = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.caseworker', agency: ngo.id, roles: ['caseworker'] },
  });
  assert.equal(cw.status, 201, cw.text);
  assert.deepEqual(cw.json.roles, []);
  assert.match(cw.json.approval, /^[0-9a-f-]{36}$/);
});

test('users: disabling ends the sessions at once; enabling lets the user back in', async () => {
  const add = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.leaver', agency: ngo.id, roles: ['coordinator'] },
  });
  assert.equal(add.status, 201, add.text);
  const first = await login('api.leaver', add.json.one_time_password);
  const pw = 'a-long-enough-new-password';
  assert.equal((await request('POST', '/api/v1/me/password', { ...first, body: { current: add.json.one_time_password, new: pw } })).status, 204);
  const s = await login('api.leaver', pw);
  assert.equal((await request('GET', '/api/v1/me', s)).status, 200);
  const path = `/api/v1/users/${add.json.id}`;
  assertProblem(assert, await request('PATCH', path, { cookie: admin.cookie, body: { disabled: true } }), 403, 'csrf');
  const off = await request('PATCH', path, { ...admin, headers: await tag(path), body: { disabled: true } });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.json.disabled, true);
  assertProblem(assert, await request('GET', '/api/v1/me', s), 401, 'unauthenticated');
  assert.equal((await login('api.leaver', pw)).res.status, 401);
  assertProblem(assert, await request('PATCH', path, { ...admin, headers: await tag(path), body: { disabled: true } }), 409, 'conflict');
  const on = await request('PATCH', path, { ...admin, headers: await tag(path), body: { disabled: false } });
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.disabled, false);
  const back = await login('api.leaver', pw);
  assert.equal((await request('GET', '/api/v1/me', back)).status, 200);
  const me = (await request('GET', '/api/v1/me', admin)).json.id;
  const self = await request('PATCH', `/api/v1/users/${me}`, { ...admin, headers: await tag(`/api/v1/users/${me}`), body: { disabled: true } });
  assertProblem(assert, self, 400, 'validation');
  assert.deepEqual(self.json.errors.map((e) => e.pointer), ['/disabled']);
  const selfReset = await request('POST', `/api/v1/users/${me}/password-reset`, { ...admin, headers: await tag(`/api/v1/users/${me}`) });
  assertProblem(assert, selfReset, 400, 'validation');
  assert.deepEqual(selfReset.json.errors.map((e) => e.pointer), ['']);
  const trail = sql(`SELECT action FROM audit_log WHERE object_id = ${blob(add.json.id)} AND action LIKE 'user.%' AND action NOT LIKE 'user.log%' AND action <> 'user.read' ORDER BY seq`);
  assert.deepEqual(trail, ['user.add', 'user.passwd', 'user.disable', 'user.enable']);
});

test('users: roles granted and revoked one change at a time; bad patches name the field', async () => {
  const add = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.roles', agency: ngo.id, roles: ['coordinator'] },
  });
  const path = `/api/v1/users/${add.json.id}`;
  const two = await request('PATCH', path, { ...admin, headers: await tag(path), body: { disabled: false, grant_roles: ['dpo'] } });
  assertProblem(assert, two, 400, 'validation');
  assertProblem(assert, await request('PATCH', path, { ...admin, headers: await tag(path), body: {} }), 400, 'validation');
  const badRole = await request('PATCH', path, { ...admin, headers: await tag(path), body: { grant_roles: ['overlord'] } });
  assert.deepEqual(badRole.json.errors.map((e) => e.pointer), ['/grant_roles/0']);
  const wrongType = await request('PATCH', path, { ...admin, headers: await tag(path), body: { disabled: 'yes' } });
  assert.deepEqual(wrongType.json.errors.map((e) => e.pointer), ['/disabled']);
  assertProblem(assert, await request('PATCH', path, { ...admin, headers: await tag(path), body: { grant_roles: ['coordinator'] } }), 409, 'conflict');
  // a data-reading role: pending a supervisor's approval
  const dpo = await request('PATCH', path, { ...admin, headers: await tag(path), body: { grant_roles: ['dpo'] } });
  assert.equal(dpo.status, 200, dpo.text);
  assert.deepEqual(dpo.json.roles, ['coordinator']);
  assert.match(dpo.json.approval, /^[0-9a-f-]{36}$/);
  // the last role cannot go
  const last = await request('PATCH', path, { ...admin, headers: await tag(path), body: { revoke_roles: ['coordinator'] } });
  assertProblem(assert, last, 400, 'validation');
  assert.deepEqual(last.json.errors.map((e) => e.pointer), ['/revoke_roles']);
  const grant = await request('PATCH', path, { ...admin, headers: await tag(path), body: { grant_roles: ['admin'] } });
  assert.deepEqual(grant.json.roles, ['coordinator', 'admin']);
  const revoke = await request('PATCH', path, { ...admin, headers: await tag(path), body: { revoke_roles: ['coordinator'] } });
  assert.equal(revoke.status, 200, revoke.text);
  assert.deepEqual(revoke.json.roles, ['admin']);
  const trail = sql(`SELECT action || ' ' || fields FROM audit_log WHERE object_id = ${blob(add.json.id)} AND action <> 'user.read' ORDER BY seq`);
  assert.deepEqual(trail.slice(1), ['user.grant_roles roles:dpo', 'user.grant_roles roles:admin',
    'user.revoke_roles roles,roles:coordinator']);
});

test('users: a password reset hands a fresh one-time password, or waits for a supervisor', async () => {
  const add = await request('POST', '/api/v1/users', {
    ...admin, body: { username: 'api.forgetful', agency: ngo.id, roles: ['coordinator'] },
  });
  const reset = await request('POST', `/api/v1/users/${add.json.id}/password-reset`, { ...admin, headers: await tag(`/api/v1/users/${add.json.id}`) });
  assert.equal(reset.status, 200, reset.text);
  assert.match(reset.json.one_time_password, /^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
  assert.notEqual(reset.json.one_time_password, add.json.one_time_password);
  assert.equal((await login('api.forgetful', add.json.one_time_password)).res.status, 401);
  assert.equal((await login('api.forgetful', reset.json.one_time_password)).res.status, 201);
  const sup = (await login('demo.supervisor', PW)).res.json.user;
  const gated = await request('POST', `/api/v1/users/${sup.id}/password-reset`, { ...admin, headers: await tag(`/api/v1/users/${sup.id}`) });
  assert.equal(gated.status, 202, gated.text);
  assert.equal(gated.json.one_time_password, undefined);
  assert.match(gated.json.approval, /^[0-9a-f-]{36}$/);
  assertProblem(assert, await request('POST', `/api/v1/users/${sup.id}/password-reset`, { ...admin, headers: await tag(`/api/v1/users/${sup.id}`), body: { x: 1 } }), 400, 'validation');
  const trail = sql(`SELECT action FROM audit_log WHERE object_id = ${blob(add.json.id)} AND action = 'user.reset_password'`);
  assert.deepEqual(trail, ['user.reset_password']);
});
