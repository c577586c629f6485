// The work on a case in Chromium at phone width (390 px), as the demo caseworker: on a case of
// their own, a need added by kind with a note (refused first without a kind: the reason by the
// field) and referred in one tap with its version as If-Match; two tasks added (one without
// kind or title refused first), one overdue; "My tasks" (in the navigation) lists them by due
// date, the overdue one with a red edge and the word "Overdue", the keyboard alone reaches its
// "Done" and marks it done, its link leads to the case; no decision is offered to this NGO
// caseworker. The server follows England and Wales: a child-protection caseworker records an
// age assessment "adult", benefit of the doubt "no" (refused first without grounds), then
// listed as the current one; the referral to the national referral mechanism starts the
// reasonable-grounds target; one recorded in the past is overdue and first on the Deadlines
// page, also with "Overdue only".
// axe-core on each screen; no sideways scrolling; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, signIn, apiCall } from './lib.mjs';

let server;
let browser;

// England and Wales's rules: a referral starts the reasonable-grounds target (5 working days;
// docs/jurisdictions.md), where the Council of Europe's default starts none.
before(async () => {
  ({ server, browser } = await startAll({ SAFEPATH_JURISDICTION: 'gb-eng-wls' }));
});

after(() => stopAll({ server, browser }));

const PHONE = { width: 390, height: 844 };

// One test's flow on a phone as a demo user (the caseworker unless said): a page of its own,
// a screenshot on failure, and no console error or CSP violation at the end.
async function asCaseworker(name, flow, username = 'demo.caseworker') {
  const page = await openPage(browser, server.base, PHONE);
  await withScreenshot(page, name, async () => {
    await signIn(page, username);
    await flow(page);
    assertClean(page);
  });
  await page.context().close();
}

// A new case through the form (the caseworker's own); returns its id and number.
async function newCase(page, given, family) {
  await page.click('nav a[href="/cases/new"]');
  await page.waitForSelector('#name-0-original');
  await page.fill('#name-0-original', given);
  await page.fill('#name-1-original', family);
  await page.click('form button[type=submit]');
  await page.waitForSelector('#needs-h');
  const id = new URL(page.url()).pathname.split('/').pop();
  const number = /\S+$/.exec((await page.textContent('h1')).trim())[0];
  return { id, number };
}

test('a caseworker adds a need and two tasks on a phone, and marks the overdue one done from My tasks', async () => {
  await asCaseworker('casework', async (page) => {
    const c = await newCase(page, 'Amina', 'Yusuf');
    await page.waitForSelector('#needs-h ~ .empty');
    assert.equal(await page.textContent('#needs-h ~ .empty'), 'No need recorded.');
    await page.waitForSelector('#tasks-h ~ .empty');

    // a need without a kind: the API's reason by the field, which takes the focus
    page.expectHttpError(400, `/api/v1/cases/${c.id}/needs`);
    await page.click('form:has(#need-kind) button[type=submit]');
    await page.waitForSelector('#need-kind-error');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'need-kind');
    assert.equal(await page.getAttribute('#need-kind', 'aria-invalid'), 'true');
    await page.selectOption('#need-kind', 'safe_shelter');
    await page.fill('#need-note', 'Needs a women-only shelter.');
    await page.click('form:has(#need-kind) button[type=submit]');
    const need = page.locator('li[data-need="safe_shelter"]');
    await need.waitFor();
    assert.match(await need.textContent(), /Safe accommodation/);
    assert.match(await need.textContent(), /Needs a women-only shelter\./);
    assert.equal(await need.locator('.need__status').textContent(), 'unmet');
    assert.equal(await page.locator('#need-kind-error').count(), 0);
    // from unmet: referred or no longer needed, nothing else; and the referral flow
    assert.deepEqual(await need.locator('button').allTextContents(), ['Mark referred', 'No longer needed', 'Refer']);
    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes('/api/v1/needs/'));
    await need.locator('button[data-move="referred"]').click();
    assert.equal((await patch).headers()['if-match'], '"1"');
    await page.waitForFunction(() => document.querySelector('li[data-need="safe_shelter"] .need__status')?.textContent === 'referred');
    assert.deepEqual(await need.locator('button').allTextContents(), ['Mark met', 'Mark unmet', 'No longer needed']);

    // a task with neither kind nor title is refused; then one overdue, one later, by title
    await page.click('button:has-text("Add a task")');
    await page.waitForSelector('#task-kind');
    assert.equal(await page.inputValue('#task-priority'), 'routine');
    page.expectHttpError(400, `/api/v1/cases/${c.id}/tasks`);
    await page.click('form:has(#task-kind) button[type=submit]');
    await page.waitForSelector('#task-kind-error');
    await assertAccessible(page, 'the case page with the task form refused');
    await assertNoHorizontalScroll(page, 'the case page at 390 px');
    await page.selectOption('#task-kind', 'medical_check');
    await page.fill('#task-due', '2025-03-14');
    await page.selectOption('#task-priority', 'urgent');
    await page.click('form:has(#task-kind) button[type=submit]');
    await page.waitForSelector('#tasks-h ~ .task-list li[data-kind="medical_check"]');
    await page.click('button:has-text("Add a task")');
    await page.fill('#task-title', 'Call the shelter back');
    await page.fill('#task-due', '2099-06-01');
    await page.click('form:has(#task-kind) button[type=submit]');
    await page.waitForSelector('#tasks-h ~ .task-list li:has-text("Call the shelter back")');
    const late = page.locator('#tasks-h ~ .task-list li[data-kind="medical_check"]');
    assert.match(await late.textContent(), /Arrange a medical check/);
    assert.match(await late.textContent(), /Overdue/);
    assert.match(await late.textContent(), /Urgent/);
    assert.doesNotMatch(await page.textContent('#tasks-h ~ .task-list li:has-text("Call the shelter back")'), /Overdue/);

    // My tasks: by due date (the overdue one before the later one), the overdue one marked
    await page.click('nav a[href="/tasks"]');
    await page.waitForSelector('h1:text-is("My tasks")');
    assert.equal(await page.getAttribute('nav a[href="/tasks"]', 'aria-current'), 'page');
    const mine = page.locator('.task-list li', { has: page.locator(`a:text-is("Case ${c.number}")`) });
    await mine.first().waitFor();
    assert.equal(await mine.count(), 2);
    const first = mine.nth(0);
    assert.match(await first.textContent(), /Arrange a medical check/);
    assert.match(await first.textContent(), /Overdue/);
    assert.match(await mine.nth(1).textContent(), /Call the shelter back/);
    // the red edge beside the word (not colour alone)
    const edge = await first.evaluate((el) => getComputedStyle(el).borderInlineStartWidth);
    assert.equal(edge, '6px');
    await assertAccessible(page, 'My tasks');
    await assertNoHorizontalScroll(page, 'My tasks at 390 px');

    const done = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes('/api/v1/tasks/'));
    // with the keyboard alone: from the heading, Tab reaches the overdue task's "Done"
    await page.focus('h1');
    const target = `Mark done: Arrange a medical check`;
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate((name) => document.activeElement?.getAttribute('aria-label') === name, target);
    }
    assert.ok(reached, 'the "Done" button is within reach of the keyboard');
    await page.keyboard.press('Enter');
    assert.equal((await done).headers()['if-match'], '"1"');
    await page.waitForFunction((n) => [...document.querySelectorAll('.task-list li')]
      .find((li) => li.textContent.includes('Arrange a medical check') && li.textContent.includes(`Case ${n}`))
      ?.querySelector('.task__status')?.textContent === 'done', c.number);
    assert.equal(await first.locator('button').count(), 0);
    assert.doesNotMatch(await first.textContent(), /Overdue/);

    // the link leads to the case, where the task is done too
    await first.locator(`a:text-is("Case ${c.number}")`).click();
    await page.waitForSelector('#tasks-h ~ .task-list li[data-kind="medical_check"]');
    assert.equal(new URL(page.url()).pathname, `/cases/${c.id}`);
    assert.equal(await page.textContent('#tasks-h ~ .task-list li[data-kind="medical_check"] .task__status'), 'done');
    // England and Wales have age assessments recorded in child protection, the grounds at
    // the Home Office: this caseworker, at an NGO, is offered no decision to record
    await page.waitForSelector('#decisions-h ~ .empty');
    assert.equal(await page.textContent('#decisions-h ~ .empty'), 'No decision recorded.');
    assert.equal(await page.locator('button:has-text("Record a decision")').count(), 0);
  });
});

test('an age assessment recorded as "adult" without the benefit of the doubt becomes the current decision', async () => {
  await asCaseworker('decisions', async (page) => {
    const c = await newCase(page, 'Omid', 'Karimi');
    await page.waitForSelector('#decisions-h ~ .empty');
    await page.click('button:has-text("Record a decision")');
    await page.waitForSelector('#dec-type');
    // a caseworker in child protection records age assessments and best interests, not the grounds
    assert.deepEqual(await page.locator('#dec-type option').allTextContents(), ['Age assessment', 'Best interests']);
    await page.selectOption('#dec-type', 'age_assessment');
    assert.deepEqual(await page.locator('#dec-outcome option').allTextContents(), ['Choose…', 'A child', 'An adult']);
    await page.selectOption('#dec-outcome', 'adult');
    await page.selectOption('#dec-method', 'holistic_assessment');
    await page.selectOption('#dec-benefit_of_doubt', 'no');
    await page.fill('#dec-assessed_age', '24');
    // no grounds: refused, the reason by the grounds, which takes the focus
    page.expectHttpError(400, `/api/v1/cases/${c.id}/decisions`);
    const post = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${c.id}/decisions`));
    await page.click('form:has(#dec-type) button[type=submit]');
    assert.deepEqual(JSON.parse((await post).postData()), { type: 'age_assessment', outcome: 'adult', grounds: '',
      method: 'holistic_assessment', benefit_of_doubt: false, assessed_age: 24 });
    await page.waitForSelector('#dec-grounds-error');
    assert.equal(await page.getAttribute('#dec-grounds', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'dec-grounds');
    await assertAccessible(page, 'the decision form refused');
    await page.fill('#dec-grounds', 'Passport and interview consistent with an age of 24.');
    // a decision is an event for the deadlines: the section reads them again
    const reread = page.waitForRequest((r) => r.method() === 'GET' && r.url().includes(`/api/v1/cases/${c.id}/deadlines`));
    await page.click('form:has(#dec-type) button[type=submit]');
    const d = page.locator('li[data-type="age_assessment"]');
    await d.waitFor();
    await reread;
    assert.match(await d.locator('.decision__head').textContent(), /^Age assessment: An adult\s+Current$/);
    assert.match(await d.textContent(), /recorded by demo\.childworker/);
    assert.match(await d.textContent(), /Method: Holistic multidisciplinary assessment · Benefit of the doubt given: No · Assessed age \(optional\): 24/);
    assert.match(await d.textContent(), /Passport and interview consistent with an age of 24\./);
    assert.equal(await page.locator('#dec-type').count(), 0, 'the form closed');
    await assertAccessible(page, 'the decisions');
    await assertNoHorizontalScroll(page, 'the decisions at 390 px');
  }, 'demo.childworker');
});

test('a referral starts deadlines; one started in the past is overdue and first on the Deadlines page', async () => {
  await asCaseworker('deadlines', async (page) => {
    const now = await newCase(page, 'Lina', 'Haddad');
    await page.waitForSelector('#deadlines-h ~ .empty');
    const post = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${now.id}/events`));
    await page.click('button:has-text("Record referral to the national referral mechanism")');
    assert.deepEqual(JSON.parse((await post).postData()), { event: 'referral' });
    const started = page.locator('#deadlines-h ~ .deadline-list li[data-rule="rg_decision"]');
    await started.waitFor();
    assert.equal(await page.textContent('#deadlines-h ~ .actions [role="status"]'), 'Referral recorded. Deadlines started: 1.');
    assert.match(await started.textContent(), /Reasonable-grounds decision/);
    assert.match(await started.textContent(), /Target · due .* \(Europe\/London\)/);
    assert.equal(await started.locator('.deadline__state').textContent(), 'Due');
    assert.doesNotMatch(await started.textContent(), /Overdue/);
    // a working-day target counts its working days; nothing reads "null"
    assert.match(await started.textContent(), /working days left: [0-5](?!\d)/);
    assert.doesNotMatch(await page.textContent('#deadlines-h ~ .deadline-list'), /null|undefined/);
    await assertAccessible(page, 'the case page with its deadlines');

    // a second case referred on Monday 1 June 2026: its target ended with Monday 8 June in
    // London (5 working days, the trigger day not counted) and is overdue
    const old = await newCase(page, 'Sami', 'Nasser');
    const r = await apiCall(page, 'POST', `/api/v1/cases/${old.id}/events`, { event: 'referral', at: '2026-06-01T10:00:00Z' });
    assert.equal(r.status, 201);
    await page.reload();
    const late = page.locator('#deadlines-h ~ .deadline-list li.task--overdue');
    await late.waitFor();
    assert.match(await late.textContent(), /Reasonable-grounds decision/);
    assert.match(await late.textContent(), /due Jun 8, 2026, 11:59 PM \(Europe\/London\)/);
    assert.equal(await late.locator('strong.overdue').textContent(), 'Overdue');
    assert.equal(await late.evaluate((el) => getComputedStyle(el).borderInlineStartWidth), '6px');

    // the agency's deadlines: the overdue one first, the other one too; then overdue only
    await page.click('nav a[href="/deadlines"]');
    await page.waitForSelector('h1:text-is("Deadlines")');
    await page.waitForSelector('.deadline-list li');
    const rows = page.locator('.deadline-list li');
    assert.match(await rows.first().textContent(), /Overdue/);
    assert.match(await rows.first().textContent(), new RegExp(`Case ${old.number}`));
    assert.equal(await page.locator(`.deadline-list li:has(a:text-is("Case ${now.number}"))`).count(), 1);
    await assertAccessible(page, 'the Deadlines page');
    await assertNoHorizontalScroll(page, 'the Deadlines page at 390 px');
    await page.check('#deadlines-overdue');
    await page.waitForFunction((n) => ![...document.querySelectorAll('.deadline-list li')]
      .some((li) => li.textContent.includes(`Case ${n}`)), now.number);
    assert.equal(await page.locator(`.deadline-list li:has(a:text-is("Case ${old.number}"))`).count(), 1);

    // met by hand, from its case (If-Match: the version read)
    await page.locator(`.deadline-list li a:text-is("Case ${old.number}")`).click();
    await late.waitFor();
    const patch = page.waitForRequest((q) => q.method() === 'PATCH' && q.url().includes('/api/v1/deadlines/'));
    await late.locator('button:has-text("Mark met")').click();
    assert.equal((await patch).headers()['if-match'], '"1"');
    const met = page.locator('#deadlines-h ~ .deadline-list li[data-rule="rg_decision"]');
    await page.waitForFunction(() => document.querySelector('#deadlines-h ~ .deadline-list li .deadline__state')?.textContent === 'Met');
    assert.equal(await met.locator('button').count(), 0);
    assert.equal(await met.locator('.overdue').count(), 0);
  });
});
