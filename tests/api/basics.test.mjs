// The server's frame: health, metrics, security headers, strict routing, body limits and
// the RFC 9457 problem documents for bad bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { BASE, request, rawRequest } from './lib.mjs';

function assertSecurityHeaders(res) {
  assert.equal(res.headers.get('content-security-policy'), "default-src 'self'; frame-ancestors 'none'");
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(res.headers.get('cache-control'), 'no-store');
}

function assertProblem(res, status, type) {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.json.status, status);
  assert.equal(res.json.type, `urn:safepath:problem:${type}`);
  assert.equal(typeof res.json.title, 'string');
}

test('healthz answers ok when the database answers', async () => {
  const res = await request('GET', '/healthz');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.deepEqual(res.json, { status: 'ok' });
});

test('every response carries the security headers, errors too', async () => {
  for (const [m, p] of [['GET', '/healthz'], ['GET', '/metrics'], ['GET', '/nowhere'],
    ['PUT', '/healthz'], ['GET', '/api/v1/me']]) {
    assertSecurityHeaders(await request(m, p));
  }
});

test('metrics are Prometheus text labelled by route template, never by raw path', async () => {
  await request('GET', '/healthz');
  await request('GET', '/no/such/secret-looking-path');
  const res = await request('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(res.text, /^# TYPE safepath_http_requests_total counter$/m);
  assert.match(res.text, /^safepath_http_requests_total\{route="\/healthz",method="GET",status="200"\} \d+$/m);
  assert.match(res.text, /^# TYPE safepath_http_request_duration_seconds histogram$/m);
  assert.match(res.text, /^safepath_http_request_duration_seconds_bucket\{route="\/healthz",method="GET",status="200",le="\+Inf"\} \d+$/m);
  assert.match(res.text, /^safepath_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} \d+$/m);
  assert.match(res.text, /route="unmatched",method="GET",status="404"/);
  // thread CPU by phase, per route template and method (what bench/read.sh reads)
  assert.match(res.text, /^# TYPE safepath_http_cpu_seconds_total counter$/m);
  for (const phase of ['decode', 'session', 'policy', 'store', 'decrypt', 'audit', 'commit', 'encode']) {
    assert.match(res.text, new RegExp(`^safepath_http_cpu_seconds_total\\{route="/healthz",method="GET",phase="${phase}"\\} [0-9.]+$`, 'm'));
  }
  assert.match(res.text, /^safepath_http_cpu_requests_total\{route="\/healthz",method="GET"\} [1-9]\d*$/m);
  assert.doesNotMatch(res.text, /secret-looking-path/);
  // every sample line is well formed
  for (const line of res.text.trim().split('\n')) {
    if (line.startsWith('#')) continue;
    assert.match(line, /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$/);
  }
});

test('paths match strictly: 404 for near misses, 405 with Allow for a wrong method', async () => {
  for (const p of ['/healthz/', '/HEALTHZ', '/healthz/x', '//healthz', '/api/v1/./me',
    '/api/v1/../v1/me', '/api/v1/me/']) {
    assertProblem(await rawRequest('GET', p), 404, 'not-found');
  }
  const res = await request('POST', '/healthz');
  assertProblem(res, 405, 'method-not-allowed');
  assert.equal(res.headers.get('allow'), 'GET');
  const s = await request('PUT', '/api/v1/session');
  assertProblem(s, 405, 'method-not-allowed');
  assert.equal(s.headers.get('allow'), 'POST, DELETE');
});

test('a body over 1 MiB is refused with 413', async () => {
  const res = await request('POST', '/api/v1/session', { raw: 'x'.repeat((1 << 20) + 1) });
  assertProblem(res, 413, 'too-large');
});

test('a chunked body over 1 MiB is counted and refused with 413', async () => {
  const url = new URL(BASE + '/api/v1/session');
  const { status, body } = await new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: b }));
    });
    req.on('error', reject);
    const chunk = '{' + ' '.repeat(256 * 1024);
    for (let i = 0; i < 5; i++) req.write(chunk);
    req.end();
  });
  assert.equal(status, 413);
  assert.equal(JSON.parse(body).type, 'urn:safepath:problem:too-large');
});

test('duplicate keys are refused with a pointer to the key', async () => {
  const res = await request('POST', '/api/v1/session',
    { raw: '{"username":"Zanzibar-Value-1","username":"x","password":"Zanzibar-Value-2"}' });
  assertProblem(res, 400, 'malformed-json');
  assert.equal(res.json.errors[0].pointer, '/username');
  assert.match(res.json.errors[0].reason, /duplicate/);
  assert.doesNotMatch(res.text, /Zanzibar/);
});

test('malformed JSON is a 400 problem', async () => {
  const res = await request('POST', '/api/v1/session', { raw: '{"username":' });
  assertProblem(res, 400, 'malformed-json');
  assert.equal(res.json.errors.length, 1);
});

test('unknown, missing and mistyped fields are each named, values never echoed', async () => {
  const res = await request('POST', '/api/v1/session',
    { body: { username: 42, role: 'Zanzibar-Value-3', 'Zanzibar Value 4': 'y' } });
  assertProblem(res, 400, 'validation');
  const got = res.json.errors.map((e) => `${e.pointer} ${e.reason}`).sort();
  assert.deepEqual(got, [
    ' has a member that is not a known field',
    '/password is required',
    '/role is not a known field',
    '/username must be a string',
  ]);
  assert.doesNotMatch(res.text, /Zanzibar|42/);
});

test('a JSON body must say it is JSON', async () => {
  const res = await request('POST', '/api/v1/session',
    { raw: '{"username":"a","password":"b"}', headers: { 'content-type': 'text/plain' } });
  assertProblem(res, 415, 'unsupported-media-type');
});

test('a request that takes no body refuses one', async () => {
  const res = await rawRequest('GET', '/healthz', { raw: '{}', headers: { 'content-type': 'application/json', 'content-length': '2' } });
  assertProblem(res, 400, 'validation');
});
