// Shared by the API tests: the server's address, the demo accounts, a small client that
// keeps the session cookie and CSRF token, and the CLI for what only it can do. Every answer
// the request helpers get is checked against docs/openapi.yaml (openapi.mjs): one that the
// document does not describe fails the test that asked.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import http from 'node:http';
import { checkAnswer } from './openapi.mjs';

export const BASE = process.env.SP_BASE;
const WORK = process.env.SP_WORK;
export const demo = JSON.parse(readFileSync(join(WORK, 'demo.json'), 'utf8'));
export const init = JSON.parse(readFileSync(join(WORK, 'init.json'), 'utf8'));

// base: another server of the suite (SP_BASE2 to SP_BASE5); the main one when absent.
export async function request(method, path, { body, raw, headers = {}, cookie, csrf, base = BASE } = {}) {
  const h = { ...headers };
  if (body !== undefined || raw !== undefined) h['content-type'] ??= 'application/json';
  if (cookie) h.cookie = cookie;
  if (csrf) h['x-csrf-token'] = csrf;
  const sent = raw !== undefined ? raw : body !== undefined ? JSON.stringify(body) : undefined;
  const res = await fetch(base + path, { method, headers: h, body: sent });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  const out = { status: res.status, headers: res.headers, text, json };
  checkAnswer(method, path, out, sent);
  return out;
}

// Log in; returns { cookie, csrf, res }.
export async function login(username, password) {
  const res = await request('POST', '/api/v1/session', { body: { username, password } });
  const set = res.headers.get('set-cookie') || '';
  const m = /sp_session=([^;]*)/.exec(set);
  return { cookie: m ? `sp_session=${m[1]}` : null, csrf: res.json?.csrf_token, res, setCookie: set };
}

// Run the CLI on the test's data folder with the password on file descriptor 3 (passed
// through the environment to a here-string, never on a command line).
export function cli(args, password) {
  const bin = process.env.SP_BIN;
  const all = ['--data', join(WORK, 'var'), '--key-file', join(WORK, 'keys/master.key'), ...args,
    '--password-fd', '3'];
  const r = spawnSync('bash', ['-c', '"$0" "$@" 3<<<"$SP_PW"', bin, ...all],
    { env: { ...process.env, SP_PW: password }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A request exactly as written (fetch would normalise "/./" and "/../" away, and refuses a
// GET with a body): { status, headers, text, json }.
export function rawRequest(method, path, { raw, headers = {} } = {}) {
  const url = new URL(BASE);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        const out = { status: res.statusCode, headers: new Headers(res.headers), text, json };
        try { checkAnswer(method, path, out, raw); } catch (e) { reject(e); return; }
        resolve(out);
      });
    });
    req.on('error', reject);
    if (raw !== undefined) req.write(raw);
    req.end();
  });
}

// A problem document of this status and type (RFC 9457).
export function assertProblem(assert, res, status, type) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.json.type, `urn:safepath:problem:${type}`);
}

// One SQL statement, read-only, beside the running server: its output lines.
export function sql(statement) {
  const db = join(WORK, 'var', 'safepath.db');
  const r = spawnSync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', db, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n');
}

// An id as an SQLite blob literal.
export const blob = (id) => `X'${id.replace(/-/g, '')}'`;

// A fresh account through the API, ready to use: the administrator adds it (a data-reading
// role waits for the approval a supervisor of its agency grants with the CLI), it logs in
// with its one-time password and changes it. Returns { id, username, password, cookie, csrf }.
export async function freshUser(prefix, agencyCode, roles) {
  const pw = demo.password;
  const admin = await login('demo.admin', pw);
  const agencies = await request('GET', '/api/v1/agencies?limit=100', admin);
  const agency = agencies.json.items.find((a) => a.code === agencyCode);
  const username = `${prefix}.${Math.random().toString(36).slice(2, 8)}`;
  const add = await request('POST', '/api/v1/users', { ...admin, body: { username, agency: agency.id, roles } });
  if (add.status !== 201) throw new Error(add.text);
  let otp = add.json.one_time_password;
  if (add.json.approval) {
    const g = cli(['--json', 'approval', 'grant', add.json.approval, '--as', 'demo.supervisor'], pw);
    if (g.status !== 0) throw new Error(g.stderr);
    otp = JSON.parse(g.stdout).one_time_password ?? otp;
  }
  const first = await login(username, otp);
  const password = `fresh-${Math.random().toString(36).slice(2)}-password`;
  const ch = await request('POST', '/api/v1/me/password', { ...first, body: { current: otp, new: password } });
  if (ch.status !== 204) throw new Error(ch.text);
  const s = await login(username, password);
  return { id: add.json.id, username, password, cookie: s.cookie, csrf: s.csrf };
}
