// Optimistic concurrency on every updatable resource (a case, an account, an account's
// password): its GET sends an ETag; an update without If-Match is 428, with a stale one 412
// and writes nothing; of two updates sent at once with the same ETag exactly one succeeds
// and the other gets 412 — also when each goes to a different server on the same database.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let admin; let ngo;
const person = {
  names: [{ role: 'given', romanised: 'Etagia' }, { role: 'family', romanised: 'Matchova' }],
  sex: 'female',
  nationalities: ['MD'],
};

before(async () => {
  cw = await login('demo.caseworker', PW);
  admin = await login('demo.admin', PW);
  const agencies = await request('GET', '/api/v1/agencies?limit=100', admin);
  ngo = agencies.json.items.find((a) => a.kind === 'ngo');
});

const etagOf = async (path, s) => {
  const got = await request('GET', path, s);
  assert.equal(got.status, 200, got.text);
  return got.headers.get('etag');
};

// A fresh account with a coordinator's role (no approval needed to change it).
async function account(name) {
  const add = await request('POST', '/api/v1/users', {
    ...admin, body: { username: `${name}.${Math.random().toString(36).slice(2, 8)}`, agency: ngo.id, roles: ['coordinator'] },
  });
  assert.equal(add.status, 201, add.text);
  return add.json;
}

// The resource's update as (session, ETag) -> a request; its row in the database.
const updates = {
  case: {
    async make() {
      const res = await request('POST', '/api/v1/cases', { ...cw, body: { person } });
      assert.equal(res.status, 201, res.text);
      return { path: `/api/v1/cases/${res.json.id}`, id: res.json.id, s: cw };
    },
    send: (t, etag, opts = {}) => request('PATCH', t.path, { ...t.s, ...opts, body: { priority: 'high' },
      headers: etag ? { 'if-match': etag } : {} }),
    row: (t) => sql(`SELECT priority || ' ' || version FROM cases WHERE id = ${blob(t.id)}`)[0],
  },
  user: {
    async make() {
      const u = await account('etag.patch');
      return { path: `/api/v1/users/${u.id}`, id: u.id, s: admin };
    },
    send: (t, etag, opts = {}) => request('PATCH', t.path, { ...t.s, ...opts, body: { disabled: true },
      headers: etag ? { 'if-match': etag } : {} }),
    row: (t) => sql(`SELECT disabled || ' ' || version FROM users WHERE id = ${blob(t.id)}`)[0],
  },
  'password reset': {
    async make() {
      const u = await account('etag.reset');
      return { path: `/api/v1/users/${u.id}`, id: u.id, s: admin };
    },
    send: (t, etag, opts = {}) => request('POST', `${t.path}/password-reset`, { ...t.s, ...opts,
      headers: etag ? { 'if-match': etag } : {} }),
    row: (t) => sql(`SELECT password_hash || ' ' || version FROM users WHERE id = ${blob(t.id)}`)[0],
  },
};

for (const [name, u] of Object.entries(updates)) {
  test(`${name}: no If-Match is 428, a stale one 412, and neither writes`, async () => {
    const t = await u.make();
    const etag = await etagOf(t.path, t.s);
    assert.equal(etag, '"1"');
    const before = u.row(t);
    assertProblem(assert, await u.send(t, null), 428, 'precondition-required');
    assertProblem(assert, await u.send(t, '"2"'), 412, 'precondition-failed');
    assertProblem(assert, await u.send(t, '*'), 412, 'precondition-failed');
    assertProblem(assert, await u.send(t, '"0"'), 412, 'precondition-failed');
    assert.equal(u.row(t), before);
    const ok = await u.send(t, etag);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.get('etag'), '"2"');
    assert.equal(await etagOf(t.path, t.s), '"2"');
    const again = await u.send(t, etag); // the tag that was good a moment ago is stale now
    assertProblem(assert, again, 412, 'precondition-failed');
    assert.equal(again.json.title, 'The resource has changed');
  });

  test(`${name}: two updates sent at once with the same ETag: one 200, one 412`, async () => {
    const t = await u.make();
    const etag = await etagOf(t.path, t.s);
    const both = await Promise.all([u.send(t, etag), u.send(t, etag)]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 412], both.map((r) => r.text).join('\n'));
    assert.equal(u.row(t).split(' ').pop(), '2');
  });
}

test('case: the same race across two servers on one database', async () => {
  const t = await updates.case.make();
  const etag = await etagOf(t.path, t.s);
  const both = await Promise.all([updates.case.send(t, etag),
    updates.case.send(t, etag, { base: process.env.SP_BASE2 })]);
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 412], both.map((r) => r.text).join('\n'));
  assert.equal(updates.case.row(t), 'high 2');
  const trail = sql(`SELECT count(*) FROM audit_log WHERE object_id = ${blob(t.id)} AND action = 'case.update'`);
  assert.deepEqual(trail, ['1']);
});
