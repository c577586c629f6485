// A connection per thread: a client that stalls half-way through its body, or a burst of
// log-ins (password hashing), does not hold up anyone else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { BASE, request, login, demo } from './lib.mjs';

test('a stalled client does not stall the others', async () => {
  const url = new URL(BASE);
  const stalled = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => s.on('connect', resolve));
    s.write('POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 100\r\n\r\n{"user');
    stalled.push(s);
  }
  const t0 = Date.now();
  const res = await request('GET', '/healthz');
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 < 2000, 'healthz waited for the stalled clients');
  for (const s of stalled) s.destroy();
});

test('parallel log-ins all succeed, each with its own session', async () => {
  const names = ['demo.caseworker', 'demo.supervisor', 'demo.identifier', 'demo.childworker',
    'demo.coordinator', 'demo.provider', 'demo.dpo', 'demo.screener'];
  const all = await Promise.all(names.map((n) => login(n, demo.password)));
  const cookies = new Set();
  for (const [i, r] of all.entries()) {
    assert.equal(r.res.status, 201);
    assert.equal(r.res.json.user.username, names[i]);
    cookies.add(r.cookie);
  }
  assert.equal(cookies.size, names.length);
  const mes = await Promise.all(all.map((r) => request('GET', '/api/v1/me', { cookie: r.cookie })));
  mes.forEach((m, i) => assert.equal(m.json.username, names[i]));
});
