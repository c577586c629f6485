// An incoming referral and the referral screens' words, in Chromium in French: the demo
// caseworker finds "Enregistrer une orientation reçue" on the referrals page, is told by each
// field what is missing (a name, then where the referral came from and the need), registers a
// hotline's referral of an unaccompanied child and lands on the new case, whose referrals
// section shows it received and accepted; on the referral's page every status, urgency,
// source, event and outcome is in French — never a code such as in_progress or hotline — and
// the moves by hand (start, then complete with an outcome) are reached and pressed with the
// keyboard. axe-core on each screen; any console error or CSP violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveFile, openPage, signIn, assertClean, assertAccessible, withScreenshot } from './lib.mjs';

const ctx = serveFile();
// codes of the API that must never reach the reader's eyes
const RAW = ['in_progress', 'accepted', 'completed', 'hotline', 'routine', 'urgent',
  'service_provided', 'unaccompanied_child', 'incoming', 'sender'];

function noRawCode(text, where) {
  for (const code of RAW) assert.ok(!new RegExp(`\\b${code}\\b`).test(text), `${where} shows the code ${code}`);
}

test('a caseworker registers a hotline\'s referral, then moves it on by hand, all in French', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { lang: 'fr' });
  await withScreenshot(page, 'incoming', async () => {
    await signIn(page, 'demo.caseworker');
    await page.click('nav a[href="/referrals"]');
    await page.click('a[href="/referrals/incoming/new"]');
    await page.waitForSelector('h1:text("Une orientation reçue")');
    await assertAccessible(page, 'the incoming referral form');

    // nothing filled: the person's name first
    page.expectHttpError(400, '/api/v1/referrals/incoming');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#inc-given-error');
    assert.match(await page.locator('.error-summary').innerText(), /Prénom: needs at least one name part/);

    // a name, but neither source nor need
    page.expectHttpError(400, '/api/v1/referrals/incoming');
    await page.fill('#inc-given', 'Yonas');
    await page.fill('#inc-family', 'Tekle');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#inc-source-error');
    assert.match(await page.locator('.error-summary').innerText(), /Orientée par: /);
    assert.equal(await page.locator('#inc-given-error').count(), 0);

    await page.selectOption('#inc-source', 'hotline');
    await page.selectOption('#inc-need', 'psychosocial');
    await page.selectOption('#inc-urgency', 'urgent');
    await page.check('#inc-flag-unaccompanied_child');
    await page.selectOption('#inc-sex', 'male');
    await page.fill('#inc-year', String(new Date().getFullYear() - 15));
    await page.fill('#inc-languages', 'ti');
    await page.click('form button[type=submit]');
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    await page.waitForSelector('#referrals-h ~ ul li[data-referral]');
    const row = page.locator('#referrals-h ~ ul li[data-referral]');
    const rowText = await row.innerText();
    assert.match(rowText, /Soutien psychologique et psychosocial/);
    assert.match(rowText, /acceptée · Urgente/);
    noRawCode(rowText, 'the case\'s referral row');

    await row.locator('a').click();
    await page.waitForSelector('#ref-h');
    const facts = await page.locator('#ref-h ~ .facts').innerText();
    assert.match(facts, /Statut\s+acceptée/);
    assert.match(facts, /Type\s+Orientation reçue/);
    assert.match(facts, /Orientée par\s+une ligne d'assistance/);
    noRawCode(await page.locator('main').innerText(), 'the referral page');
    await assertAccessible(page, 'the received referral');

    // the moves by hand, by keyboard: "Commencer", then "Terminer" with an outcome
    const start = page.getByRole('button', { name: 'Commencer' });
    await start.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ref-h ~ .facts .referral__status:text("en cours")');
    await page.focus('#ref-outcome');
    await page.selectOption('#ref-outcome', 'service_provided');
    await page.getByRole('button', { name: 'Terminer' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#ref-h ~ .facts .referral__status:text("terminée")');
    const done = await page.locator('main').innerText();
    assert.match(done, /Résultat\s+Service fourni/);
    assert.match(done, /Urgence\s+Urgente/);
    assert.match(done, /Sexe\s+Masculin/);
    assert.match(done, /Langue\s+tigrigna/);
    assert.match(done, /Historique/);
    assert.match(done, /Commencer · prestataire · enregistré à la main/);
    assert.match(done, /Terminer · prestataire · enregistré à la main/);
    noRawCode(done, 'the completed referral');
    assertClean(page);
  });
  await page.context().close();
});
