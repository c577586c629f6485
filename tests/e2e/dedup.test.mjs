// Possible duplicates in Chromium: two registrations of one person by the demo caseworker
// (through the API), `safepath dedup` run by the demo supervisor (the CLI), then the
// supervisor's page at phone width (390 px): the pair with how likely it is one person, both
// persons side by side (names, date of birth) and the table of comparisons; "Same person"
// sends the pair's version as If-Match, the live region says what happened and the pair
// offers "Undo"; the confirmed list holds it; "Undo" brings it back; the page in French at
// 360 px. axe-core on the screen; no sideways scrolling; any console error fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cli, demo } from '../api/lib.mjs';
import { serveFile, signIn, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall } from './lib.mjs';

const ctx = serveFile();
const person = (given) => ({
  names: [{ role: 'given', romanised: given }, { role: 'family', romanised: 'Guleed' }],
  sex: 'female', date_of_birth: { date: '1999-08-21' }, nationalities: ['SO'],
});
let numbers;

test('the supervisor confirms a pair as one person and undoes it, on a phone', async () => {
  const setup = await openPage(ctx.browser, ctx.server.base, { width: 390, height: 844 });
  await signIn(setup, 'demo.caseworker', demo.password);
  numbers = [];
  for (const given of ['Idil', 'Iidil']) {
    const res = await apiCall(setup, 'POST', '/api/v1/cases', { person: person(given) });
    assert.equal(res.status, 201);
    numbers.push(res.json.number);
  }
  await setup.context().close();
  const run = cli(['dedup', '--format', 'json', '--out', `${process.env.SP_WORK}/e2e-pairs.json`,
    '--as', 'demo.supervisor'], demo.password);
  assert.equal(run.status, 0, run.stderr);

  const page = await openPage(ctx.browser, ctx.server.base, { width: 390, height: 844 });
  await withScreenshot(page, 'duplicates', async () => {
    await signIn(page, 'demo.supervisor', demo.password);
    await page.click('nav.nav a[href="/duplicates"]');
    const pair = page.locator('li.pair', { hasText: numbers[0] }).filter({ hasText: numbers[1] });
    await pair.waitFor();
    assert.match(await pair.locator('.lead').textContent(), /^Likely the same person: \d+(\.\d+)? %$/);
    const names = await pair.locator('.person-name').allTextContents();
    assert.deepEqual(names.sort(), ['Idil Guleed', 'Iidil Guleed']);
    assert.match(await pair.textContent(), /1999-08-21/);
    assert.match(await pair.locator('tr:has(th:text("date of birth"))').textContent(), /\+\d/);
    await assertAccessible(page, 'the duplicates page');
    await assertNoHorizontalScroll(page, 'the duplicates page at 390 px');

    const decide = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/decision'));
    await pair.locator('button', { hasText: 'Same person' }).click();
    const sent = await decide;
    assert.equal(sent.headers()['if-match'], '"1"');
    assert.deepEqual(JSON.parse(sent.postData()), { state: 'confirmed' });
    await page.waitForFunction(() => document.querySelector('#dup-said')?.textContent === 'Linked as the same person.');
    assert.equal(await pair.getAttribute('data-state'), 'confirmed');
    assert.match(await pair.textContent(), /Confirmed: the two records are linked\./);

    await page.selectOption('#dup-state', 'confirmed');
    await pair.waitFor();
    const undo = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/decision'));
    await pair.locator('button', { hasText: 'Undo' }).click();
    assert.equal((await undo).headers()['if-match'], '"2"');
    await page.waitForFunction(() => document.querySelector('#dup-said')?.textContent
      === 'Decision undone: the pair waits for review again.');
    assert.equal(await pair.getAttribute('data-state'), 'proposed');
    assertClean(page);
  });
  await page.context().close();
});

test('possible duplicates in French at 360 px', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { width: 360, height: 800, lang: 'fr' });
  await withScreenshot(page, 'duplicates-fr', async () => {
    await signIn(page, 'demo.supervisor', demo.password);
    await page.goto('/duplicates');
    const pair = page.locator('li.pair', { hasText: numbers[0] }).filter({ hasText: numbers[1] });
    await pair.waitFor();
    assert.equal(await page.textContent('h1'), 'Doublons possibles');
    assert.match(await pair.locator('.lead').textContent(), /^Probablement la même personne/);
    assert.deepEqual(await pair.locator('button').allTextContents(), ['Même personne', 'Pas la même']);
    await assertNoHorizontalScroll(page, 'the duplicates page at 360 px in French');
    assertClean(page);
  });
  await page.context().close();
});
