// Several servers on one database (run.sh starts five on one data folder): a session opened on
// one works on the others and ends on all, case numbers taken on two servers at once never
// collide, the audit chain they write together has no gap and verifies, and two servers with
// the same limits share a session's rate-limit budget through the database (the fourth and
// fifth: 10 at once, 1 a second, counts shared every 100 ms). Failed log-ins counted on two
// servers are throttle.test.mjs's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const [B1, B2, B4, B5] = ['', '2', '4', '5'].map((n) => process.env[`SP_BASE${n}`]);
const person = { names: [{ role: 'given', romanised: 'Servera' }], sex: 'female' };
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

test('a session opened on one server works on the others, and its log-out ends it on all', async () => {
  const s = await login('demo.caseworker', PW);
  assert.equal(s.res.status, 201);
  for (const base of [B2, B4, B5]) {
    const me = await request('GET', '/api/v1/me', { cookie: s.cookie, base });
    assert.equal(me.status, 200, base);
    assert.equal(me.json.username, 'demo.caseworker');
  }
  // the CSRF token from the log-in on the first server is good on another
  const made = await request('POST', '/api/v1/cases', { cookie: s.cookie, csrf: s.csrf, base: B2, body: { person } });
  assert.equal(made.status, 201, made.text);
  const out = await request('DELETE', '/api/v1/session', { cookie: s.cookie, csrf: s.csrf, base: B4 });
  assert.equal(out.status, 204);
  for (const base of [B1, B2, B5])
    assert.equal((await request('GET', '/api/v1/me', { cookie: s.cookie, base })).status, 401);
});

test('cases opened on two servers at once get distinct, gap-free numbers; the chain verifies', async () => {
  const s = await login('demo.caseworker', PW);
  const top = Number(sql('SELECT coalesce(max(seq), 0) FROM audit_log')[0]);
  // 12 on the main server and 12 on the second at once (the second allows a session 10 at
  // once: its refusals are counted and left out)
  const sent = await Promise.all(Array.from({ length: 24 }, (_, i) => request('POST', '/api/v1/cases',
    { cookie: s.cookie, csrf: s.csrf, base: i % 2 ? B2 : B1, body: { person } })));
  const made = sent.filter((r) => r.status === 201);
  for (const r of sent) assert.ok(r.status === 201 || r.status === 429, `${r.status} ${r.text}`);
  assert.ok(made.length >= 22, `${made.length} made`);
  const numbers = made.map((r) => r.json.number);
  assert.equal(new Set(numbers).size, numbers.length, `a number given twice: ${numbers}`);
  // one sequence: the numbers made by both servers are consecutive
  const seqs = numbers.map((n) => Number(/-(\d+)$/.exec(n)[1])).sort((a, b) => a - b);
  assert.equal(seqs[seqs.length - 1] - seqs[0] + 1, seqs.length, `not consecutive: ${seqs}`);
  const after = sql(`SELECT seq FROM audit_log WHERE seq > ${top} ORDER BY seq`).map(Number);
  after.forEach((q, i) => assert.equal(q, top + 1 + i)); // no gap between the servers' records
  const v = cli(['audit', 'verify'], '');
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit trail intact/);
});

test('two servers with the same limits share a session\'s budget through the database', async () => {
  const r = await request('POST', '/api/v1/session', { base: B4, body: { username: 'demo.coordinator', password: PW } });
  assert.equal(r.status, 201);
  const cookie = /sp_session=[^;]*/.exec(r.headers.get('set-cookie'))[0];
  const me = (base) => request('GET', '/api/v1/me', { cookie, base });
  let ok = 0;
  for (let i = 0; i < 6; i++) ok += (await me(B4)).status === 200;
  assert.equal(ok, 6);
  await sleep(400); // a few syncs of both servers
  // the fifth has seen none of them itself, but knows them: 4 left of the 10, plus the
  // seconds' refill (1 a second) since
  const replies = await Promise.all(Array.from({ length: 10 }, () => me(B5)));
  const served = replies.filter((x) => x.status === 200).length;
  assert.ok(served >= 4 && served <= 6, `${served} served on the fifth`);
  for (const x of replies) assert.ok(x.status === 200 || x.status === 429, String(x.status));
  const limited = replies.find((x) => x.status === 429);
  assert.equal(limited.json.type, 'urn:safepath:problem:rate-limited');
});
