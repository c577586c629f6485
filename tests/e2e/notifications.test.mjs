// Notifications in Chromium: the supervisor gives a task on the demo identifier's new case to
// the identifier (through the API, as another tab would; an account no other browser test
// uses, since the test files share one database); the identifier's bell shows 1 (the
// badge, its label and the polite live region), the Notifications page words it from the
// catalog with "New", opening it marks it read (the bell back to 0, the API says read) and
// lands on the case; two more, then "Mark all read"; the page in French and in Arabic at
// 360 px without sideways scrolling. axe-core on each screen; any console error or CSP
// violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { serveFile, signIn, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall } from './lib.mjs';

const ctx = serveFile();
const logIn = (page, username) => signIn(page, username, demo.password);

const bellSays = (page, n) => page.waitForSelector(`a.bell[aria-label="Notifications, ${n} unread"]`);

test('a task given to the caseworker rings their bell; opening it marks it read and leads to the case', async () => {
  const sup = await openPage(ctx.browser, ctx.server.base);
  const cw = await openPage(ctx.browser, ctx.server.base);
  await withScreenshot(cw, 'notifications', async () => {
    await logIn(sup, 'demo.supervisor');
    await logIn(cw, 'demo.identifier');
    const me = (await apiCall(cw, 'GET', '/api/v1/me')).json;
    const kase = await apiCall(cw, 'POST', '/api/v1/cases',
      { person: { names: [{ role: 'given', romanised: 'Campanella' }], sex: 'female' } });
    assert.equal(kase.status, 201);
    const before = (await apiCall(cw, 'GET', '/api/v1/me/notifications/count')).json.unread;
    assert.equal(before, 0);
    await bellSays(cw, 0);
    assert.equal(await cw.$('.bell__count'), null);

    const task = await apiCall(sup, 'POST', `/api/v1/cases/${kase.json.id}/tasks`,
      { kind: 'appoint_guardian', assignee: me.id, priority: 'urgent' });
    assert.equal(task.status, 201, JSON.stringify(task.json));
    // the bell counts again on the next page
    await cw.click('nav a[href="/tasks"]');
    await bellSays(cw, 1);
    assert.equal(await cw.textContent('.bell__count'), '1');
    assert.equal(await cw.textContent('.topbar [role=status]'), '1 unread notifications');
    await assertAccessible(cw, 'the header with one unread');

    await cw.click('a.bell');
    await cw.waitForSelector('.notice');
    assert.equal(await cw.textContent('h1'), 'Notifications');
    assert.equal(await cw.getAttribute('a.bell', 'aria-current'), 'page');
    const items = await cw.$$('.notice');
    assert.equal(items.length, 1);
    assert.equal(await cw.textContent('.notice .notice__text'), 'A task on a case was assigned to you');
    assert.equal(await cw.textContent('.notice .notice__new'), 'New');
    assert.equal(await cw.getAttribute('.notice a', 'href'), `/cases/${kase.json.id}`);
    await assertAccessible(cw, 'the notifications page');

    await cw.click('.notice a');
    await cw.waitForURL(`**/cases/${kase.json.id}`);
    await cw.waitForSelector('#tasks-h');
    await bellSays(cw, 0);
    const list = (await apiCall(cw, 'GET', '/api/v1/me/notifications')).json;
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].object_id, task.json.id);
    assert.ok(list.items[0].read_at, 'opening it marked it read');

    // two more, then "Mark all read"
    for (const kind of ['medical_check', 'appoint_guardian']) {
      const more = await apiCall(sup, 'POST', `/api/v1/cases/${kase.json.id}/tasks`, { kind, assignee: me.id });
      assert.equal(more.status, 201);
    }
    await cw.click('a.bell');
    await cw.waitForSelector('.notice__new');
    assert.equal((await cw.$$('.notice')).length, 3);
    assert.equal((await cw.$$('.notice__new')).length, 2);
    await bellSays(cw, 2);
    await cw.click('text=Mark all read');
    await bellSays(cw, 0);
    assert.equal((await cw.$$('.notice__new')).length, 0);
    assert.equal(await cw.$('text=Mark all read'), null);
    assert.equal((await apiCall(cw, 'GET', '/api/v1/me/notifications/count')).json.unread, 0);
    assertClean(cw);
    assertClean(sup);
  });
  await sup.context().close();
  await cw.context().close();
});

test('the notifications page in French and in Arabic at 360 px', async () => {
  for (const [lang, title, text] of [['fr', 'Notifications', 'Une tâche d’un dossier vous a été confiée'],
    ['ar', 'الإشعارات', 'أُسندت إليك مهمة في ملف']]) {
    const page = await openPage(ctx.browser, ctx.server.base, { width: 360, height: 780, lang });
    await withScreenshot(page, `notifications-${lang}`, async () => {
      await logIn(page, 'demo.identifier');
      await page.click('a.bell');
      await page.waitForSelector('.notice');
      assert.equal(await page.textContent('h1'), title);
      assert.equal(await page.textContent('.notice .notice__text'), text);
      await assertNoHorizontalScroll(page, `notifications in ${lang}`);
      await assertAccessible(page, `notifications in ${lang}`);
      assertClean(page);
    });
    await page.context().close();
  }
});
