// Shared by the browser tests: the server (a real `safepath serve` on a free port over the
// run's data folder), Chromium off the network, and a page that records every console
// error, uncaught exception and CSP violation, runs axe-core, and takes a screenshot when a
// step fails; logging in.
import { spawn } from 'node:child_process';
import { readFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const WORK = process.env.SP_WORK;
export const ROOT = process.env.SP_ROOT;
const axeSource = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

// Log in from the log-in page (the demo accounts' password unless given).
export async function logIn(page, username, password = JSON.parse(readFileSync(join(WORK, 'demo.json'), 'utf8')).password) {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('form button[type=submit]');
}

async function post(base, path, body, session) {
  const headers = { 'Content-Type': 'application/json' };
  if (session) Object.assign(headers, { Cookie: session.cookie, 'X-CSRF-Token': session.csrf });
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), cookie: res.headers.get('set-cookie') };
}

// A test file's own service directory (HSDS JSON), imported through the API by the demo focal
// point (service.manage) before its flows.
export async function importDirectory(base, directory) {
  const password = JSON.parse(readFileSync(join(WORK, 'demo.json'), 'utf8')).password;
  const login = await post(base, '/api/v1/session', { username: 'demo.focal', password });
  assert.equal(login.status, 201, login.text);
  const focal = { cookie: login.cookie.split(';')[0], csrf: JSON.parse(login.text).csrf_token };
  const imp = await post(base, '/api/v1/services', directory, focal);
  assert.equal(imp.status, 201, imp.text);
}

// A case of an unaccompanied child born `years` ago opened from the new-case page, its name
// parts as written (given, then family); resolves to its id once its page shows.
export async function newChildCase(page, names, years) {
  await page.click('nav a[href="/cases/new"]');
  await page.waitForSelector('#name-0-original');
  for (const [i, n] of names.entries()) await page.fill(`#name-${i}-original`, n);
  await page.selectOption('#dob-precision', 'year');
  await page.fill('#dob-year', String(new Date().getFullYear() - years));
  await page.check('#flag-unaccompanied_child');
  await page.click('form button[type=submit]');
  await page.waitForSelector('#needs-h');
  return new URL(page.url()).pathname.split('/').pop();
}

// Start the server; resolves to { base, stop }. The rate limits are lifted out of the
// tests' reach (every page load is a few requests from 127.0.0.1); settings: more of the
// server's environment (SAFEPATH_JURISDICTION, …).
export async function startServer(settings = {}) {
  const args = ['--data', join(WORK, 'var'), '--key-file', join(WORK, 'keys/master.key'),
    'serve', '--listen', '127.0.0.1:0'];
  const env = {
    ...process.env, SAFEPATH_RATE_LIMIT_PER_S: '100000', SAFEPATH_RATE_LIMIT_BURST: '100000',
    SAFEPATH_RATE_LIMIT_ADDRESS_PER_S: '100000', SAFEPATH_RATE_LIMIT_ADDRESS_BURST: '100000', ...settings,
  };
  const child = spawn(process.env.SP_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout.pipe(createWriteStream(join(WORK, 'server.out')));
  child.stderr.pipe(createWriteStream(join(WORK, 'server.err')));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${err}`)), 10000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /event=serve\.listening .*port=(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited ${code}:\n${err}`)));
  });
  const stop = () => new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
  return { base: `http://127.0.0.1:${port}`, stop };
}

// The server and the browser a test file shares: started in its before hook, stopped in its
// after hook (stopAll takes what startAll gave, or nothing when that failed).
export async function startAll(settings) {
  const server = await startServer(settings);
  try {
    return { server, browser: await launch() };
  } catch (e) {
    await server.stop();
    throw e;
  }
}

export async function stopAll({ server, browser } = {}) {
  await browser?.close();
  await server?.stop();
}

// Debian's Chromium, with what keeps it off the network: no background requests, no
// component or safe-browsing updates, no sync, no QUIC.
export function launch() {
  return chromium.launch({
    executablePath: process.env.SP_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

// A new context and page at the given size and language. page.problems collects every
// console error, page error and CSP violation; a network error the test expects (a 400 the
// form shows beside its fields) is declared first with page.expectHttpError.
export async function openPage(browser, base, { width = 1280, height = 900, lang } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: base });
  const problems = [];
  const expected = [];
  await context.exposeBinding('__spCspViolation', (_src, text) => problems.push(`CSP violation: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__spCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  if (lang) await context.addInitScript((l) => localStorage.setItem('safepath.lang', l), lang);
  context.setDefaultTimeout(5000);
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const url = m.location()?.url || '';
    const status = /status of (\d{3})/.exec(m.text())?.[1];
    const i = expected.findIndex((x) => String(x.status) === status && url.endsWith(x.path));
    if (i >= 0) expected.splice(i, 1);
    else problems.push(`console ${m.type()}: ${m.text()} ${url}`);
  });
  page.problems = problems;
  page.expectHttpError = (status, path) => expected.push({ status, path });
  page.expectedLeft = expected;
  return page;
}

// No console error, page error or CSP violation so far, and every expected one came.
export function assertClean(page) {
  assert.deepEqual(page.problems, [], 'console errors, page errors or CSP violations');
  assert.deepEqual(page.expectedLeft, [], 'an expected failed request did not happen');
}

// axe-core, injected by evaluation (never a script tag, which the CSP would refuse): no
// serious or critical violation on the page as it is.
export async function assertAccessible(page, what) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe-core: serious or critical violations on ${what}`);
}

// The page is no wider than the window: nothing to scroll sideways.
export async function assertNoHorizontalScroll(page, what) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${what}: ${scroll} px wide in a ${client} px window`);
}

// Run a flow; on failure, a full-page screenshot into the run's folder, then the error.
export async function withScreenshot(page, name, flow) {
  try {
    await flow();
  } catch (e) {
    const file = join(WORK, `e2e-${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    e.message += `\n(screenshot: ${file})`;
    throw e;
  }
}

// A request from the page, as the shell makes it (its session cookie and CSRF token); extra
// headers (If-Match) in headers. Resolves to { status, json }.
export function apiCall(page, method, path, body, headers = {}) {
  return page.evaluate(async ([m, p, b, h]) => {
    const all = { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('safepath.csrf'), ...h };
    const r = await fetch(p, { method: m, headers: all, body: b === null ? undefined : JSON.stringify(b) });
    return { status: r.status, json: await r.json().catch(() => null) };
  }, [method, path, body ?? null, headers]);
}

// The server and the browser of a test file, started before its tests and stopped after
// them: the object's server and browser are set once the before hook ran.
export function serveFile(settings) {
  const ctx = {};
  before(async () => Object.assign(ctx, await startAll(settings)));
  after(() => stopAll(ctx));
  return ctx;
}

// Log in from the log-in page as a user of the case roles, who lands on the dashboard.
export async function logInToDashboard(page, username, password) {
  await logIn(page, username, password);
  await page.waitForSelector('.chart');
}

// Log in and wait for the shell's navigation, whatever page the user lands on.
export async function signIn(page, username, password) {
  await logIn(page, username, password);
  await page.waitForSelector('nav.nav');
}

// A page of its own at phone width, signed in as username (a demo account).
export const PHONE = { width: 390, height: 844 };
export async function phonePage(browser, base, username) {
  const page = await openPage(browser, base, PHONE);
  await signIn(page, username);
  return page;
}
