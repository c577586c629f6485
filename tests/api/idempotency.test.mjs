// Safe retries: every create takes an Idempotency-Key. A repeat with the same key by the same
// user is answered with what the first made (same status, same resource, same body while it
// is unchanged) and creates nothing; the key with another request is 422; a bad key is 400
// naming the header. A create whose answer is lost after its commit (the client hangs up
// right after sending) is found by its retry.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { BASE, assertProblem, blob, demo, hexOf, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let admin; let kase; let ngo;
const person = (family) => ({
  names: [{ role: 'given', romanised: 'Retria' }, { role: 'family', romanised: family }],
  sex: 'female',
  nationalities: ['GE'],
});
const count = (table) => Number(sql(`SELECT count(*) FROM ${table}`)[0]);
const keyed = (key) => ({ 'idempotency-key': key });
const letters = () => Array.from({ length: 5 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[Math.floor(Math.random() * 26)]).join('');

before(async () => {
  cw = await login('demo.caseworker', PW);
  admin = await login('demo.admin', PW);
  const res = await request('POST', '/api/v1/cases', { ...cw, body: { person: person('Keyova') } });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
  const agencies = await request('GET', '/api/v1/agencies?limit=100', admin);
  ngo = agencies.json.items.find((a) => a.kind === 'ngo');
});

// Each create: who sends it, where, a body (a fresh one per call), the table that holds it.
const creates = {
  case: { s: () => cw, path: () => '/api/v1/cases', body: () => ({ person: person(`Once${letters().toLowerCase()}`) }), table: 'cases' },
  note: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/notes`, body: () => ({ text: `Said once, kept once (${letters()}).` }), table: 'case_notes' },
  consent: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/consents`, body: () => ({ purpose: 'statistics', status: 'given', method: 'verbal', note: letters() }), table: 'consents' },
  need: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/needs`, body: () => ({ kind: 'medical', note: letters() }), table: 'needs' },
  plan_goal: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/plan`, body: () => ({ type: 'education', goal: `Enrol once (${letters()})`, review_at: '2031-01-15' }), table: 'plan_goals' },
  task: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/tasks`, body: () => ({ kind: 'medical_check', title: letters(), priority: 'soon' }), table: 'tasks' },
  approval: { s: () => cw, path: () => `/api/v1/cases/${kase.id}/closure`, body: () => ({ reason: 'other', note: letters() }), table: 'case_approvals' },
  agency: { s: () => admin, path: () => '/api/v1/agencies', body: () => ({ code: letters(), name: 'Retry clinic', kind: 'health', country: 'GE' }), table: 'agencies' },
  user: { s: () => admin, path: () => '/api/v1/users', body: () => ({ username: `retry.${Math.random().toString(36).slice(2, 8)}`, agency: ngo.id, roles: ['coordinator'] }), table: 'users' },
};

for (const [name, c] of Object.entries(creates)) {
  test(`${name}: a repeat with the same key is the first answer and creates nothing`, async () => {
    const key = randomUUID();
    const body = c.body();
    const before = count(c.table);
    const first = await request('POST', c.path(), { ...c.s(), body, headers: keyed(key) });
    assert.equal(first.status, 201, first.text);
    assert.equal(count(c.table), before + 1);
    const again = await request('POST', c.path(), { ...c.s(), body, headers: keyed(key) });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.id, first.json.id);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    // a user's one-time password is in the first answer only: it is kept nowhere to repeat
    const { one_time_password: otp, ...shown } = first.json;
    assert.equal(again.json.one_time_password, undefined);
    assert.ok(name !== 'user' || otp);
    assert.deepEqual(again.json, shown);
    assert.equal(count(c.table), before + 1);
    // the key with another request: 422, nothing made
    const other = await request('POST', c.path(), { ...c.s(), body: c.body(), headers: keyed(key) });
    assertProblem(assert, other, 422, 'idempotency-key-reused');
    assert.ok(!other.text.includes(key));
    if (c.s() === cw) { // the same key on another route is another request too
      const elsewhere = await request('POST', name === 'case' ? `/api/v1/cases/${kase.id}/notes` : '/api/v1/cases',
        { ...cw, body: name === 'case' ? { text: 'Elsewhere.' } : { person: person('Elsewhereova') }, headers: keyed(key) });
      assertProblem(assert, elsewhere, 422, 'idempotency-key-reused');
    }
    assert.equal(count(c.table), before + 1);
    // the record holds hashes and ids, never the key or anything sent
    const rows = sql(`SELECT ${hexOf('key_hash')} || ' ' || kind || ' ' || status FROM idempotency_keys WHERE resource_id = ${blob(first.json.id)}`);
    assert.equal(rows.length, 1);
    assert.match(rows[0], new RegExp(`^[0-9a-f]{64} ${name} 201$`));
  });
}

test('a note and a consent with the same body under two keys are two', async () => {
  const before = count('case_notes');
  for (const key of [randomUUID(), randomUUID()]) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/notes`, { ...cw, body: { text: 'Twice on purpose.' }, headers: keyed(key) });
    assert.equal(res.status, 201, res.text);
  }
  assert.equal(count('case_notes'), before + 2);
});

test('keys are per user: the same key from another user is another request', async () => {
  const key = randomUUID();
  const sup = await login('demo.supervisor', PW);
  const a = await request('POST', '/api/v1/cases', { ...cw, body: { person: person('Mineova') }, headers: keyed(key) });
  const b = await request('POST', '/api/v1/cases', { ...sup, body: { person: person('Mineova') }, headers: keyed(key) });
  assert.equal(a.status, 201, a.text);
  assert.equal(b.status, 201, b.text);
  assert.notEqual(a.json.id, b.json.id);
});

test('a member order or spacing of its own does not make another request', async () => {
  const key = randomUUID();
  const first = await request('POST', '/api/v1/cases', { ...cw, raw: '{"priority": "low", "person": {"names": [{"role": "given", "romanised": "Orda"}], "sex": "male", "nationalities": ["AM"]}}', headers: keyed(key) });
  assert.equal(first.status, 201, first.text);
  const again = await request('POST', '/api/v1/cases', { ...cw, raw: '{"person":{"sex":"male","names":[{"romanised":"Orda","role":"given"}],"nationalities":["AM"]},"priority":"low"}', headers: keyed(key) });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, first.json.id);
});

test('a bad key is 400 naming the header, and nothing is made', async () => {
  const before = count('cases');
  for (const key of ['x'.repeat(256), 'caf\u00e9']) {
    const res = await request('POST', '/api/v1/cases', { ...cw, body: { person: person('Badkeyova') }, headers: keyed(key) });
    assertProblem(assert, res, 400, 'validation');
    assert.match(res.json.title, /Idempotency-Key/);
    assert.ok(!res.text.includes('xxxx') && !res.text.includes('caf'));
  }
  const longest = await request('POST', '/api/v1/cases', { ...cw, body: { person: person('Longkeyova') }, headers: keyed('k'.repeat(255)) });
  assert.equal(longest.status, 201, longest.text);
  assert.equal(count('cases'), before + 1);
});

test('the same keyed create sent at once, to one server and to two: one resource', async () => {
  // a user's create hashes its one-time password (Argon2id) before its transaction: the
  // repeats arrive while it runs. Each is answered 409 (still running here) or with the
  // first result, never with a second account.
  const before = count('users');
  const body = creates.user.body();
  const key = randomUUID();
  const all = await Promise.all([1, 2, 3, 4].map(() => request('POST', '/api/v1/users', { ...admin, body, headers: keyed(key) })));
  const made = all.filter((r) => r.status === 201);
  assert.ok(made.length >= 1, all.map((r) => r.text).join('\n'));
  for (const r of all) if (r.status !== 201) assertProblem(assert, r, 409, 'idempotency-key-in-use');
  assert.equal(new Set(made.map((r) => r.json.id)).size, 1);
  assert.equal(count('users'), before + 1);
  // two servers on one database: the later one's create rolls back on the key, or finds it
  const caseBody = { person: person('Twiceova') };
  const caseKey = randomUUID();
  const cases = count('cases');
  const both = await Promise.all([
    request('POST', '/api/v1/cases', { ...cw, body: caseBody, headers: keyed(caseKey) }),
    request('POST', '/api/v1/cases', { ...cw, body: caseBody, headers: keyed(caseKey), base: process.env.SP_BASE2 }),
  ]);
  assert.deepEqual(both.map((r) => r.status), [201, 201], both.map((r) => r.text).join('\n'));
  assert.equal(both[0].json.id, both[1].json.id);
  assert.equal(count('cases'), cases + 1);
});

// The request as bytes on a socket, closed as soon as it is written: its answer is lost.
function sendAndHangUp(path, s, body, key) {
  const url = new URL(BASE);
  const text = JSON.stringify(body);
  const head = [`POST ${path} HTTP/1.1`, `Host: ${url.host}`, 'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`, `Cookie: ${s.cookie}`, `X-CSRF-Token: ${s.csrf}`,
    `Idempotency-Key: ${key}`, 'Connection: close', '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname, () => {
      sock.write(head + text, () => { sock.destroy(); resolve(); });
    });
    sock.on('error', reject);
  });
}

test('an answer lost after the commit: the retry with the key gets the first result', async () => {
  const key = randomUUID();
  const body = { person: person('Lostova'), priority: 'urgent' };
  const before = count('cases');
  await sendAndHangUp('/api/v1/cases', cw, body, key);
  // wait, reading the database beside the server, until the create has committed
  const deadline = Date.now() + 10000;
  while (count('idempotency_keys WHERE kind = \'case\'') === 0 || count('cases') === before) {
    assert.ok(Date.now() < deadline, 'the create never committed');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(count('cases'), before + 1);
  const made = sql(`SELECT ${hexOf('id')} FROM cases ORDER BY created_us DESC LIMIT 1`)[0];
  const retry = await request('POST', '/api/v1/cases', { ...cw, body, headers: keyed(key) });
  assert.equal(retry.status, 201, retry.text);
  assert.equal(retry.json.id.replace(/-/g, ''), made);
  assert.equal(retry.json.priority, 'urgent');
  assert.equal(count('cases'), before + 1);
});
