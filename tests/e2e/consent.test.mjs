// Family links and acting without consent in Chromium at phone width (390 px), under England
// and Wales (issue 6, items 4 and 15): the demo caseworker opens the case of an unaccompanied
// child, records its family links on the case page (a missing relationship named by the field,
// an aunt flagged as a suspected exploiter, the mother added and removed), then refers the child
// to a guardian service: at the consent step the aunt's consent is refused by the server at the
// giver's name, and the step offers to act without consent with England and Wales's legal
// basis; asked, the send waits for a supervisor; the demo supervisor approves it on the
// Approvals page; the caseworker sends it from the referral's page, which names the basis.
// axe-core on each screen; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAll, stopAll, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall, importDirectory, newChildCase, phonePage } from './lib.mjs';

let server;
let browser;

const GUARDIANS = '01900000-0000-7000-8000-00000000e611';
const DIRECTORY = {
  organization: [{ id: '01900000-0000-7000-8000-00000000e601', name: 'E2E Consent Guardians', x_safepath_agency: 'SHL' }],
  service: [{ id: GUARDIANS, organization_id: '01900000-0000-7000-8000-00000000e601', name: 'Guardians of the Coast',
    status: 'active', x_kinds: ['guardianship_service'], x_needs: ['guardianship'], x_referral_route: 'direct' }],
};

before(async () => {
  ({ server, browser } = await startAll({ SAFEPATH_JURISDICTION: 'gb-eng-wls' }));
  await importDirectory(server.base, DIRECTORY);
});

after(() => stopAll({ server, browser }));

const logIn = (username) => phonePage(browser, server.base, username);

let caseId;
let caseNumber;
let refId;

test('family links on the case page: named errors, a suspected exploiter flagged, one removed', async () => {
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'family', async () => {
    caseId = await newChildCase(page, ['Tewelde'], 12);
    await page.waitForSelector('#family-h');
    caseNumber = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}`)).json.number;
    assert.equal(await page.textContent('#family-h ~ .empty'), 'No family links recorded, or none you may see.');
    await page.click('button:has-text("Add a family link")');
    // no relationship: the server names it, by the field, which takes the focus
    page.expectHttpError(400, `/api/v1/cases/${caseId}`);
    await page.fill('#family-name', 'Senait Gebru');
    await page.check('#family-suspected_exploiter');
    await page.click('button:has-text("Save the family link")');
    await page.waitForSelector('#family-relationship-error');
    assert.match(await page.textContent('#family-relationship-error'), /is required/);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.error-summary') !== null
      || document.activeElement?.id === 'family-relationship'), true);
    await assertAccessible(page, 'the family link form with its error');
    await page.selectOption('#family-relationship', 'aunt_uncle');
    await page.click('button:has-text("Save the family link")');
    await page.waitForSelector('li[data-family="0"]');
    assert.match(await page.textContent('li[data-family="0"]'), /Aunt or uncle: Senait Gebru\s*Suspected exploiter/);
    // the mother, not flagged, then removed
    await page.click('button:has-text("Add a family link")');
    await page.selectOption('#family-relationship', 'mother');
    await page.fill('#family-name', 'Letay Gebru');
    await page.click('button:has-text("Save the family link")');
    await page.waitForSelector('li[data-family="1"]');
    assert.doesNotMatch(await page.textContent('li[data-family="1"]'), /Suspected exploiter/);
    await assertAccessible(page, 'the family links');
    await assertNoHorizontalScroll(page, 'the family links at 390 px');
    await page.click('button[aria-label="Remove Letay Gebru"]');
    await page.waitForFunction(() => !document.querySelector('li[data-family="1"]'));
    const person = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}`)).json.person;
    assert.deepEqual(person.safety.family, [{ relationship: 'aunt_uncle', name: 'Senait Gebru', suspected_exploiter: true }]);
    assertClean(page);
  });
  await page.close();
});

test('the consent step: the aunt refused as giver; acting without consent asked on the legal basis', async () => {
  assert.ok(caseId, 'the case was opened');
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'override', async () => {
    await page.goto(`${server.base}/cases/${caseId}`);
    await page.waitForSelector('#need-kind');
    await page.selectOption('#need-kind', 'guardianship');
    await page.click('form:has(#need-kind) button[type=submit]');
    await page.waitForSelector('li[data-need="guardianship"] button[data-refer]');
    await page.click('li[data-need="guardianship"] button[data-refer]');
    await page.waitForSelector(`.service[data-service="${GUARDIANS}"]`);
    await page.locator(`.service[data-service="${GUARDIANS}"] input`).check();
    await page.click('.refer button[type=submit]');
    await page.waitForSelector('#rc-by');
    refId = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}/referrals`)).json.items[0].id;
    // the aunt flagged a suspected exploiter, her name in another order: refused at the name
    page.expectHttpError(409, `/api/v1/cases/${caseId}/consents`);
    await page.selectOption('#rc-by', 'guardian');
    await page.fill('#rc-giver', 'GEBRU Senait');
    await page.selectOption('#rc-assent', 'given');
    await page.click('.refer form:has(#rc-by) button[type=submit]');
    await page.waitForSelector('#rc-giver-error');
    assert.match(await page.textContent('#rc-giver-error'), /kept away from/);
    assert.doesNotMatch(await page.textContent('#rc-giver-error'), /Senait|Gebru/i);
    // England and Wales: a child is referred without consent, once a supervisor approves
    const form = page.locator('.without-consent');
    assert.equal(await form.locator('h4').textContent(), 'Act without consent');
    assert.match(await form.locator('.legal-basis').textContent(), /^A child \(under 18\) who may be a victim of modern slavery is referred/);
    assert.match(await form.textContent(), /Source: Modern Slavery: Statutory Guidance/);
    await assertAccessible(page, 'the consent step with acting without consent');
    await page.fill('#ro-note', 'Found alone at the coach station; the aunt holds his debt.');
    await page.click('button:has-text("Ask a supervisor to act without consent")');
    await page.waitForSelector('#refer-override-asked');
    assert.match(await page.textContent('#refer-override-asked'), /Acting without consent \(A child referred without consent\) was asked for/);
    // the send waits for the supervisor: the server's words at the consent step
    page.expectHttpError(409, `/api/v1/referrals/${refId}/events`);
    await page.click('.refer button:has-text("Continue")');
    await page.click('button:has-text("Send the referral")');
    await page.waitForSelector('#refer-consent-refused');
    assert.match(await page.textContent('#refer-consent-refused'), /waits for a supervisor's approval/);
    assertClean(page);
  });
  await page.close();
});

test('the supervisor approves on the Approvals page; the caseworker sends from the referral', async () => {
  assert.ok(refId, 'the override was asked');
  const sup = await logIn('demo.supervisor');
  await withScreenshot(sup, 'override-approve', async () => {
    await sup.click('nav a[href="/approvals"]');
    await sup.waitForSelector('#queue-h');
    const item = sup.locator(`.approval[data-case="${caseId}"][data-kind="consent_override"]`);
    await item.waitFor();
    assert.match(await item.textContent(), /Acting without consent/);
    assert.match(await item.textContent(), /A child referred without consent/);
    assert.match(await item.textContent(), /the aunt holds his debt/);
    await assertAccessible(sup, 'the Approvals page with a consent override');
    await item.getByRole('button', { name: `Approve: Acting without consent, case ${caseNumber}` }).click();
    await sup.waitForSelector(`.approval[data-case="${caseId}"][data-kind="consent_override"][data-status="approved"]`);
    assertClean(sup);
  });
  await sup.close();
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'override-send', async () => {
    await page.goto(`${server.base}/referrals/${refId}`);
    await page.waitForSelector('.referral__basis');
    assert.equal(await page.textContent('.referral__basis'), 'A child referred without consent (gb-eng-wls 1.0.0)');
    await assertAccessible(page, 'the referral with its legal basis');
    await page.click('button[data-event="send"]');
    await page.waitForFunction(() => document.querySelector('.referral__status')?.textContent === 'sent');
    assertClean(page);
  });
  await page.close();
});
