// Failed-login throttling: counted per user name in the database, checked before any
// password is hashed. run.sh starts the server with the default login-max-failures (5) and
// a per-address limit the suite never reaches (every test logs in from 127.0.0.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, demo, login } from './lib.mjs';

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
