// The dashboard in Chromium, the server under England and Wales's rules. The demo caseworker
// logs in on a phone (390 px) and lands on it: the bar chart of open cases by priority names
// every number in its accessible name. Through the API the test then opens an urgent case,
// gives it an overdue task with a title and records a referral on 1 June 2026 (a target due
// on 8 June, long past); after a reload each count has grown by one (other test files share
// the data folder: counts are compared with those read before), the new case heads the list
// (urgent, latest update), the task says "Overdue" with its title and case, the deadline its
// rule; "Done" (with If-Match) takes the task off and the count down by one; the case link
// opens the case. The supervisor's deadlines are the agency's; the page in Arabic at 360 px
// lays out right to left without sideways scrolling. axe-core on each screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall, logInToDashboard } from './lib.mjs';

let server;
let browser;

before(async () => {
  ({ server, browser } = await startAll({ SAFEPATH_JURISDICTION: 'gb-eng-wls' }));
});

after(() => stopAll({ server, browser }));



// The numbers the chart says, by priority, from its accessible name.
async function chartCounts(page) {
  const name = await page.getAttribute('.chart', 'aria-label');
  const m = /^Open cases by priority: Urgent (\d+), High priority (\d+), Normal priority (\d+), Low priority (\d+)$/.exec(name);
  assert.ok(m, name);
  return { urgent: Number(m[1]), high: Number(m[2]), normal: Number(m[3]), low: Number(m[4]) };
}
const count = async (page, id) => Number(await page.textContent(`#${id} .dash-count`));

test('the caseworker lands on the dashboard; a new urgent case, an overdue task and deadline show', async () => {
  const page = await openPage(browser, server.base, { width: 390, height: 844, lang: 'en' });
  await withScreenshot(page, 'dashboard', async () => {
    await logInToDashboard(page, 'demo.caseworker', demo.password);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal((await page.textContent('h1')).trim(), 'Dashboard');
    assert.equal(await page.getAttribute('nav a[href="/"]', 'aria-current'), 'page');
    const chart = await chartCounts(page);
    const open = await count(page, 'dash-cases');
    assert.equal(open, chart.urgent + chart.high + chart.normal + chart.low);
    const tasks = await count(page, 'dash-tasks');
    const late = await count(page, 'dash-deadlines');
    // the agency's referrals awaiting a response (other test files send some): the count, and
    // the list when there are any, else the words for none
    assert.match(await page.textContent('#dash-referrals'), /^Referrals awaiting a response/);
    const waiting = await count(page, 'dash-referrals');
    const rows = await page.locator('#dash-referrals ~ ul li.referral').count();
    assert.equal(rows, Math.min(waiting, 10));
    assert.equal(await page.locator('#dash-referrals ~ .empty').count(), waiting ? 0 : 1);
    await assertNoHorizontalScroll(page, 'the dashboard');
    await assertAccessible(page, 'the dashboard');

    const kase = await apiCall(page, 'POST', '/api/v1/cases', {
      person: { names: [{ role: 'given', romanised: 'Dashka' }], sex: 'female' }, priority: 'urgent' });
    assert.equal(kase.status, 201);
    const yesterday = new Date(Date.now() - 86400e3).toISOString();
    const task = await apiCall(page, 'POST', `/api/v1/cases/${kase.json.id}/tasks`,
      { title: 'Ring the guardian', due_at: yesterday, priority: 'urgent' });
    assert.equal(task.status, 201);
    const ev = await apiCall(page, 'POST', `/api/v1/cases/${kase.json.id}/events`,
      { event: 'referral', at: '2026-06-01T10:00:00Z' });
    assert.equal(ev.status, 201);

    await page.reload();
    await page.waitForSelector('.chart');
    assert.deepEqual(await chartCounts(page), { ...chart, urgent: chart.urgent + 1 });
    assert.equal(await count(page, 'dash-cases'), open + 1);
    assert.equal(await count(page, 'dash-tasks'), tasks + 1);
    assert.equal(await count(page, 'dash-deadlines'), late + 1);
    const first = page.locator('#dash-cases ~ .case-list .case-row').first();
    assert.equal(await first.locator('a').textContent(), kase.json.number);
    assert.equal(await first.locator('.case-row__name').textContent(), 'Dashka');

    const row = page.locator('#dash-tasks ~ .task-list li', { hasText: 'Ring the guardian' });
    assert.equal(await row.locator('strong.overdue').textContent(), 'Overdue');
    assert.match(await row.textContent(), new RegExp(`Case ${kase.json.number}`));
    const deadline = page.locator('#dash-deadlines ~ .deadline-list li', { hasText: kase.json.number });
    assert.match(await deadline.textContent(), /Reasonable-grounds decision/);
    assert.equal(await deadline.locator('strong.overdue').textContent(), 'Overdue');

    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/v1/tasks/${task.json.id}`));
    await row.locator('button').click();
    assert.equal((await patch).headers()['if-match'], '"1"');
    await page.waitForFunction(([n]) => Number(document.querySelector('#dash-tasks .dash-count')?.textContent) === n, [tasks]);
    assert.equal(await page.locator('#dash-tasks ~ .task-list li', { hasText: 'Ring the guardian' }).count(), 0);

    await first.locator('a').click();
    await page.waitForSelector('#notes-h');
    assert.equal(new URL(page.url()).pathname, `/cases/${kase.json.id}`);
    await page.click('nav a[href="/"]');
    await page.waitForSelector('.chart');
    assertClean(page);
  });
  await page.context().close();
});

test("the supervisor's overdue deadlines are the agency's", async () => {
  const page = await openPage(browser, server.base, { lang: 'en' });
  await withScreenshot(page, 'dashboard-supervisor', async () => {
    await logInToDashboard(page, 'demo.supervisor', demo.password);
    assert.equal(await page.textContent('#dash-deadlines ~ p.muted'), "On all your agency's cases.");
    assert.ok((await count(page, 'dash-deadlines')) >= 1);
    assert.ok((await page.locator('#dash-deadlines ~ .deadline-list li.task--overdue').count()) >= 1);
    await assertAccessible(page, "the supervisor's dashboard");
    assertClean(page);
  });
  await page.context().close();
});

test('the dashboard in Arabic on a 360-pixel phone, right to left', async () => {
  const page = await openPage(browser, server.base, { width: 360, height: 740, lang: 'ar' });
  await withScreenshot(page, 'dashboard-ar', async () => {
    await logInToDashboard(page, 'demo.caseworker', demo.password);
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.equal((await page.textContent('h1')).trim(), 'لوحة المتابعة');
    assert.match(await page.getAttribute('.chart', 'aria-label'), /^الحالات المفتوحة حسب الأولوية: /);
    await assertNoHorizontalScroll(page, 'the dashboard in Arabic');
    await assertAccessible(page, 'the dashboard in Arabic');
    assertClean(page);
  });
  await page.context().close();
});
