// The web shell in Chromium against a real server: log in with a one-time password and
// change it, open a case (a refused one first: the API's error beside its field), find it by
// name, open it, add a note, log out; the same in Arabic laid out right to left; every page
// at 360 px without sideways scrolling; logging in with the keyboard alone. Each page is
// checked with axe-core, and any console error or CSP violation fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli, demo } from '../api/lib.mjs';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot } from './lib.mjs';

let server;
let browser;
const accounts = {};
let englishCase = null; // the number of the case the first test opens

// A caseworker of the demo NGO with a one-time password: added by the administrator, the
// role granted by the NGO's supervisor (four eyes), who receives the one-time password.
function newCaseworker(username) {
  const add = cli(['--json', 'user', 'add', username, '--agency', 'NGO', '--roles', 'caseworker',
    '--as', 'demo.admin'], demo.password);
  assert.equal(add.status, 0, add.stderr);
  const grant = cli(['--json', 'approval', 'grant', JSON.parse(add.stdout).approval,
    '--as', 'demo.supervisor'], demo.password);
  assert.equal(grant.status, 0, grant.stderr);
  return JSON.parse(grant.stdout).one_time_password;
}

before(async () => {
  accounts.en = { username: 'e2e.amani', otp: newCaseworker('e2e.amani') };
  accounts.ar = { username: 'e2e.layla', otp: newCaseworker('e2e.layla') };
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));

async function logIn(page, username, password) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('form button[type=submit]');
}

// Log in with the one-time password, then choose a new one (first two that do not match).
async function firstLogIn(page, { username, otp }, fresh) {
  await logIn(page, username, otp);
  await page.waitForSelector('#pw-new');
  await assertAccessible(page, 'the password change');
  await page.fill('#pw-current', otp);
  await page.fill('#pw-new', fresh);
  await page.fill('#pw-repeat', `${fresh}x`);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#pw-repeat[aria-invalid="true"]');
  // the focus moves once the error has been drawn (an effect after the render)
  await page.waitForFunction((id) => document.activeElement?.id === id, 'pw-repeat', { timeout: 5000 });
  await page.fill('#pw-repeat', fresh);
  await page.click('form button[type=submit]');
  await page.waitForSelector('.case-list, .empty');
  assert.equal(new URL(page.url()).pathname, '/');
}

// The new-case form, refused once by the API (an unknown nationality: its reason appears
// beside that field, which takes the focus), then accepted; returns the case number.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function openCase(page, person) {
  const keys = []; // the Idempotency-Key of each submission
  const onRequest = (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/cases') keys.push(r.headers()['idempotency-key']);
  };
  page.on('request', onRequest);
  await page.click('nav a[href="/cases/new"]');
  await page.waitForSelector('#name-0-original');
  await assertAccessible(page, 'the new-case form');
  await page.fill('#name-0-original', person.given);
  if (person.givenLatin) await page.fill('#name-0-romanised', person.givenLatin);
  await page.fill('#name-1-original', person.family);
  await page.fill('#nationalities', 'XQ');
  await page.selectOption('#dob-calendar', person.calendar);
  await page.selectOption('#dob-precision', 'month');
  await page.fill('#dob-year', person.year);
  await page.fill('#dob-month', person.month);
  await page.fill('#doc-country', 'ER');
  await page.fill('#doc-number', person.document);
  await page.check('#flag-possible_victim_of_trafficking');
  if (person.safeContact) {
    await page.click('details.details summary');
    await page.fill('#safety-safe_contact', person.safeContact);
  }
  // the registration check refuses the person first, then the create names the field
  page.expectHttpError(400, '/api/v1/persons/match-check');
  page.expectHttpError(400, '/api/v1/cases');
  await page.click('form button[type=submit]');

  const bad = page.locator('#nationalities');
  await page.waitForSelector('#nationalities[aria-invalid="true"]');
  const reason = (await page.textContent('#nationalities-error')).trim();
  assert.match(reason, /country/i, 'the API\'s reason, beside the field');
  assert.match(await bad.getAttribute('aria-describedby'), /\bnationalities-error\b/);
  // the focus moves once the error has been drawn (an effect after the render)
  await page.waitForFunction((id) => document.activeElement?.id === id, 'nationalities', { timeout: 5000 });
  assert.equal(await page.locator('.error-summary[role="alert"] li').count(), 1);
  await assertAccessible(page, 'the new-case form with an error');

  await page.fill('#nationalities', 'ER');
  await page.click('form button[type=submit]');
  await page.waitForSelector('#notes-h');
  page.off('request', onRequest);
  // each submission carries a key; the second sent other values, so another key
  assert.equal(keys.length, 2);
  keys.forEach((k) => assert.match(k || '', UUID));
  assert.notEqual(keys[0], keys[1]);
  assert.match(new URL(page.url()).pathname, /^\/cases\/[0-9a-f-]{36}$/);
  const number = (await page.textContent('h1')).match(/[A-Z]+-\d{4}-\d{6}/)[0];
  await page.waitForSelector('.case-list, .notes, .empty');
  return number;
}

async function addNote(page, text) {
  await page.fill('#note-text', text);
  const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/notes'));
  await page.click('form:has(#note-text) button[type=submit]');
  assert.match((await sent).headers()['idempotency-key'] || '', UUID);
  await page.locator('.note__text', { hasText: text }).waitFor();
}

async function findByName(page, name, number) {
  await page.click('nav a[href="/cases"]');
  await page.waitForSelector('#s-names');
  await page.fill('#s-names', name);
  await page.click('form[role=search] button[type=submit]');
  await page.waitForSelector('#results-h');
  const link = page.locator('#results-h ~ .case-list a', { hasText: number });
  assert.equal(await link.count(), 1, 'the new case is found by name');
  await assertAccessible(page, 'the search results');
  await link.click();
  await page.waitForSelector('#notes-h');
}

async function logOut(page) {
  await page.click('.topbar__tools button');
  await page.waitForSelector('#username');
  assert.equal(new URL(page.url()).pathname, '/login');
  // the session is gone on the server too, and the cookie with it
  assert.equal((await page.request.get('/api/v1/me')).status(), 401);
  await page.goto('/cases');
  await page.waitForSelector('#username');
}

test('log in with a one-time password, change it, open a case, find it, add a note, log out', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'english', async () => {
    await page.goto('/');
    await page.waitForSelector('#username');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await assertAccessible(page, 'the log-in page');
    await firstLogIn(page, accounts.en, 'a-new-password-for-amani');
    await assertAccessible(page, 'the caseload');

    const number = englishCase = await openCase(page, { given: 'Selamawit', family: 'Tesfamariam', calendar: 'ethiopian',
      year: '1997', month: '5', document: 'E2E-P-771234', safeContact: 'Only through the shelter office.' });
    assert.match(await page.textContent('.person-name'), /Selamawit Tesfamariam/);
    // the safety information, which the API sends to the assigned caseworker
    assert.match(await page.textContent('#safety-h ~ .facts'), /Only through the shelter office\./);
    assert.match(await page.textContent('.page__head .badges'), /Possible victim of trafficking/);
    assert.match(await page.textContent('#person-h ~ .facts'), /1997-5 in the Ethiopian calendar/);
    await assertAccessible(page, 'the case page');
    await addNote(page, 'First meeting at the reception centre.');
    await assertAccessible(page, 'the case page with a note');

    await findByName(page, 'selamawit', number);
    assert.match(await page.textContent('h1'), new RegExp(number));
    assert.match(await page.textContent('.notes'), /First meeting at the reception centre\./);
    await logOut(page);
    assertClean(page);
  });
  await page.context().close();
});

test('the same in Arabic, laid out right to left', async () => {
  const page = await openPage(browser, server.base);
  await withScreenshot(page, 'arabic', async () => {
    await page.goto('/login');
    await page.waitForSelector('#username');
    await page.selectOption('#gate-language', 'ar');
    await page.waitForSelector('html[dir="rtl"][lang="ar"]');
    assert.equal(await page.textContent('h1'), 'تسجيل الدخول');
    await assertAccessible(page, 'the Arabic log-in page');
    await firstLogIn(page, accounts.ar, 'a-new-password-for-layla');

    // the frame is mirrored: the brand and the navigation on the right, the tools on the left
    const width = page.viewportSize().width;
    const nav = await page.locator('nav.nav').boundingBox();
    const brand = await page.locator('.topbar__home').boundingBox();
    const tools = await page.locator('.topbar__tools').boundingBox();
    assert.ok(brand.x + brand.width > width - 150, 'the brand sits at the right edge');
    // (the tools wrap below the navigation when its links fill the row)
    const sameRow = tools.y < nav.y + nav.height && nav.y < tools.y + tools.height;
    assert.ok(nav.x + nav.width <= brand.x + 1 && (!sameRow || nav.x >= tools.x + tools.width),
      'the navigation follows it leftwards');
    assert.ok(tools.x < width / 2, 'the tools are on the left');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main')).direction), 'rtl');
    assert.equal(await page.textContent('nav a[href="/cases"]'), 'الحالات');
    await assertAccessible(page, 'the Arabic caseload');

    const number = await openCase(page, { given: 'سلمى', givenLatin: 'Salma', family: 'الحسيني',
      calendar: 'islamic-umalqura', year: '1420', month: '9', document: 'E2E-P-884211' });
    assert.match(await page.textContent('.person-name'), /سلمى الحسيني/);
    assert.match(await page.textContent('#person-h ~ .facts'), /بالتقويم الهجري \(أم القرى\)/);
    await assertAccessible(page, 'the Arabic case page');
    await addNote(page, 'أول لقاء في مركز الاستقبال.');
    await findByName(page, 'سلمى', number);
    await logOut(page);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl', 'the language is remembered');
    assertClean(page);
  });
  await page.context().close();
});

test('a colleague not assigned to the case sees its workflow, not the person, safety or notes', async () => {
  assert.ok(englishCase, 'the first test opened a case');
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'colleague', async () => {
    await page.goto('/login');
    await logIn(page, 'demo.caseworker', demo.password);
    await page.waitForSelector('.case-row');
    await page.click('nav a[href="/cases"]');
    await page.waitForSelector('#s-names');
    // the search finds the colleague's case (its summary is what search returns) ...
    await page.fill('#s-names', 'Tesfamariam');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector('#results-h');
    // ... and the policy decides what its page holds: the API refuses notes and consents (403)
    page.expectHttpError(403, '/needs');
    page.expectHttpError(403, '/tasks');
    page.expectHttpError(403, '/plan');
    page.expectHttpError(403, '/decisions');
    page.expectHttpError(403, '/tracing-matches');
    page.expectHttpError(403, '/deadlines?lang=en');
    page.expectHttpError(403, '/notes');
    page.expectHttpError(403, '/consents');
    await page.locator('#results-h ~ .case-list a', { hasText: englishCase }).click();
    await page.waitForSelector('.notice');
    await page.waitForSelector('#notes-h + p.muted');
    await page.waitForSelector('#consents-h + p.muted');
    assert.equal(await page.textContent('#needs-h + p.muted'), 'You may not see this case\'s needs.');
    assert.equal(await page.textContent('#tasks-h + p.muted'), 'You may not see this case\'s tasks.');
    assert.equal(await page.textContent('#plan-h + p.muted'), 'You may not see this case\'s support plan.');
    assert.equal(await page.locator('#goal-type').count(), 0);
    assert.equal(await page.textContent('#decisions-h + p.muted'), 'You may not see this case\'s decisions.');
    assert.equal(await page.textContent('#deadlines-h + p.muted'), 'You may not see this case\'s deadlines.');
    assert.equal(await page.locator('#need-kind').count(), 0);
    assert.match(await page.textContent('h1'), new RegExp(englishCase));
    assert.match(await page.textContent('.notice'), /not the person/);
    assert.equal(await page.locator('#person-h').count(), 0);
    assert.equal(await page.locator('#safety-h').count(), 0, 'no safety information');
    assert.equal(await page.locator('#note-text').count(), 0);
    assert.doesNotMatch(await page.textContent('main'), /Selamawit|shelter office|reception centre/);
    await assertAccessible(page, 'a case page without the person');
    assertClean(page);
  });
  await page.context().close();
});

test('every page fits a 360-pixel-wide phone, in English and in Arabic', async () => {
  for (const lang of ['en', 'ar']) {
    const page = await openPage(browser, server.base, { width: 360, height: 740, lang });
    await withScreenshot(page, `phone-${lang}`, async () => {
      await page.goto('/login');
      await page.waitForSelector('#username');
      await assertNoHorizontalScroll(page, `${lang} log-in`);
      await logIn(page, 'demo.caseworker', demo.password);
      await page.waitForSelector('.chart');
      await assertNoHorizontalScroll(page, `${lang} dashboard`);
      await assertAccessible(page, `the ${lang} dashboard at 360 px`);
      await page.click('nav a[href="/cases"]');
      await page.waitForSelector('.case-row');
      await assertNoHorizontalScroll(page, `${lang} caseload`);
      await assertAccessible(page, `the ${lang} caseload at 360 px`);
      await page.click('.case-row a');
      await page.waitForSelector('#notes-h');
      await page.waitForSelector('.notes, .empty');
      await assertNoHorizontalScroll(page, `${lang} case page`);
      await page.click('section[aria-labelledby="consents-h"] button[aria-expanded="false"]'); // the consent form
      await page.waitForSelector('#consent-purpose');
      await assertNoHorizontalScroll(page, `${lang} consent form`);
      await page.click('section[aria-labelledby="tasks-h"] button[aria-expanded="false"]'); // the task form
      await page.waitForSelector('#task-kind');
      await assertNoHorizontalScroll(page, `${lang} task form`);
      await assertAccessible(page, `the ${lang} case page at 360 px`);
      await page.click('nav a[href="/tasks"]');
      await page.waitForSelector('.task-list, .task-list + *, section .empty');
      await assertNoHorizontalScroll(page, `${lang} My tasks`);
      await assertAccessible(page, `the ${lang} My tasks at 360 px`);
      await page.click('nav a[href="/deadlines"]');
      await page.waitForSelector('#deadlines-overdue');
      await assertNoHorizontalScroll(page, `${lang} Deadlines`);
      await assertAccessible(page, `the ${lang} Deadlines page at 360 px`);
      await page.click('nav a[href="/cases/new"]');
      await page.waitForSelector('#name-0-original');
      await page.selectOption('#dob-precision', 'day');
      await assertNoHorizontalScroll(page, `${lang} new-case form`);
      assertClean(page);
    });
    await page.context().close();
  }
});

test('the navigation follows the roles: a national coordinator gets no caseload', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'coordinator', async () => {
    await page.goto('/login');
    await logIn(page, 'demo.coordinator', demo.password);
    await page.waitForSelector('#account-h');
    assert.equal(await page.locator('nav a[href="/cases"]').count(), 0);
    assert.deepEqual(await page.locator('nav a').allTextContents(), ['Home']);
    assert.match(await page.textContent('.account__roles'), /National coordinator/);
    await assertAccessible(page, 'the coordinator\'s home page');
    // a typed address does not reach the caseload either (the API would refuse it: 403)
    await page.goto('/cases');
    await page.waitForSelector('#account-h');
    assertClean(page);
  });
  await page.context().close();
});

test('logging in with the keyboard alone, with a visible focus', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'keyboard', async () => {
    await page.goto('/login');
    await page.waitForSelector('#username');
    // Tab from the top of the page reaches the user name field within a few stops
    let at = '';
    for (let i = 0; i < 6 && at !== 'username'; i++) {
      await page.keyboard.press('Tab');
      at = await page.evaluate(() => document.activeElement.id);
    }
    assert.equal(at, 'username');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused field shows it');
    await page.keyboard.type('demo.caseworker');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
    await page.keyboard.type(demo.password);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.case-row');
    // on a page's first load, the first Tab stop is the skip link, which takes the focus to
    // the main region
    await page.reload();
    await page.waitForSelector('.case-row');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    assert.ok((await page.locator('.skip-link').boundingBox()).y >= 0, 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    assertClean(page);
  });
  await page.context().close();
});

test('the shell is served from the program: ETags and 304, the security headers, no catch-all', async () => {
  const csp = "default-src 'self'; frame-ancestors 'none'";
  for (const [path, type] of [['/', 'text/html; charset=utf-8'], ['/cases/new', 'text/html; charset=utf-8'],
    ['/assets/app.js', 'text/javascript; charset=utf-8'], ['/assets/app.css', 'text/css; charset=utf-8']]) {
    const res = await fetch(server.base + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type);
    assert.equal(res.headers.get('content-security-policy'), csp);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const etag = res.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{16}"$/);
    const again = await fetch(server.base + path, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304, path);
    assert.equal(await again.text(), '');
  }
  const page = await (await fetch(`${server.base}/`)).text();
  assert.doesNotMatch(page, /<script>|<script [^>]*>[^<]|style=/, 'nothing inline');
  for (const path of ['/nowhere', '/cases/', '/assets/', '/web/app.js', '/api/v1/nowhere']) {
    assert.equal((await fetch(server.base + path)).status, 404, path);
  }
  const api = await fetch(`${server.base}/api/v1/me`);
  assert.equal(api.status, 401);
  assert.equal(api.headers.get('cache-control'), 'no-store');
  assert.equal(api.headers.get('etag'), null);
});

test('the checks can fail: an inline style attribute is a CSP violation the test sees', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await page.goto('/login');
  await page.waitForSelector('#username');
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.append(d);
  });
  await page.waitForTimeout(100);
  assert.ok(page.problems.some((p) => p.startsWith('CSP violation: style-src')), page.problems.join('\n'));
  // and a low-contrast text is a serious axe-core violation
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = 'faint';
    p.style.color = '#eeeeee'; // through the CSSOM, which the CSP allows
    p.style.background = '#ffffff';
    document.querySelector('main').append(p);
  });
  await assert.rejects(assertAccessible(page, 'a page with faint text'), /color-contrast/);
  await page.context().close();
});
