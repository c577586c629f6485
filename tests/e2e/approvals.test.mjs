// A case's closure in Chromium: the demo caseworker opens one of their cases, asks for its
// closure (refused first without a reason: the reason by the field), with a closure reason from
// the list, a follow-up date and a note, and sees the request waiting for a supervisor; the
// demo supervisor finds "Approvals" in the navigation, sees the request with its note, approves
// it with the keyboard-reachable, named button, follows the link to the case, which shows
// "Closed" and offers "Reopen the case". An unassigned focal point breaks glass on a case
// (refused first without a reason) and then sees the person, but still not the notes.
// A supervisor reassigns an identifier's case to a caseworker (refused first with nobody
// chosen) and puts it on legal hold, then lifts it; from the referrals page, expires the
// agency's referrals unanswered past their due date (a caseworker is not offered it).
// axe-core on each screen; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { startAll, stopAll, openPage, assertClean, assertAccessible, withScreenshot } from './lib.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));

// Signed in as username on a page of its own; flow(page) runs with a screenshot on failure.
async function signedIn(username, name, flow) {
  const page = await openPage(browser, server.base);
  await withScreenshot(page, name, async () => {
    await page.goto('/login');
    await page.fill('#username', username);
    await page.fill('#password', demo.password);
    await page.click('form button[type=submit]');
    await page.waitForSelector('nav a[href="/cases"]');
    await flow(page);
    assertClean(page);
  });
  await page.context().close();
}

let kase; // { id, number } of the case the caseworker asks to close

// A new case of the signed-in user's, opened through the API from the page (the form has its
// own test), then shown.
async function openCase(page, family) {
  const made = await page.evaluate(async (name) => {
    const res = await fetch('/api/v1/cases', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('safepath.csrf') },
      body: JSON.stringify({ person: { names: [{ role: 'given', romanised: 'Meron' }, { role: 'family', romanised: name }], sex: 'female' } }),
    });
    return res.json();
  }, family);
  await page.goto(`/cases/${made.id}`);
  await page.waitForSelector('#lifecycle-h');
  return { id: made.id, number: made.number };
}

test('the caseworker asks for the closure of a case of theirs', async () => {
  await signedIn('demo.caseworker', 'closure-request', async (page) => {
    assert.equal(await page.locator('nav a[href="/approvals"]').count(), 0, 'no Approvals for a caseworker');
    kase = await openCase(page, 'Closeworth');
    await page.waitForSelector('#lifecycle-h ~ .empty');
    await page.click('button:has-text("Request closure")');
    // without a reason: the API's reason by the field
    page.expectHttpError(400, `/api/v1/cases/${kase.id}/closure`);
    await page.click('form:has(#closure-reason) button[type=submit]');
    await page.waitForSelector('#closure-reason-error');
    await page.selectOption('#closure-reason', 'objectives_met');
    await page.fill('#closure-follow_up', '2099-04-01');
    await page.fill('#closure-note', 'Settled with her sister; school starts in April');
    await assertAccessible(page, 'the closure form');
    await page.click('form:has(#closure-reason) button[type=submit]');
    await page.waitForSelector('.approval[data-kind="closure"][data-status="pending"]');
    const row = await page.textContent('.approval[data-kind="closure"]');
    assert.match(row, /Waiting for a supervisor/);
    assert.match(row, /Support goals met/);
    assert.match(row, /follow-up on 2099-04-01/);
    assert.match(await page.textContent('[role=status]:has-text("Closure requested")'), /a supervisor of your agency decides/);
    await assertAccessible(page, 'the case with its closure request');
  });
});

test('the supervisor approves it on the Approvals page; the case shows closed', async () => {
  assert.ok(kase, 'the request was made');
  await signedIn('demo.supervisor', 'closure-approve', async (page) => {
    await page.click('nav a[href="/approvals"]');
    await page.waitForSelector('#queue-h');
    const item = page.locator(`.approval[data-case="${kase.id}"][data-kind="closure"]`);
    await item.waitFor();
    assert.match(await item.textContent(), /Settled with her sister; school starts in April/);
    await assertAccessible(page, 'the Approvals page');
    const approve = item.getByRole('button', { name: `Approve: Closure, case ${kase.number}` });
    await approve.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.approval[data-case="${kase.id}"][data-status="approved"]`);
    assert.equal(await page.textContent('[role=status]:has-text("Decision saved")'), 'Decision saved.');
    await item.getByRole('link').click();
    await page.waitForSelector('#lifecycle-h');
    assert.equal(await page.textContent('.page__head .badge--status-closed'), 'Closed');
    await page.waitForSelector('button:has-text("Reopen the case")');
    assert.equal(await page.locator('button:has-text("Request closure")').count(), 0);
    await assertAccessible(page, 'the closed case');
  });
});

test('a focal point not on a case breaks glass with a reason and sees the person', async () => {
  await signedIn('demo.caseworker', 'glass-case', async (page) => {
    kase = await openCase(page, 'Glasswright');
  });
  await signedIn('demo.focal', 'glass', async (page) => {
    // the case's own work stays the assigned staff's, break-glass or not: each section says so
    for (const part of ['needs', 'tasks', 'consents', 'deadlines?lang=en', 'notes', 'decisions', 'plan',
      'tracing-matches']) {
      page.expectHttpError(403, `/api/v1/cases/${kase.id}/${part}`);
    }
    await page.goto(`/cases/${kase.id}`);
    await page.waitForSelector('#glass-h');
    await assertAccessible(page, 'a case without its person');
    await page.click('button:has-text("Break glass")');
    page.expectHttpError(400, `/api/v1/cases/${kase.id}/break-glass`);
    await page.click('form:has(#glass-reason) button[type=submit]');
    await page.waitForSelector('#glass-reason-error');
    await page.fill('#glass-reason', 'She was brought to the night shelter and cannot speak');
    await page.click('form:has(#glass-reason) button[type=submit]');
    await page.waitForSelector('#person-h');
    assert.equal(await page.locator('#glass-h').count(), 0);
    assert.equal(await page.textContent('#notes-h + p'), "Your role may not read this case's notes.");
  });
});

test('a supervisor reassigns a case within the agency and puts it on legal hold, then lifts it', async () => {
  await signedIn('demo.identifier', 'reassign-case', async (page) => {
    kase = await openCase(page, 'Holdsworth');
    assert.equal(await page.locator('button:has-text("Reassign within the agency")').count(), 0, 'not for an identifier');
  });
  await signedIn('demo.supervisor', 'reassign-hold', async (page) => {
    await page.goto(`/cases/${kase.id}`);
    await page.waitForSelector('#lifecycle-h');
    await page.click('button:has-text("Reassign within the agency")');
    // nobody chosen: the API's reason by the field
    page.expectHttpError(400, `/api/v1/cases/${kase.id}/reassign`);
    await page.click('form:has(#reassign-assigned) button[type=submit]');
    await page.waitForSelector('#reassign-assigned-error');
    await page.selectOption('#reassign-assigned', { label: 'demo.caseworker' });
    await assertAccessible(page, 'the reassignment form');
    await page.click('form:has(#reassign-assigned) button[type=submit]');
    await page.waitForSelector('button:has-text("Reassign within the agency")');
    const who = await page.evaluate(async (id) => {
      const get = async (p) => (await fetch(p, { headers: { Accept: 'application/json' } })).json();
      const c = await get(`/api/v1/cases/${id}`);
      const people = await get('/api/v1/me/colleagues?role=caseworker');
      return people.items.find((u) => u.id === c.assigned)?.username;
    }, kase.id);
    assert.equal(who, 'demo.caseworker');

    await page.click('button:has-text("Put on legal hold")');
    await page.selectOption('#hold-reason', 'criminal_proceedings');
    await page.click('form:has(#hold-reason) button[type=submit]');
    await page.waitForSelector('button:has-text("Lift the legal hold")');
    assert.match(await page.textContent('#lifecycle-h ~ p:has-text("legal hold")'), /will not be anonymised until the hold is lifted/);
    assert.match(await page.textContent('.page__head'), /On legal hold/);
    await assertAccessible(page, 'a case on legal hold');
    await page.click('button:has-text("Lift the legal hold")');
    await page.waitForSelector('button:has-text("Put on legal hold")');
    assert.doesNotMatch(await page.textContent('.page__head'), /On legal hold/);
  });
});

test('a supervisor expires the referrals unanswered past their due date from the referrals page', async () => {
  await signedIn('demo.caseworker', 'expiry-caseworker', async (page) => {
    await page.goto('/referrals');
    await page.waitForSelector('#box-outgoing-h');
    assert.equal(await page.locator('#expiry-h').count(), 0, 'not for a caseworker');
  });
  await signedIn('demo.supervisor', 'expiry', async (page) => {
    await page.goto('/referrals');
    await page.waitForSelector('#expiry-h');
    await assertAccessible(page, 'the referrals page of a supervisor');
    const button = page.getByRole('button', { name: 'Expire the overdue referrals' });
    await button.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#expiry-h ~ [role=status]:has-text("Referrals expired")');
    assert.match(await page.textContent('#expiry-h ~ [role=status]'), /^Referrals expired: \d+\.$/);
    await page.waitForSelector('#box-outgoing-h');
  });
});
