// The screening wizard in Chromium at phone width, as the demo screener: open a case for a
// boy whose age is disputed and who travels alone, start the first-contact screening from the
// case page, answer one question a screen (the vignette of tests/data/screening/
// fc-01-child-alone-debt.json: stated age 15, possible minor, alone, owes a debt to the people
// who moved him, the rest "no"), the first answers with the keyboard alone; a conclusion that
// differs from the engine is refused until it agrees (the reason field takes the focus); the
// result shows the child presumption, the urgent guardian task (marked done in one tap) and
// the suggested referrals. Then in French at 360 px without sideways scrolling: the result, a
// second screening in the protocol's French texts, resumed where it stopped after a reload,
// and a save refused by a change made meanwhile (412: the screening is reloaded); the result
// in Arabic, right to left, at 360 px.
// axe-core on each screen; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, logIn } from './lib.mjs';

let server;
let browser;
let screeningPath = null; // the first screening's page, for the French pass
let casePath = null;
const vignette = JSON.parse(readFileSync(join(ROOT, 'tests/data/screening/fc-01-child-alone-debt.json'), 'utf8'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

before(async () => {
  ({ server, browser } = await startAll());
});

after(() => stopAll({ server, browser }));

async function logInScreener(page) {
  await logIn(page, 'demo.screener');
  await page.waitForSelector('.case-list, .empty');
}

// Tab from the question's heading (the focus moves there on each new question; on the
// first it is still on the guidance just opened) to the answer button named `name`, and
// press it.
async function answerByKeyboard(page, name, first) {
  if (!first) await page.waitForFunction(() => document.activeElement?.id === 'q-text');
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => document.activeElement?.textContent?.trim());
    if (text === name) {
      await page.keyboard.press('Enter');
      return;
    }
  }
  assert.fail(`no answer button "${name}" within reach of the keyboard`);
}

async function currentQuestion(page) {
  return page.getAttribute('section[data-question]', 'data-question');
}

test('a screener screens a boy travelling alone: wizard, conclusion, result with the child presumption', async () => {
  const page = await openPage(browser, server.base, { width: 375, height: 800 });
  await withScreenshot(page, 'screening', async () => {
    await logInScreener(page);
    await page.click('nav a[href="/cases/new"]');
    await page.waitForSelector('#name-0-original');
    await page.fill('#name-0-original', 'Dawit');
    await page.fill('#name-1-original', 'Tesfaye');
    await page.selectOption('#sex', 'male');
    await page.check('#flag-age_disputed');
    await page.check('#flag-unaccompanied_child');
    page.expectHttpError(403, '/referrals'); // a screener does not read referrals: the section says so
    await page.click('form button[type=submit]');
    await page.waitForSelector('#screenings-h');
    casePath = new URL(page.url()).pathname;
    await page.waitForSelector('#screenings-h ~ .empty');
    await assertAccessible(page, 'the case page with its screenings');

    // the start form: first-contact preselected; the create carries an Idempotency-Key
    await page.click('button:has-text("Start a screening")');
    await page.waitForSelector('#scr-protocol');
    assert.equal(await page.inputValue('#scr-protocol'), 'first-contact@1');
    assert.equal(await page.inputValue('#scr-lang'), 'en');
    await page.fill('#scr-interpreter', 'ti');
    await assertAccessible(page, 'the start-a-screening form');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/screenings'));
    await page.click('form:has(#scr-protocol) button[type=submit]');
    assert.match((await sent).headers()['idempotency-key'] || '', UUID);
    await page.waitForSelector('section[data-question]');
    screeningPath = new URL(page.url()).pathname;
    assert.match(screeningPath, /^\/screenings\/[0-9a-f-]{36}$/);
    assert.match(await page.textContent('.provisional'), /Provisional protocol/);
    assert.match(await page.textContent('.progress'), /Question 1 of ~\d+/);
    assert.equal(await currentQuestion(page), 'urgent_medical');
    // the guidance is one tap away
    assert.equal(await page.isVisible('.guidance dd'), false);
    await page.click('.guidance summary');
    assert.ok(await page.isVisible('.guidance dd'));
    await assertAccessible(page, 'the first question with its guidance open');
    await assertNoHorizontalScroll(page, 'the first question at 375 px');

    const patches = [];
    page.on('request', (r) => {
      if (r.method() === 'PATCH' && r.url().includes('/api/v1/screenings/')) patches.push(r.headers()['if-match']);
    });
    let seen = 0;
    let sawSensitive = false;
    for (;;) {
      const q = await currentQuestion(page);
      const answer = vignette.answers[q];
      assert.ok(answer !== undefined, `the wizard asks ${q}, which the vignette skips`);
      assert.ok(await page.isVisible('.provisional'), 'the provisional warning on every screen');
      if (q === 'forced_work') {
        sawSensitive = true;
        assert.match(await page.textContent('.sensitive'), /interviewer/);
        await assertAccessible(page, 'a sensitive question');
      }
      if (seen < 3) await answerByKeyboard(page, answer === 'yes' ? 'Yes' : 'No', seen === 0);
      else if (answer === 'yes' || answer === 'no') await page.click(`.answer-buttons button:text-is("${answer === 'yes' ? 'Yes' : 'No'}")`);
      else if (typeof answer === 'number') {
        await page.fill(`#q-${q}`, String(answer));
        await page.click('button:has-text("Save and continue")');
      } else {
        await page.check(`#q-${q}-${answer}`);
        await page.click('button:has-text("Save and continue")');
      }
      seen += 1;
      // the next screen: another question (the server's skip logic), or the conclusion
      await page.waitForFunction((prev) => {
        const s = document.querySelector('section[data-question]');
        return (s && s.dataset.question !== prev) || document.getElementById('conc-h');
      }, q);
      if (await page.$('#conc-h')) break;
    }
    assert.ok(sawSensitive, 'the sensitive question was asked');
    assert.equal(seen, Object.keys(vignette.answers).length, 'every asked question once; the skipped ones never');
    assert.equal(patches.length, seen);
    patches.forEach((m, i) => assert.equal(m, `"${i + 1}"`, 'each save names the version it read'));

    // Back from the conclusion returns to the last question, answered
    await page.click('section:has(#conc-h) button:has-text("Back")');
    await page.waitForSelector('section[data-question="own_resources"] button[aria-pressed="true"]');
    await page.click('button:has-text("Next")');
    await page.waitForSelector('#conc-h');
    await assertAccessible(page, 'the conclusion form');

    // a priority other than the engine's needs a reason: the field appears with the API's words
    await page.check('#conc-possible_trafficking-2');
    await page.check('#conc-intervention_level-2');
    await page.check('#conc-priority-1');
    await page.check('#conc-child');
    page.expectHttpError(400, '/complete');
    await page.click('button:has-text("Complete the screening")');
    await page.waitForSelector('#conc-reason[aria-invalid="true"]');
    assert.ok((await page.textContent('#conc-reason-error')).trim().length > 0);
    await page.waitForFunction(() => document.activeElement?.id === 'conc-reason');
    await assertAccessible(page, 'the conclusion with the reason asked for');
    // agreeing with the engine (urgent) needs none
    await page.check('#conc-priority-2');
    const done = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/complete'));
    await page.click('button:has-text("Complete the screening")');
    assert.equal((await done).headers()['if-match'], `"${seen + 1}"`);

    // the result
    await page.waitForSelector('.presumption');
    assert.match(await page.textContent('.presumption h2'), /Presumed a child/);
    await page.waitForSelector('li[data-kind="appoint_guardian"]');
    const guardian = page.locator('li[data-kind="appoint_guardian"]');
    assert.match(await guardian.textContent(), /Appoint a guardian or representative/);
    assert.match(await guardian.textContent(), /Urgent/);
    assert.ok(await page.isVisible('li[data-service="child_protection_authority"]'));
    assert.ok(await page.isVisible('li[data-service="national_referral_mechanism"]'));
    assert.match(await page.textContent('.referrals'), /Child protection/i);
    assert.match(await page.textContent('.explanation'), /presumed a child/);
    await page.waitForSelector('.needs li');
    assert.match(await page.textContent('.needs'), /unmet/);
    await assertAccessible(page, 'the result page');
    await assertNoHorizontalScroll(page, 'the result page at 375 px');

    const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes('/api/v1/tasks/'));
    await guardian.locator('button').click();
    assert.equal((await patch).headers()['if-match'], '"1"');
    await page.waitForFunction(() => document.querySelector('li[data-kind="appoint_guardian"] .task__status')?.textContent === 'done');
    assert.equal(await guardian.locator('button').count(), 0);

    // the case page lists the screening, completed
    page.expectHttpError(403, '/referrals');
    await page.click('.breadcrumb a');
    await page.waitForSelector('.screening-list li');
    await page.waitForSelector('#referrals-h + .muted');
    assert.match(await page.textContent('.screening-list'), /first-contact@1 · completed/);
    assertClean(page);
  });
  await page.context().close();
});

test('in French at 360 px: the protocol\'s own texts, nothing to scroll sideways', async () => {
  assert.ok(screeningPath && casePath, 'the first test made a screening');
  const page = await openPage(browser, server.base, { width: 360, height: 740, lang: 'fr' });
  await withScreenshot(page, 'screening-fr', async () => {
    await logInScreener(page);
    await page.goto(screeningPath);
    await page.waitForSelector('.presumption');
    assert.match(await page.textContent('.presumption h2'), /Présumé enfant/);
    assert.match(await page.textContent('.explanation'), /présumée? (un )?enfant|enfant/i);
    await assertNoHorizontalScroll(page, 'the result in French at 360 px');
    await assertAccessible(page, 'the result in French');

    page.expectHttpError(403, '/referrals');
    await page.goto(casePath);
    await page.click('button:has-text("Commencer un repérage")');
    await page.waitForSelector('#scr-protocol');
    assert.equal(await page.inputValue('#scr-lang'), 'fr');
    assert.match(await page.textContent('#scr-protocol option[value="first-contact@1"]'), /Repérage au premier contact/);
    await page.click('form:has(#scr-protocol) button[type=submit]');
    await page.waitForSelector('section[data-question="urgent_medical"]');
    assert.match(await page.textContent('.progress'), /Question 1 sur ~\d+/);
    assert.doesNotMatch(await page.textContent('#q-text'), /Are you hurt/);
    assert.ok(await page.isVisible('button:has-text("Ne sait pas / refus")'));
    await page.click('.guidance summary');
    await assertNoHorizontalScroll(page, 'a question in French at 360 px');
    await assertAccessible(page, 'a question in French');
    // "don't know" is an answer: saved, and the next question comes
    await page.click('button:has-text("Ne sait pas / refus")');
    await page.waitForSelector('section[data-question="basic_needs"]');
    await page.click('button:has-text("Retour")');
    await page.waitForSelector('section[data-question="urgent_medical"] button[aria-pressed="true"]:has-text("Ne sait pas")');

    // reopened, it resumes at the first question without an answer (the server's next)
    const path = new URL(page.url()).pathname;
    await page.reload();
    await page.waitForSelector('section[data-question="basic_needs"]');
    assert.match(await page.textContent('.progress'), /Question 2 sur/);

    // changed meanwhile elsewhere (the API, as another tab would): the save is refused (412)
    // and the screening shown as it is now, with that answer
    const id = path.split('/').pop();
    const status = await page.evaluate(async (sid) => {
      const csrf = sessionStorage.getItem('safepath.csrf');
      const h = { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf };
      const cur = await (await fetch(`/api/v1/screenings/${sid}`)).json();
      const r = await fetch(`/api/v1/screenings/${sid}`, { method: 'PATCH',
        headers: { ...h, 'If-Match': `"${cur.version}"` }, body: JSON.stringify({ answers: { basic_needs: 'yes' } }) });
      return r.status;
    }, id);
    assert.equal(status, 200);
    page.expectHttpError(412, `/api/v1/screenings/${id}`);
    await page.click('.answer-buttons button:text-is("Non")');
    await page.waitForSelector('section[data-question="afraid_now"]');
    assert.match(await page.textContent('.wizard [role="status"]'), /modifié ailleurs/);
    await page.click('button:has-text("Retour")');
    await page.waitForSelector('section[data-question="basic_needs"] button[aria-pressed="true"]:text-is("Oui")');
    assertClean(page);
  });
  await page.context().close();
});

test('in Arabic at 360 px: the result laid out right to left, nothing to scroll sideways', async () => {
  assert.ok(screeningPath, 'the first test made a screening');
  const page = await openPage(browser, server.base, { width: 360, height: 740, lang: 'ar' });
  await withScreenshot(page, 'screening-ar', async () => {
    await logInScreener(page);
    await page.goto(screeningPath);
    await page.waitForSelector('.presumption');
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.match(await page.textContent('.presumption h2'), /يُفترض أنه طفل/);
    await page.waitForSelector('li[data-kind="appoint_guardian"]');
    await assertNoHorizontalScroll(page, 'the result in Arabic at 360 px');
    await assertAccessible(page, 'the result in Arabic');
    assertClean(page);
  });
  await page.context().close();
});
