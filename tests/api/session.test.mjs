// Sessions: log-in, the cookie's attributes, /me, CSRF on mutating requests, log-out, the
// one-time-password session that may only change the password, and a disabled user losing
// the session at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, login, cli, demo, init } from './lib.mjs';

const PW = demo.password;

test('log-in sets a strict HttpOnly cookie and returns the CSRF token and the user', async () => {
  const { res, cookie, csrf, setCookie } = await login('demo.caseworker', PW);
  assert.equal(res.status, 201);
  assert.match(setCookie, /^sp_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
  assert.ok(cookie);
  assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(res.json.must_change_password, false);
  assert.equal(res.json.user.username, 'demo.caseworker');
  assert.deepEqual(res.json.user.roles, ['caseworker']);
  assert.match(res.json.user.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
  assert.doesNotMatch(res.text, new RegExp(PW));
});

test('a wrong password and an unknown user get the same 401', async () => {
  const a = await login('demo.caseworker', 'not-the-password-123');
  const b = await login('nobody.here', 'not-the-password-123');
  assert.equal(a.res.status, 401);
  assert.equal(b.res.status, 401);
  assert.equal(a.res.text, b.res.text);
  assert.equal(a.res.json.type, 'urn:safepath:problem:login-failed');
  assert.equal(a.cookie, null);
});

test('/me needs a live session', async () => {
  const none = await request('GET', '/api/v1/me');
  assert.equal(none.status, 401);
  assert.equal(none.json.type, 'urn:safepath:problem:unauthenticated');
  const forged = await request('GET', '/api/v1/me', { cookie: 'sp_session=' + 'A'.repeat(43) });
  assert.equal(forged.status, 401);
  const junk = await request('GET', '/api/v1/me', { cookie: 'sp_session=junk' });
  assert.equal(junk.status, 401);
});

test('/me with the cookie names the user', async () => {
  const { cookie } = await login('demo.supervisor', PW);
  const me = await request('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'demo.supervisor');
  assert.equal(me.json.agency_kind, 'ngo');
});

test('a mutating request without the right CSRF token is refused with 403', async () => {
  const { cookie, csrf } = await login('demo.identifier', PW);
  const missing = await request('DELETE', '/api/v1/session', { cookie });
  assert.equal(missing.status, 403);
  assert.equal(missing.json.type, 'urn:safepath:problem:csrf');
  const wrong = await request('DELETE', '/api/v1/session', { cookie, csrf: 'B'.repeat(43) });
  assert.equal(wrong.status, 403);
  const other = await login('demo.identifier', PW); // another session's token does not do
  const crossed = await request('DELETE', '/api/v1/session', { cookie, csrf: other.csrf });
  assert.equal(crossed.status, 403);
  // the session still stands
  assert.equal((await request('GET', '/api/v1/me', { cookie })).status, 200);
  assert.ok(csrf);
});

test('log-out ends the session: the cookie is cleared and no longer works', async () => {
  const { cookie, csrf } = await login('demo.screener', PW);
  const out = await request('DELETE', '/api/v1/session', { cookie, csrf });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /^sp_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  assert.equal((await request('GET', '/api/v1/me', { cookie })).status, 401);
  assert.equal((await request('DELETE', '/api/v1/session', { cookie, csrf })).status, 401);
});

test('a one-time-password session may only change the password', async () => {
  const otp = init.one_time_password;
  const { res, cookie, csrf } = await login(init.admin, otp);
  assert.equal(res.status, 201);
  assert.equal(res.json.must_change_password, true);
  const me = await request('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 403);
  assert.equal(me.json.type, 'urn:safepath:problem:password-change-required');

  const noCsrf = await request('POST', '/api/v1/me/password', { cookie, body: { current: otp, new: 'x' } });
  assert.equal(noCsrf.status, 403);
  const wrong = await request('POST', '/api/v1/me/password',
    { cookie, csrf, body: { current: 'not-the-otp-1234', new: 'admin-password-2026-new' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.errors[0].pointer, '/current');
  const short = await request('POST', '/api/v1/me/password',
    { cookie, csrf, body: { current: otp, new: 'short' } });
  assert.equal(short.status, 400);
  assert.equal(short.json.errors[0].pointer, '/new');
  assert.doesNotMatch(short.text, /short"/);

  const ok = await request('POST', '/api/v1/me/password',
    { cookie, csrf, body: { current: otp, new: 'admin-password-2026-new' } });
  assert.equal(ok.status, 204);
  const after = await request('GET', '/api/v1/me', { cookie });
  assert.equal(after.status, 200);
  assert.equal(after.json.must_change_password, false);
  assert.equal((await login(init.admin, otp)).res.status, 401); // the OTP is spent
});

test('a disabled user loses the session at once', async () => {
  const { cookie } = await login('demo.focal', PW);
  assert.equal((await request('GET', '/api/v1/me', { cookie })).status, 200);
  const r = cli(['user', 'disable', 'demo.focal', '--as', 'demo.admin'], PW);
  assert.equal(r.status, 0, r.stderr);
  const me = await request('GET', '/api/v1/me', { cookie });
  assert.equal(me.status, 401);
  assert.equal((await login('demo.focal', PW)).res.status, 401);
});
