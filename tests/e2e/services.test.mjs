// The service directory in Chromium. The demo focal point imports an HSDS file from the import
// page: a file with two bad values first (every error listed at its JSON pointer, nothing
// imported), then tests/data/services/directory.json (5 services). The demo caseworker
// searches by area on a phone: the hits in area order with the reasons they matched, a bad age
// refused beside its field; the confidential shelter's page withholds its address and offers
// no capacity form. The focal point changes the shelter's free places with If-Match (more than
// the total refused first at its field). The search in Arabic at 360 px. axe-core on each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demo } from '../api/lib.mjs';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, logInToDashboard } from './lib.mjs';

const DIRECTORY = join(process.env.SP_ROOT, 'tests/data/services/directory.json');
const SHELTER = '01900000-0000-7000-8000-000000000101';
let server;
let browser;

before(async () => {
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));


test('the focal point imports a directory: a bad file shows each error at its pointer, then the good one', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'services-import', async () => {
    await logInToDashboard(page, 'demo.focal', demo.password);
    await page.click('nav a[href="/services"]');
    await page.click('a[href="/services/import"]');
    await page.waitForSelector('#si-file');
    await assertAccessible(page, 'the import page');
    const doc = JSON.parse(readFileSync(DIRECTORY, 'utf8'));
    doc.service[2].minimum_age = -3;
    doc.location[1].x_area = 'Berlin!';
    const bad = join(process.env.SP_WORK, 'bad-directory.json');
    writeFileSync(bad, JSON.stringify(doc));
    await page.setInputFiles('#si-file', bad);
    page.expectHttpError(400, '/api/v1/services');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.import-errors');
    assert.match(await page.textContent('#si-errors-h'), /^Nothing was imported: 2 errors$/);
    assert.deepEqual(await page.locator('.import-errors code').allTextContents(),
      ['/service/2/minimum_age', '/location/1/x_area']);
    await assertAccessible(page, 'the import errors');
    await page.setInputFiles('#si-file', DIRECTORY);
    await page.click('form button[type=submit]');
    await page.waitForSelector('.notice[role=status]');
    assert.equal(await page.textContent('.notice[role=status]'), 'Imported 5 services.');
    assertClean(page);
  });
  await page.context().close();
});

test('the caseworker searches by area on a phone, reads the reasons, and sees the shelter without its address', async () => {
  const page = await openPage(browser, server.base, { width: 390, height: 844, lang: 'en' });
  await withScreenshot(page, 'services-search', async () => {
    await logInToDashboard(page, 'demo.caseworker', demo.password);
    await page.click('nav a[href="/services"]');
    await page.waitForSelector('.service-hit');
    assert.equal(await page.locator('a[href="/services/import"]').count(), 0);
    page.expectHttpError(400, '/api/v1/services?age=200');
    await page.fill('#sv-age', '200');
    await page.click('form[role=search] button[type=submit]');
    await page.waitForSelector('#sv-age[aria-invalid="true"]');
    assert.match(await page.textContent('#sv-age-error'), /must be a whole number of years from 0 to 120/);
    await page.fill('#sv-age', '');
    await page.fill('#sv-area', 'DE-BE');
    const sent = page.waitForRequest((r) => r.url().includes('/api/v1/services?'));
    await page.click('form[role=search] button[type=submit]');
    assert.equal(new URL((await sent).url()).search, '?area=DE-BE');
    await page.waitForFunction(() => document.querySelector('.service-hit__name')?.textContent === 'Safe House for Women and Girls');
    // the hand-written directory's services in their order (the test files share one database:
    // another file's directory may be listed too, and is left out here)
    const ours = ['Safe House for Women and Girls', 'Asylum and Trafficking Legal Advice', 'Kreuzberg Shelter',
      'Youth Shelter Brandenburg'];
    assert.deepEqual((await page.locator('.service-hit__name').allTextContents()).filter((n) => ours.includes(n)), ours);
    const first = page.locator('.service-hit').first();
    assert.deepEqual(await first.locator('.service-hit__why li').allTextContents(), ['3 places free', 'in the area DE-BE']);
    assert.equal(await first.locator('.badge--route').textContent(), 'Through a focal point only');
    await assertNoHorizontalScroll(page, 'the service search');
    await assertAccessible(page, 'the service search');
    await first.locator('a').click();
    await page.waitForSelector('#sl-h');
    assert.equal(new URL(page.url()).pathname, `/services/${SHELTER}`);
    assert.match(await page.textContent('.service-location'), /Address withheld/);
    assert.doesNotMatch(await page.textContent('main'), /Hidden Street/);
    assert.equal(await page.locator('#sc-h').count(), 0);
    await assertAccessible(page, 'a service page');
    assertClean(page);
  });
  await page.context().close();
});

test('the focal point changes the free places with If-Match; more than the total is refused at its field', async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'services-capacity', async () => {
    await logInToDashboard(page, 'demo.focal', demo.password);
    await page.goto(`/services/${SHELTER}`);
    await page.waitForSelector('#sc-available');
    assert.equal(await page.inputValue('#sc-total'), '10');
    assert.equal(await page.inputValue('#sc-available'), '3');
    page.expectHttpError(400, `/api/v1/services/${SHELTER}`);
    await page.fill('#sc-available', '11');
    await page.click('form[aria-labelledby="sc-h"] button[type=submit]');
    await page.waitForSelector('#sc-available[aria-invalid="true"]');
    await page.fill('#sc-available', '4');
    const patch = page.waitForRequest((r) => r.method() === 'PATCH');
    await page.click('form[aria-labelledby="sc-h"] button[type=submit]');
    assert.equal((await patch).headers()['if-match'], '"1"');
    await page.waitForFunction(() => /4 free of 10/.test(document.querySelector('main').textContent));
    await assertAccessible(page, 'the capacity form');
    assertClean(page);
  });
  await page.context().close();
});

test('the search in Arabic on a 360-pixel phone', async () => {
  const page = await openPage(browser, server.base, { width: 360, height: 740, lang: 'ar' });
  await withScreenshot(page, 'services-ar', async () => {
    await logInToDashboard(page, 'demo.caseworker', demo.password);
    await page.click('nav a[href="/services"]');
    await page.waitForSelector('.service-hit');
    assert.equal((await page.textContent('h1')).trim(), 'دليل الخدمات');
    await assertNoHorizontalScroll(page, 'the service search in Arabic');
    await assertAccessible(page, 'the service search in Arabic');
    assertClean(page);
  });
  await page.context().close();
});
