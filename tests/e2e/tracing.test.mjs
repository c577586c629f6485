// Family tracing in Chromium at phone width (390 px), the whole flow: the child-protection
// caseworker's child consents to tracing (through the API); the NGO caseworker opens "Family
// tracing" from the navigation, is refused a request without the child's names (the API's
// reason by the field, which takes the focus), records it and lands on its page, which says
// "A possible match is being verified by the agency caring for the child." and nothing of the
// child's case; the child's caseworker opens the review page from the notification's link,
// sees the request and why it matched, is refused contact before the verification (the
// sentence of step 1), records the verification, the assessment and the approval (each with
// If-Match); the requester's page then says contact is approved. axe-core on each screen; no
// sideways scrolling; any console error or CSP violation fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { serveFile, openPage, signIn, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, apiCall, PHONE } from './lib.mjs';

const ctx = serveFile();
const year = new Date().getUTCFullYear();

test('a relative asks, the child side verifies and assesses, contact is approved', async () => {
  const child = await openPage(ctx.browser, ctx.server.base, PHONE);
  const tracer = await openPage(ctx.browser, ctx.server.base, PHONE);
  await withScreenshot(tracer, 'tracing-requester', async () => {
    await signIn(child, 'demo.childworker', demo.password);
    const kase = await apiCall(child, 'POST', '/api/v1/cases', {
      person: { names: [{ role: 'given', romanised: 'Yohanan' }, { role: 'family', romanised: 'Welderufael' }],
        sex: 'male', date_of_birth: { date: `${year - 10}` } },
      flags: ['separated_child'],
    });
    assert.equal(kase.status, 201);
    const consent = await apiCall(child, 'POST', `/api/v1/cases/${kase.json.id}/consents`,
      { purpose: 'tracing', status: 'given', method: 'verbal', by: 'person' });
    assert.equal(consent.status, 201);

    await signIn(tracer, 'demo.caseworker', demo.password);
    await tracer.click('nav.nav a[href="/tracing"]');
    await tracer.waitForSelector('#tr-new-h');
    await assertAccessible(tracer, 'the family tracing page');
    await assertNoHorizontalScroll(tracer, 'the family tracing page at 390 px');
    tracer.expectHttpError(400, '/api/v1/tracing/requests');
    await tracer.fill('#tr-req-name', 'Almaz Welderufael');
    await tracer.fill('#tr-req-rel', 'mother');
    await tracer.fill('#tr-req-contact', '+41 79 555 60 61');
    await tracer.click('form:has(#tr-names) button[type=submit]');
    await tracer.waitForSelector('#tr-names-error');
    assert.equal(await tracer.evaluate(() => document.activeElement?.id), 'tr-names');
    await tracer.fill('#tr-names', 'Yohanan Welderufael');
    await tracer.fill('#tr-nicknames', 'Yoha');
    await tracer.selectOption('#tr-sex', 'male');
    await tracer.fill('#tr-birth', String(year - 10));
    await tracer.fill('#tr-place', 'Kassala market');
    await tracer.fill('#tr-relatives', 'Tesfu Welderufael');
    await tracer.click('form:has(#tr-names) button[type=submit]');
    await tracer.waitForSelector('.tracing__says');
    assert.equal(await tracer.textContent('.tracing__says'),
      'A possible match is being verified by the agency caring for the child.');
    const text = await tracer.textContent('main');
    for (const v of [kase.json.id, kase.json.number]) {
      assert.ok(!text.includes(v), `the requester's page shows ${v}`);
    }
    assert.match(text, /Almaz Welderufael/);
    const requestPath = new URL(tracer.url()).pathname;
    await assertAccessible(tracer, "the requester's page");

    // the child's side, from the notification's link
    const notes = await apiCall(child, 'GET', '/api/v1/me/notifications');
    const note = notes.json.items.find((n) => n.kind === 'tracing.match');
    assert.ok(note, 'the child side was notified');
    await child.goto(note.link);
    await child.waitForSelector('.tracing__state');
    assert.equal(await child.textContent('.tracing__state'), 'Proposed');
    // the person model's levels and contributions, as test_tracing_store.c works them out by hand
    assert.match(await child.textContent('main'), /name: exact \+10\.77; date_of_birth: weak date, agree \+6\.91; sex: exact \+0\.92; probability 0\.94/);
    assert.match(await child.textContent('main'), /Tesfu Welderufael/);
    await assertAccessible(child, 'the review page');
    await assertNoHorizontalScroll(child, 'the review page at 390 px');
    const matchId = note.link.split('/').pop();
    child.expectHttpError(409, `/api/v1/tracing/matches/${matchId}/contact`);
    await child.click('form:has(#tr-c-decision) button[type=submit]');
    await child.waitForSelector('form:has(#tr-c-decision) .error-summary');
    assert.match(await child.textContent('form:has(#tr-c-decision) .error-summary'),
      /the relationship has not been verified and confirmed \(step 1\)/);
    const verify = child.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/verification'));
    await child.selectOption('#tr-v-method', 'questions');
    await child.fill('#tr-v-note', 'Named her village and the family dog');
    await child.click('form:has(#tr-v-method) button[type=submit]');
    assert.equal((await verify).headers()['if-match'], '"1"');
    await child.waitForFunction(() => document.querySelector('.tracing__state')?.textContent === 'Relationship confirmed');
    await child.selectOption('#tr-a-outcome', 'contact_in_best_interests');
    await child.fill('#tr-a-grounds', 'The mother is safe and the child asks for her');
    await child.click('form:has(#tr-a-outcome) button[type=submit]');
    await child.waitForSelector('.tracing__assessed');
    const approve = child.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/contact'));
    await child.click('form:has(#tr-c-decision) button[type=submit]');
    assert.equal((await approve).headers()['if-match'], '"3"');
    await child.waitForFunction(() => document.querySelector('.tracing__state')?.textContent === 'Contact approved');
    assertClean(child);

    // the child's case page lists the match, linked to its review
    await child.goto(`/cases/${kase.json.id}`);
    await child.waitForSelector('#tracing-h');
    assert.equal(await child.getAttribute(`li[data-match="${matchId}"] a`, 'href'), `/tracing/matches/${matchId}`);
    assert.equal(await child.textContent(`li[data-match="${matchId}"] a`), 'Contact approved');
    assertClean(child);

    await tracer.goto(requestPath);
    await tracer.waitForSelector('.tracing__says[data-status="contact_approved"]');
    assert.equal(await tracer.textContent('.tracing__says'), 'Contact approved: the caring agency will arrange it.');
    assertClean(tracer);
  });
  await child.context().close();
  await tracer.context().close();
});

test('the requester page in French', async () => {
  const page = await openPage(ctx.browser, ctx.server.base, { ...PHONE, lang: 'fr' });
  await withScreenshot(page, 'tracing-fr', async () => {
    await signIn(page, 'demo.caseworker', demo.password);
    const made = await apiCall(page, 'POST', '/api/v1/tracing/requests', {
      requester: { name: 'Ruth Abrehet', relationship: 'tante' }, child: { names: ['Selamawit Nebrenchel'] },
    });
    assert.equal(made.status, 201);
    await page.goto(`/tracing/requests/${made.json.id}`);
    await page.waitForSelector('.tracing__says');
    assert.equal(await page.textContent('.tracing__says'), 'Pas encore de correspondance.');
    assert.equal(await page.textContent('h1'), 'Demande de recherche');
    assertClean(page);
  });
  await page.context().close();
});
