// Run after every other API test: the server's stdout and stderr hold logfmt lines of ids,
// codes and counts only — no password, token, user name or path a client sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { demo, init } from '../lib.mjs';
import { SECRET } from '../cases.data.mjs';

const err = readFileSync(process.env.SP_SERVER_LOG, 'utf8');
const out = readFileSync(process.env.SP_SERVER_OUT, 'utf8');

test('the server wrote nothing to stdout', () => {
  assert.equal(out, '');
});

// The main server answers the whole suite; the others a few tests (the expiry one, two
// requests besides its start; the fourth and fifth, a few of servers.test.mjs's; the sixth,
// deadlines.test.mjs's).
const few = ['/server3.err', '/server4.err', '/server5.err', '/server6.err'].some((f) => process.env.SP_SERVER_LOG.endsWith(f));
const fewest = few ? 2 : 20;

test('every log line is logfmt with known events, one per request', () => {
  const lines = err.trim().split('\n');
  assert.ok(lines.length > fewest);
  for (const line of lines) {
    assert.match(line, /^ts=\S+ level=(debug|info|warn|error) event=[a-z_.]+( [a-z_]+=[A-Za-z0-9._:\/@{}+-]+)*$/, line);
  }
  const req = lines.filter((l) => l.includes('event=http.request'));
  assert.ok(req.length > fewest);
  for (const l of req) assert.match(l, / route=(\/[a-z0-9\/._:-]*|unmatched) method=[A-Z]+ status=\d{3} ms=\d+\.\d{3}$/);
});

test('routes with an id are logged by their template', () => {
  // the case tests run against the main server; the second one only serves the throttling tests
  if (process.env.SP_SERVER_LOG.endsWith('/server.err'))
    assert.match(err, / route=\/api\/v1\/cases\/:id\/notes method=POST status=201 /);
  assert.doesNotMatch(err, /route=\/api\/v1\/cases\/[0-9a-f]{8}-/);
});

test('nothing personal or secret reached the log', () => {
  const secrets = [demo.password, init.one_time_password, 'admin-password-2026-new',
    'Zanzibar', 'secret-looking-path', ...demo.accounts.map((a) => a.username),
    ...Object.values(SECRET), 'Zorvanth'];
  for (const s of secrets) assert.ok(!err.includes(s), `the log holds ${s}`);
  assert.doesNotMatch(err, /[A-Za-z0-9_-]{43}/); // no session or CSRF token
});
