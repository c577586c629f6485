// The registration check on the new-case form, in Chromium: the same girl is registered by
// the demo NGO and by the child protection authority (through the API); the NGO's caseworker
// then fills in the form for her, her father's name spelled differently, and before anything
// is saved the form shows the NGO's case (its number, how likely, and why, each comparison
// with its level) and only a notice that a possible match exists elsewhere, nothing of the
// other agency's case. The caseworker opens the case anyway. The same panel in French. axe-core
// on each screen, no console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { serveFile, openPage, assertClean, assertAccessible, withScreenshot, apiCall, signIn } from './lib.mjs';

const ctx = serveFile();

const person = {
  names: [{ role: 'given', romanised: 'Hiwetselassie' }, { role: 'father', romanised: 'Berhanemeskel' }],
  sex: 'female', date_of_birth: { date: '2010-09-02' }, nationalities: ['ER'],
};

async function registerTwice() {
  const ngo = await openPage(ctx.browser, ctx.server.base);
  await signIn(ngo, 'demo.caseworker', demo.password);
  const mine = await apiCall(ngo, 'POST', '/api/v1/cases', { person });
  assert.equal(mine.status, 201);
  const cpa = await openPage(ctx.browser, ctx.server.base);
  await signIn(cpa, 'demo.childworker', demo.password);
  const theirs = await apiCall(cpa, 'POST', '/api/v1/cases', { person });
  assert.equal(theirs.status, 201);
  await ngo.context().close();
  await cpa.context().close();
  return { mine: mine.json, theirs: theirs.json };
}

async function fillForm(page) {
  await page.click('nav a[href="/cases/new"]');
  await page.waitForSelector('#name-0-original');
  await page.fill('#name-0-romanised', 'Hiwetselassie');
  await page.selectOption('#name-1-role', 'father');
  await page.fill('#name-1-romanised', 'Berhanemeskil');
  await page.selectOption('#sex', 'female');
  await page.fill('#nationalities', 'ER');
  await page.selectOption('#dob-precision', 'day');
  await page.fill('#dob-year', '2010');
  await page.fill('#dob-month', '09');
  await page.fill('#dob-day', '02');
}

let cases;

test('before saving, the form shows the possible match the caseworker may see and only a notice of the other', async () => {
  cases = await registerTwice();
  const page = await openPage(ctx.browser, ctx.server.base, { lang: 'en' });
  await withScreenshot(page, 'match', async () => {
    await signIn(page, 'demo.caseworker', demo.password);
    await fillForm(page);
    let created = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/cases') created++;
    });
    await page.click('form button[type=submit]');
    await page.waitForSelector('#match-panel');
    assert.equal(created, 0, 'nothing saved yet');
    assert.equal((await page.textContent('#match-h')).trim(), 'Possible matches already registered');
    const item = page.locator('.match', { hasText: cases.mine.number });
    await item.waitFor();
    assert.match(await item.textContent(), /Hiwetselassie Berhanemeskel/);
    assert.match(await item.textContent(), /\d+% likely the same person/);
    await item.locator('summary').click();
    assert.match(await item.locator('.match__why').textContent(), /Date of birth: exact/);
    // the other agency's case: a notice, not a trace
    assert.equal((await page.textContent('#match-elsewhere')).trim(),
      'A possible match exists elsewhere; the focal point has been told.');
    const text = await page.textContent('#match-panel');
    assert.ok(!text.includes(cases.theirs.number));
    assert.equal(await page.locator('.match').count(), await page.locator('.match a[href^="/cases/"]').count());
    await assertAccessible(page, 'the new-case form with its possible matches');
    // the caseworker may still open the case
    assert.equal((await page.textContent('form button[type=submit]')).trim(), 'Open the case anyway');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#notes-h');
    assert.equal(created, 1);
    assert.notEqual(new URL(page.url()).pathname, `/cases/${cases.mine.id}`);
    assertClean(page);
  });
});

test('the same panel in French', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { lang: 'fr' });
  await withScreenshot(page, 'match-fr', async () => {
    await signIn(page, 'demo.caseworker', demo.password);
    await fillForm(page);
    await page.click('form button[type=submit]');
    await page.waitForSelector('#match-panel');
    assert.equal((await page.textContent('#match-h')).trim(), 'Correspondances possibles déjà enregistrées');
    assert.equal((await page.textContent('#match-elsewhere')).trim(),
      'Une correspondance possible existe ailleurs ; le point focal en a été informé.');
    assert.equal((await page.textContent('form button[type=submit]')).trim(), 'Ouvrir le dossier quand même');
    await assertAccessible(page, 'the French possible matches');
    assertClean(page);
  });
});
