// Focal points and routing in Chromium at phone width (390 px): the demo supervisor names the
// demo focal point for gender-based violence (refused first without a person: the API's reason
// by the field, which takes the focus), sees it in the table as the default, routes the need to
// them, and asks where it goes; the caseworker sees the same page without the forms; the
// supervisor removes the focal point and the rule goes with it. axe-core on each screen; no
// sideways scrolling; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, signIn } from './lib.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));

const PHONE = { width: 390, height: 844 };

async function as(username, name, flow) {
  const page = await openPage(browser, server.base, PHONE);
  await withScreenshot(page, name, async () => {
    await signIn(page, username);
    await page.click('nav a[href="/focal-points"]');
    await page.waitForSelector('#fp-h');
    await flow(page);
    assertClean(page);
  });
  await page.context().close();
}

test('a supervisor names a focal point for GBV, routes the need to them and removes them', async () => {
  await as('demo.supervisor', 'focal-supervisor', async (page) => {
    await page.waitForSelector('#fp-h ~ .empty');
    assert.equal(await page.textContent('#fp-h ~ .empty'), 'Your agency has no focal point yet.');
    // no person chosen: the API's reason by the field, which takes the focus
    page.expectHttpError(400, '/api/v1/focal-points');
    await page.click('form:has(#fp-user) button[type=submit]');
    await page.waitForSelector('#fp-user-error');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'fp-user');
    await page.waitForSelector('#fp-user option:has-text("demo.focal")', { state: 'attached' });
    await page.selectOption('#fp-user', { label: 'demo.focal' });
    await page.selectOption('#fp-needs', 'gbv_response');
    await page.check('#fp-default');
    await page.click('form:has(#fp-user) button[type=submit]');
    await page.waitForSelector('.notice:has-text("demo.focal is now a focal point.")');
    const row = await page.textContent('#fp-h ~ .table-wrap tbody tr');
    assert.match(row, /demo\.focal\s*Default/);
    assert.equal(await page.textContent('#fp-h ~ .table-wrap tbody tr .muted'), 'Specialised gender-based violence response');
    assert.match(row, /This agency/);
    await assertAccessible(page, 'focal points');
    await assertNoHorizontalScroll(page, 'focal points');

    await page.selectOption('#rule-need', 'gbv_response');
    await page.selectOption('#rule-target', 'focal_point');
    await page.selectOption('#rule-focal', { label: 'demo.focal' });
    await page.click('form:has(#rule-need) button[type=submit]');
    await page.waitForSelector('.notice:has-text("The rule is added.")');
    assert.match(await page.textContent('#rules-h ~ .table-wrap tbody tr'),
      /Specialised gender-based violence response\s*Focal point: demo\.focal/);

    await page.selectOption('#route-need', 'gbv_response');
    await page.waitForSelector('.route');
    assert.equal((await page.textContent('.route p')).trim(), 'To the focal point demo.focal');
    assert.equal(await page.textContent('.route .muted'), 'Your agency routes this need to this focal point.');
    await page.selectOption('#route-need', 'medical');
    await page.waitForSelector('.route[data-route="none"]');

    await page.click('button[aria-label="Remove focal point demo.focal"]');
    await page.waitForSelector('.notice:has-text("demo.focal is no longer a focal point here.")');
    await page.waitForSelector('#rules-h ~ .empty');
    await assertAccessible(page, 'focal points emptied');
  });
});

test('a caseworker sees the focal points and where a need goes, without the forms', async () => {
  await as('demo.caseworker', 'focal-caseworker', async (page) => {
    await page.waitForSelector('#route-need');
    assert.equal(await page.$('#fp-user'), null);
    assert.equal(await page.$('#rule-need'), null);
    await page.selectOption('#route-need', 'safe_shelter');
    await page.waitForSelector('.route[data-route="none"]');
    await assertAccessible(page, 'focal points (caseworker)');
  });
});
