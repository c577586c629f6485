// Failed-login throttling (counted per user name in the database, checked before any
// password is hashed) and rate limits. run.sh starts the main server with the default
// login-max-failures (5) and the other limits out of the suite's reach (every test comes from
// 127.0.0.1), and a second server on the same database with low rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, demo, login, request } from './lib.mjs';

const PW = demo.password;

// A fresh account (roles without data access: active at once) and its one-time password.
function addUser(name) {
  const r = cli(['--json', 'user', 'add', name, '--agency', 'SYS', '--roles', 'admin', '--as',
    'demo.admin'], PW);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).one_time_password;
}

test('six wrong passwords lock the user name out; the right one is refused meanwhile', async () => {
  const otp = addUser('throttle.locked');
  const other = addUser('throttle.other');
  for (let i = 0; i < 5; i++) {
    const { res } = await login('throttle.locked', `wrong-password-${i}-xyz`);
    assert.equal(res.status, 401, `attempt ${i + 1}`);
  }
  const sixth = await login('throttle.locked', 'wrong-password-6-xyz');
  assert.equal(sixth.res.status, 429);
  assert.equal(sixth.res.headers.get('content-type'), 'application/problem+json');
  assert.equal(sixth.res.json.type, 'urn:safepath:problem:login-throttled');
  const after = Number(sixth.res.headers.get('retry-after'));
  assert.ok(Number.isInteger(after) && after > 0 && after <= 900, `Retry-After ${after}`);
  assert.ok(!sixth.res.text.includes('wrong-password'));

  // locked: the right password is refused too, and no session is made
  const right = await login('throttle.locked', otp);
  assert.equal(right.res.status, 429);
  assert.equal(right.cookie, null);
  // the counter is per user name, whatever its case
  assert.equal((await login('THROTTLE.Locked', otp)).res.status, 429);

  // another user from the same address is not affected
  const ok = await login('throttle.other', other);
  assert.equal(ok.res.status, 201);
});

test('a success clears the user name counter', async () => {
  const otp = addUser('throttle.reset');
  for (let i = 0; i < 4; i++)
    assert.equal((await login('throttle.reset', `wrong-password-${i}-xyz`)).res.status, 401);
  assert.equal((await login('throttle.reset', otp)).res.status, 201);
  for (let i = 0; i < 4; i++)
    assert.equal((await login('throttle.reset', `wrong-password-${i}-abc`)).res.status, 401);
  assert.equal((await login('throttle.reset', otp)).res.status, 201);
});

test('wrong current passwords in a password change count too', async () => {
  const otp = addUser('throttle.passwd');
  const { cookie, csrf, res } = await login('throttle.passwd', otp);
  assert.equal(res.status, 201);
  const change = (current) => request('POST', '/api/v1/me/password',
    { cookie, csrf, body: { current, new: 'a-new-password-2026-abc' } });
  for (let i = 0; i < 5; i++)
    assert.equal((await change(`wrong-password-${i}-xyz`)).status, 400, `attempt ${i + 1}`);
  const locked = await change(otp);
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers.get('retry-after')) > 0);
  assert.equal((await login('throttle.passwd', otp)).res.status, 429);
});

// ---- the second server (SP_BASE2): same database, rate limits of 1 a second with bursts of
// 10 per session and 60 per address ----

const BASE2 = process.env.SP_BASE2;

function at2(method, path, opts = {}) {
  return request(method, path, { ...opts, base: BASE2 });
}

test('failed log-ins counted by one server lock the user name out on the other', async () => {
  addUser('throttle.shared');
  for (let i = 0; i < 3; i++)
    assert.equal((await login('throttle.shared', `wrong-password-${i}-xyz`)).res.status, 401);
  for (let i = 3; i < 5; i++) {
    const r = await at2('POST', '/api/v1/session', { body: { username: 'throttle.shared', password: `wrong-password-${i}-xyz` } });
    assert.equal(r.status, 401);
  }
  const r = await at2('POST', '/api/v1/session', { body: { username: 'throttle.shared', password: 'wrong-password-5-xyz' } });
  assert.equal(r.status, 429);
  assert.equal((await login('throttle.shared', 'wrong-password-6-xyz')).res.status, 429);
});

test('a burst from one session is refused with 429 and Retry-After', async () => {
  const r = await at2('POST', '/api/v1/session', { body: { username: 'demo.coordinator', password: PW } });
  assert.equal(r.status, 201);
  const cookie = /sp_session=[^;]*/.exec(r.headers.get('set-cookie'))[0];
  const replies = await Promise.all(Array.from({ length: 25 }, () => at2('GET', '/api/v1/me', { cookie })));
  const ok = replies.filter((x) => x.status === 200).length;
  const limited = replies.filter((x) => x.status === 429);
  assert.ok(ok >= 10 && ok <= 13, `${ok} served`); // the burst, and what refilled meanwhile
  assert.equal(ok + limited.length, 25);
  for (const x of limited) {
    assert.equal(x.headers.get('content-type'), 'application/problem+json');
    assert.equal(x.json.type, 'urn:safepath:problem:rate-limited');
    assert.ok(Number(x.headers.get('retry-after')) >= 1);
  }
});

test('a burst from one address is refused; health checks and metrics are not limited', async () => {
  const replies = await Promise.all(Array.from({ length: 80 }, () => at2('GET', '/api/v1/me')));
  const limited = replies.filter((x) => x.status === 429);
  assert.ok(limited.length >= 10, `${limited.length} limited`);
  for (const x of replies) assert.ok(x.status === 401 || x.status === 429, String(x.status));
  for (let i = 0; i < 5; i++) {
    assert.equal((await at2('GET', '/healthz')).status, 200);
    assert.equal((await at2('GET', '/metrics')).status, 200);
  }
  // the address is still limited: the bucket gains one token a second, and those ten checks
  // may take more than a second on a busy machine (PostgreSQL), so a burst of five, some of
  // them refused, rather than one request that a new token may let through
  const after = await Promise.all(Array.from({ length: 5 }, () => at2('GET', '/api/v1/me')));
  assert.ok(after.some((x) => x.status === 429), after.map((x) => x.status).join(' '));
  for (const x of after) assert.ok(x.status === 401 || x.status === 429, String(x.status));
});
