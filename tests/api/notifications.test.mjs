// Notifications through the API: a task the supervisor gives to a caseworker lands in the
// caseworker's list and bell, with ids and a link only; a pending approval reaches the
// supervisors of the user's agency and nobody else; reads are the reader's own (one, all);
// pages, bad parameters and someone else's notification answered as the document says; and the
// server's notifier writes each one to the spool folder, byte for byte what is written here,
// with no name, title or case number in it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertProblem, demo, freshUser, login, request } from './lib.mjs';

const PW = demo.password;
const SPOOL = join(process.env.SP_WORK, 'var/spool/notify');
const NAME = 'Bellamina';
const TITLE = 'Fetch the birth certificate from the embassy';
let fresh; let sup; let kase; let task;

const count = async (s) => {
  const res = await request('GET', '/api/v1/me/notifications/count', { cookie: s.cookie });
  assert.equal(res.status, 200, res.text);
  return res.json.unread;
};
const list = async (s, query = '') => {
  const res = await request('GET', `/api/v1/me/notifications${query}`, { cookie: s.cookie });
  assert.equal(res.status, 200, res.text);
  return res.json;
};

before(async () => {
  fresh = await freshUser('bell', 'NGO', ['caseworker']);
  sup = await login('demo.supervisor', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...fresh, body: { person: { names: [{ role: 'given', romanised: NAME }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('a task the supervisor gives to the caseworker rings their bell, with ids only', async () => {
  assert.equal(await count(fresh), 0);
  assert.deepEqual(await list(fresh), { items: [], next_cursor: null });
  const res = await request('POST', `/api/v1/cases/${kase.id}/tasks`, {
    ...sup, body: { kind: 'appoint_guardian', title: TITLE, assignee: fresh.id, priority: 'urgent' },
  });
  assert.equal(res.status, 201, res.text);
  task = res.json;
  // one the caseworker gives to themselves rings nothing
  const own = await request('POST', `/api/v1/cases/${kase.id}/tasks`, { ...fresh, body: { kind: 'medical_check' } });
  assert.equal(own.status, 201, own.text);
  assert.equal(await count(fresh), 1);
  const page = await list(fresh);
  assert.equal(page.items.length, 1);
  const n = page.items[0];
  assert.deepEqual(Object.keys(n).sort(),
    ['case_id', 'created_at', 'for_role', 'id', 'kind', 'link', 'object_id', 'object_type', 'read_at']);
  assert.equal(n.kind, 'task.assigned');
  assert.equal(n.object_type, 'task');
  assert.equal(n.object_id, task.id);
  assert.equal(n.case_id, kase.id);
  assert.equal(n.link, `/cases/${kase.id}`);
  assert.equal(n.for_role, false);
  assert.equal(n.read_at, null);
  for (const v of [NAME, TITLE, kase.number]) assert.ok(!JSON.stringify(page).includes(v), v);
});

test('the notifier writes it to the spool folder: one file, 0600, exactly this', async () => {
  const n = (await list(fresh)).items.find((x) => x.object_id === task.id);
  const file = join(SPOOL, `${n.id}.json`);
  for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(file), 'no spool file after 10 s');
  assert.equal(readFileSync(file, 'utf8'),
    `{"created_at":"${n.created_at}","id":"${n.id}","kind":"task.assigned",`
    + `"link":"/cases/${kase.id}","to":{"user":"${fresh.id}"}}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(SPOOL).mode & 0o777, 0o700);
});

test('a pending approval reaches the supervisors of the agency, nobody else', async () => {
  const admin = await login('demo.admin', PW);
  const agencies = await request('GET', '/api/v1/agencies?limit=100', admin);
  const ngo = agencies.json.items.find((a) => a.code === 'NGO');
  const username = `waits.${Math.random().toString(36).slice(2, 8)}`;
  const add = await request('POST', '/api/v1/users', { ...admin, body: { username, agency: ngo.id, roles: ['identifier'] } });
  assert.equal(add.status, 201, add.text);
  assert.ok(add.json.approval);
  const mine = (await list(sup, '?limit=50')).items.filter((x) => x.object_id === add.json.approval);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].kind, 'approval.pending');
  assert.equal(mine[0].object_type, 'approval');
  assert.equal(mine[0].for_role, true);
  assert.equal(mine[0].case_id, null);
  assert.equal(mine[0].link, null);
  for (const who of ['demo.focal', 'demo.childworker', 'demo.admin']) {
    const s = await login(who, PW);
    assert.ok(!(await list(s, '?limit=50')).items.some((x) => x.object_id === add.json.approval), who);
  }
  assert.ok(!(await list(fresh, '?limit=50')).items.some((x) => x.object_id === add.json.approval));
});

test('reading one: the reader only, again the same instant, someone else\'s is 404', async () => {
  const n = (await list(fresh)).items[0];
  const path = `/api/v1/me/notifications/${n.id}/read`;
  // a mutating route wants the CSRF header
  assert.equal((await request('POST', path, { cookie: fresh.cookie })).status, 403);
  const res = await request('POST', path, fresh);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.id, n.id);
  assert.ok(res.json.read_at);
  const again = await request('POST', path, fresh);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.read_at, res.json.read_at);
  assert.equal(await count(fresh), 0);
  assert.deepEqual((await list(fresh, '?unread=true')).items, []);
  assert.equal((await list(fresh, '?unread=false')).items.length, 1);
  assertProblem(assert, await request('POST', path, sup), 404, 'not-found');
  assertProblem(assert, await request('POST', '/api/v1/me/notifications/01920000-0000-7000-8000-000000000000/read', fresh),
    404, 'not-found');
  assertProblem(assert, await request('POST', '/api/v1/me/notifications/nope/read', fresh), 404, 'not-found');
});

test('read-all marks the reader\'s unread ones and says how many', async () => {
  for (const kind of ['medical_check', 'appoint_guardian']) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/tasks`, { ...sup, body: { kind, assignee: fresh.id } });
    assert.equal(res.status, 201, res.text);
  }
  assert.equal(await count(fresh), 2);
  const res = await request('POST', '/api/v1/me/notifications/read-all', fresh);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { marked: 2 });
  assert.equal(await count(fresh), 0);
  const again = await request('POST', '/api/v1/me/notifications/read-all', fresh);
  assert.deepEqual(again.json, { marked: 0 });
});

test('pages newest first by cursor; bad parameters are 400 at their name', async () => {
  const first = await list(fresh, '?limit=2');
  assert.equal(first.items.length, 2);
  assert.ok(first.next_cursor);
  const second = await list(fresh, `?limit=2&cursor=${first.next_cursor}`);
  assert.equal(second.items.length, 1);
  assert.equal(second.next_cursor, null);
  assert.equal(second.items[0].object_id, task.id);
  const all = [...first.items, ...second.items].map((x) => x.created_at);
  assert.deepEqual([...all].sort().reverse(), all);
  for (const [q, pointer] of [['?unread=yes', '/unread'], ['?cursor=nope', '/cursor'], ['?limit=0', '/limit'],
    ['?limit=51', '/limit']]) {
    const res = await request('GET', `/api/v1/me/notifications${q}`, { cookie: fresh.cookie });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer], q);
  }
  for (const path of ['/api/v1/me/notifications?page=2', '/api/v1/me/notifications/count?x=1']) {
    assertProblem(assert, await request('GET', path, { cookie: fresh.cookie }), 400, 'validation');
  }
});

test('without a session: 401', async () => {
  assertProblem(assert, await request('GET', '/api/v1/me/notifications'), 401, 'unauthenticated');
  assertProblem(assert, await request('GET', '/api/v1/me/notifications/count'), 401, 'unauthenticated');
});
