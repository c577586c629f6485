// A case's support plan in Chromium at phone width (390 px), as the demo caseworker on a case
// of their own: a goal without its kind of support is refused (the API's reason by the field,
// which takes the focus), then added with a review date already past — listed with its type's
// title, its text, "planned", a red edge and the words "Review overdue" —; "Start" sends the
// goal's version as If-Match and shows it in progress, only the table's moves offered; the
// section in French. axe-core on the screen; no sideways scrolling; any console error or CSP
// violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { serveFile, signIn, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall } from './lib.mjs';

const ctx = serveFile();

// On the caseworker's new case (through the API), its page open: the case's id.
async function onNewCase(page, given) {
  await signIn(page, 'demo.caseworker', demo.password);
  const kase = await apiCall(page, 'POST', '/api/v1/cases', { person: { names: [{ role: 'given', romanised: given }], sex: 'female' } });
  assert.equal(kase.status, 201);
  return kase.json.id;
}

test('a caseworker adds a goal to the support plan on a phone and starts it', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { width: 390, height: 844 });
  await withScreenshot(page, 'plan', async () => {
    const caseId = await onNewCase(page, 'Goalinde');
    await page.goto(`/cases/${caseId}`);
    await page.waitForSelector('#plan-h ~ .empty');
    assert.equal(await page.textContent('#plan-h ~ .empty'), 'No goal in the plan yet.');

    page.expectHttpError(400, `/api/v1/cases/${caseId}/plan`);
    await page.fill('#goal-text', 'Enrol in the autumn language course');
    await page.click('form:has(#goal-type) button[type=submit]');
    await page.waitForSelector('#goal-type-error');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'goal-type');
    assert.equal(await page.getAttribute('#goal-type', 'aria-invalid'), 'true');
    await page.selectOption('#goal-type', 'education');
    await page.fill('#goal-review', '2025-02-03');
    await page.click('form:has(#goal-type) button[type=submit]');
    const goal = page.locator('li[data-goal="education"]');
    await goal.waitFor();
    assert.match(await goal.textContent(), /Education/);
    assert.match(await goal.textContent(), /Enrol in the autumn language course/);
    assert.equal(await goal.locator('.goal__status').textContent(), 'planned');
    assert.equal(await goal.locator('.overdue').textContent(), 'Review overdue');
    assert.match(await goal.getAttribute('class'), /task--overdue/);
    assert.equal(await page.locator('#goal-type-error').count(), 0);
    assert.deepEqual(await goal.locator('button').allTextContents(), ['Start', 'Discontinue']);
    await assertAccessible(page, 'the case page with its support plan');
    await assertNoHorizontalScroll(page, 'the support plan at 390 px');

    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes('/api/v1/plan/'));
    await goal.locator('button[data-move="in_progress"]').click();
    assert.equal((await patch).headers()['if-match'], '"1"');
    await page.waitForFunction(() => document.querySelector('li[data-goal="education"] .goal__status')?.textContent === 'in progress');
    assert.deepEqual(await goal.locator('button').allTextContents(), ['Mark achieved', 'Discontinue', 'Back to planned']);
    const listed = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}/plan`)).json.items;
    assert.deepEqual(listed.map((g) => [g.type, g.status, g.review_at, g.version]),
      [['education', 'in_progress', '2025-02-03T00:00:00.000000Z', 2]]);
    assertClean(page);
  });
  await page.context().close();
});

test('the support plan in French', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { width: 390, height: 844, lang: 'fr' });
  await withScreenshot(page, 'plan-fr', async () => {
    const caseId = await onNewCase(page, 'Objectine');
    const add = await apiCall(page, 'POST', `/api/v1/cases/${caseId}/plan`, { type: 'legal', goal: 'Titre de séjour' });
    assert.equal(add.status, 201);
    await page.goto(`/cases/${caseId}`);
    const goal = page.locator('li[data-goal="legal"]');
    await goal.waitFor();
    assert.equal(await page.textContent('#plan-h'), "Plan d'accompagnement");
    assert.match(await goal.textContent(), /Juridique/);
    assert.equal(await goal.locator('.goal__status').textContent(), 'prévu');
    assert.deepEqual(await goal.locator('button').allTextContents(), ['Commencer', 'Abandonner']);
    assertClean(page);
  });
  await page.context().close();
});
