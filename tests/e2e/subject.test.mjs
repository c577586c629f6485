// Subject access in Chromium: the demo caseworker opens a case whose person has people to
// avoid, with a note; the demo DPO finds "Subject access" in the navigation, is told by the
// field what is wrong (an unknown case number, then a missing requester), exports the case,
// reviews its sections and the members to redact grouped by reason (the people to avoid
// under "Third parties", the note under "Staff notes") without any of the person's data on
// the screen, downloads the document (the person's name and the people to avoid in it) and
// reviews the export again from the agency's list, reached by keyboard. A caseworker typing
// the page's address lands on their home page. axe-core on each screen; any console error or
// CSP violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serveFile, openPage, signIn, apiCall, assertClean, assertAccessible, withScreenshot } from './lib.mjs';

const ctx = serveFile();
const NAME = 'Selamawit';
const AVOID = 'The recruiter called Tesfay';
const NOTE = 'She wants to know what we keep about her';
let kase;

test('a caseworker opens a case with people to avoid and a note', async () => {
  const page = await openPage(ctx.browser, ctx.server.base);
  await withScreenshot(page, 'subject-case', async () => {
    await signIn(page, 'demo.caseworker');
    const made = await apiCall(page, 'POST', '/api/v1/cases', { person: { names: [{ role: 'given', romanised: NAME }],
      sex: 'female', safety: { people_to_avoid: AVOID } } });
    assert.equal(made.status, 201);
    kase = made.json;
    assert.equal((await apiCall(page, 'POST', `/api/v1/cases/${kase.id}/notes`, { text: NOTE })).status, 201);
    await page.goto('/subject-access');
    await page.waitForSelector('main h1');
    assert.equal(await page.locator('#sar-case').count(), 0, 'the page is the DPO\'s alone');
    assert.equal(await page.locator('nav a[href="/subject-access"]').count(), 0);
    assertClean(page);
  });
  await page.context().close();
});

test('the DPO exports the case, reviews the redactions and downloads the document', async () => {
  const page = await openPage(ctx.browser, ctx.server.base);
  await withScreenshot(page, 'subject-dpo', async () => {
    await signIn(page, 'demo.dpo');
    await page.click('nav a[href="/subject-access"]');
    await page.waitForSelector('h1:text("Subject-access requests")');
    await assertAccessible(page, 'the subject-access page');
    assert.match(await page.locator('#sar-requester-hint').innerText(), /Who asked and on what authority/);

    // an unknown case: the reason by the case field
    page.expectHttpError(400, '/api/v1/subject-exports');
    await page.fill('#sar-case', 'NGO-1999-999999');
    await page.fill('#sar-requester', 'The person herself, passport seen');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#sar-case-error');
    assert.match(await page.locator('#sar-case-error').innerText(), /no case has this number or id/);
    assert.match(await page.locator('.error-summary').innerText(), /Case number: no case has this number or id/);

    // the right case, no requester: the reason by the requester field
    page.expectHttpError(400, '/api/v1/subject-exports');
    await page.fill('#sar-case', kase.number);
    await page.fill('#sar-requester', '');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#sar-requester-error');
    assert.match(await page.locator('.error-summary').innerText(), /Requester and authority: /);

    await page.fill('#sar-requester', 'The person herself, passport seen');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#sar-review-h');
    assert.equal(await page.locator('#sar-review-h').innerText(), `Export of case ${kase.number}`);
    const review = page.locator('section[data-export]');
    const text = await review.innerText();
    assert.match(text, /The person herself, passport seen/);
    assert.match(text, /The person and their safety information/);
    assert.match(text, /Who read or changed the record/);
    const third = review.locator('.subject-group[data-reason="third_party"]');
    assert.match(await third.locator('h4').innerText(), /^Third parties \(1\)$/);
    assert.equal(await third.locator('code').innerText(), '/person/safety/people_to_avoid');
    const notes = review.locator('.subject-group[data-reason="staff_note"]');
    assert.match(await notes.locator('h4').innerText(), /^Staff notes/);
    assert.ok((await notes.locator('code').allInnerTexts()).includes('/notes/0/text'));
    assert.match(await review.locator('.subject-group[data-reason="staff"] h4').innerText(), /^Staff members/);
    // names of members, never their values, and no raw reason code
    const main = await page.locator('main').innerText();
    for (const secret of [NAME, AVOID, NOTE, 'third_party', 'staff_note']) assert.ok(!main.includes(secret), secret);
    await assertAccessible(page, 'the review of an export');

    const [download] = await Promise.all([page.waitForEvent('download'),
      page.click(`a[href$="/document"]`)]);
    assert.equal(download.suggestedFilename(), `subject-access-${kase.number}.json`);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.case_number, kase.number);
    assert.equal(doc.person.names[0].romanised, NAME);
    assert.equal(doc.person.safety.people_to_avoid, AVOID);
    assert.equal(doc.notes[0].text, NOTE);

    // the agency's list, by keyboard: its Review button opens the same export again
    await page.reload();
    await page.waitForSelector(`li[data-export] >> text=${kase.number}`);
    const button = page.locator('li[data-export]', { hasText: kase.number }).getByRole('button', { name: new RegExp(`Review the export of case ${kase.number}`) });
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#sar-review-h');
    assert.match(await page.locator('section[data-export]').innerText(), /The person herself, passport seen/);
    assertClean(page);
  });
  await page.context().close();
});
