// An expired session: run.sh starts a third server (SP_BASE3) on the same database whose
// sessions last one second. The session works at once, and is refused with 401 once its
// time is up, on that server and on the main one (the expiry is kept in the database).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { demo, request } from './lib.mjs';

const BASE3 = process.env.SP_BASE3;

function at3(method, path, opts = {}) {
  return request(method, path, { ...opts, base: BASE3 });
}

test('an expired session gets 401 on every server', async () => {
  const made = await at3('POST', '/api/v1/session',
    { body: { username: 'demo.caseworker', password: demo.password } });
  assert.equal(made.status, 201);
  assert.match(made.headers.get('set-cookie'), /Max-Age=1;/);
  const cookie = /sp_session=[^;]*/.exec(made.headers.get('set-cookie'))[0];
  assert.equal((await at3('GET', '/api/v1/me', { cookie })).status, 200);

  await sleep(1300);
  const late = await at3('GET', '/api/v1/me', { cookie });
  assert.equal(late.status, 401);
  assert.equal(late.json.type, 'urn:safepath:problem:unauthenticated');
  const elsewhere = await request('GET', '/api/v1/cases', { cookie });
  assert.equal(elsewhere.status, 401);
});
