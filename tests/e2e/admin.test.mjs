// The administrator's and the DPO's pages in Chromium against a real server: the
// administrator adds a user (a bad user name refused first, its reason beside the field),
// reads the one-time password once, logs out; the new user logs in with it and must change
// it; the administrator disables that user, whose open session is then refused; an agency is
// added (a bad country first); the DPO filters the trail by action and verifies the chain;
// the pages in Arabic at 360 px, each served on its own address. Each page is checked with axe-core, and any console error or
// CSP violation fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, logIn } from './lib.mjs';

let server;
let browser;
const NEW_USER = 'e2e.nadia';

before(async () => {
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));

async function logOut(page) {
  await page.click('.topbar button');
  await page.waitForSelector('#username');
}

const focused = (page, id) => page.waitForFunction((x) => document.activeElement?.id === x, id);

// A flow in a fresh window logged in as username (screenshot on failure, then no console
// error or CSP violation).
async function as(username, name, flow, size) {
  const page = await openPage(browser, server.base, size);
  await withScreenshot(page, name, async () => {
    await logIn(page, username, demo.password);
    await flow(page);
    assertClean(page);
  });
  await page.context().close();
}

// The users page with the agencies loaded into the picker.
async function openUsers(page) {
  await page.click('nav a[href="/users"]');
  await page.waitForSelector('#nu-agency option:nth-child(2)', { state: 'attached' });
  await page.waitForSelector('.user-row');
}

test('the administrator adds a user, who must change the one-time password; disabling ends their session', async () => {
  const admin = await openPage(browser, server.base);
  let user = null;
  await withScreenshot(admin, 'admin-users', async () => {
    await logIn(admin, 'demo.admin', demo.password);
    await admin.waitForSelector('nav a[href="/agencies"]');
    assert.equal(await admin.locator('nav a[href="/audit"]').count(), 0, 'the audit page is the DPO\'s');
    assert.match(await admin.textContent('main'), /Users page/);
    await openUsers(admin);
    await assertAccessible(admin, 'the users page');

    // a user name with capitals and a space: the API's reason beside the field, which takes the focus
    await admin.fill('#nu-username', 'Nadia K');
    const ngo = await admin.$eval('#nu-agency', (s) => [...s.options].find((o) => o.text.startsWith('NGO ·')).value);
    await admin.selectOption('#nu-agency', ngo);
    await admin.check('#nu-role-coordinator');
    admin.expectHttpError(400, '/api/v1/users');
    await admin.click('form:has(#nu-username) button[type=submit]');
    await admin.waitForSelector('#nu-username[aria-invalid="true"]');
    assert.match(await admin.textContent('#nu-username-error'), /must start with a letter a-z/);
    await focused(admin, 'nu-username');
    assert.equal(await admin.locator('.error-summary li').count(), 1);
    await assertAccessible(admin, 'the new-user form with an error');

    await admin.fill('#nu-username', NEW_USER);
    await admin.click('form:has(#nu-username) button[type=submit]');
    await admin.waitForSelector('#created-h');
    assert.equal((await admin.textContent('#created-h')).trim(), `User ${NEW_USER} added`);
    const otp = (await admin.textContent('#created-h ~ .otp .otp__value code')).trim();
    assert.match(otp, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    assert.match(await admin.textContent('.otp__hint'), /Shown this once only/);
    const row = admin.locator(`.user-row[data-username="${NEW_USER}"]`);
    assert.match(await row.locator('.badges').textContent(), /^\s*National coordinator\s*Password to change\s*$/);
    await assertAccessible(admin, 'the users page with a one-time password');
    await admin.click('#created-h ~ button');
    assert.equal(await admin.locator('.otp').count(), 0, 'the one-time password is gone once noted');
    await logOut(admin);

    // the new user: the one-time password leads to the forced change, then home
    user = await openPage(browser, server.base);
    await logIn(user, NEW_USER, otp);
    await user.waitForSelector('#pw-new');
    await user.fill('#pw-current', otp);
    await user.fill('#pw-new', 'a long new e2e password');
    await user.fill('#pw-repeat', 'a long new e2e password');
    await user.click('form button[type=submit]');
    await user.waitForSelector('#account-h');
    assert.equal(await user.locator('nav a[href="/users"]').count(), 0, 'a coordinator has no users page');

    // the administrator disables the user after a confirmation
    await logIn(admin, 'demo.admin', demo.password);
    await admin.waitForSelector('nav a[href="/users"]');
    await openUsers(admin);
    const manage = admin.locator(`.user-row[data-username="${NEW_USER}"] details`);
    await manage.locator('summary').click();
    await manage.locator('button', { hasText: /^Disable$/ }).click();
    const confirm = manage.locator('.confirm[role="alertdialog"]');
    assert.match(await confirm.textContent(), new RegExp(`Disable ${NEW_USER}\\?`));
    await assertAccessible(admin, 'the disable confirmation');
    await confirm.locator('button', { hasText: 'Yes, disable' }).click();
    await manage.locator('.notice', { hasText: `${NEW_USER} is disabled` }).waitFor();
    assert.match(await admin.locator(`.user-row[data-username="${NEW_USER}"] .badges`).textContent(), /Disabled/);

    // the user's open session is refused: the shell goes back to the log-in page
    user.expectHttpError(401, '/api/v1/me');
    await user.reload();
    await user.waitForSelector('#username');
    assertClean(user);
    assertClean(admin);
  });
  await user?.context().close();
  await admin.context().close();
});

test('the administrator adds an agency; a bad country is named beside its field', async () => {
  await as('demo.admin', 'admin-agencies', async (page) => {
    await page.click('nav a[href="/agencies"]');
    await page.waitForSelector('.table tbody tr');
    await assertAccessible(page, 'the agencies page');
    await page.fill('#ag-code', 'ETE');
    await page.fill('#ag-name', 'Test shelter (synthetic e2e)');
    await page.selectOption('#ag-kind', 'shelter');
    await page.fill('#ag-country', 'XQ');
    page.expectHttpError(400, '/api/v1/agencies');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#ag-country[aria-invalid="true"]');
    assert.match(await page.textContent('#ag-country-error'), /country/i);
    await focused(page, 'ag-country');
    await assertAccessible(page, 'the new-agency form with an error');
    await page.fill('#ag-country', 'ua');
    await page.click('form button[type=submit]');
    await page.locator('.notice', { hasText: 'Agency ETE added.' }).waitFor();
    const row = page.locator('.table tbody tr', { hasText: 'ETE' });
    assert.match(await row.textContent(), /Test shelter \(synthetic e2e\).*Shelter.*UA/);
  });
});

test('the DPO filters the audit trail by action and verifies the chain', async () => {
  await as('demo.dpo', 'dpo-audit', async (page) => {
    await page.waitForSelector('nav a[href="/audit"]');
    assert.equal(await page.locator('nav a[href="/users"]').count(), 0, 'the users page is the administrator\'s');
    await page.click('nav a[href="/audit"]');
    await page.waitForSelector('.audit-row');
    await assertAccessible(page, 'the audit page');

    await page.fill('#a-action', 'No Such Action');
    page.expectHttpError(400, '/api/v1/audit?limit=50&action=No+Such+Action');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#a-action[aria-invalid="true"]');
    assert.match(await page.textContent('#a-action-error'), /action name/);

    // the disabling of the first test, and nothing else
    await page.fill('#a-action', 'user.disable');
    await page.click('form button[type=submit]');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('.audit-row__action')].map((e) => e.textContent);
      return rows.length > 0 && rows.every((a) => a === 'user.disable');
    });
    assert.equal(await page.locator('#a-action[aria-invalid]').count(), 0);
    const rec = page.locator('.audit-row').first();
    assert.match(await rec.textContent(), /Actor.*admin.*Object.*user [0-9a-f-]{36}/);

    await page.click('button:has-text("Verify the chain")');
    await page.waitForSelector('.verdict');
    assert.equal((await page.textContent('.verdict__title')).trim(), 'The chain is intact.');
    assert.match(await page.textContent('.verdict'), /\d+ records, \d+ checkpoints/);
    await assertAccessible(page, 'the audit page with the verdict');
  });
});

test('in Arabic at 360 px the new pages are laid out right to left without sideways scrolling', async () => {
  for (const [who, paths] of [['demo.admin', ['/users', '/agencies']], ['demo.dpo', ['/audit']]]) {
    await as(who, `rtl-${who}`, async (page) => {
      await page.waitForSelector(`nav a[href="${paths[0]}"]`);
      assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
      for (const p of paths) {
        await page.click(`nav a[href="${p}"]`);
        await page.waitForSelector('.user-row, .table tbody tr, .audit-row');
        const h1 = (await page.textContent('h1')).trim();
        assert.equal(h1, { '/users': 'المستخدمون', '/agencies': 'الجهات', '/audit': 'سجل التدقيق' }[p]);
        await assertNoHorizontalScroll(page, `${p} in Arabic`);
        await assertAccessible(page, `${p} in Arabic`);
      }
      // the server answers the shell on the page's own address: a reload stays there
      await page.reload();
      await page.waitForSelector('.user-row, .table tbody tr, .audit-row');
      assert.equal(new URL(page.url()).pathname, paths.at(-1));
    }, { width: 360, height: 740, lang: 'ar' });
  }
});
