// Referrals in Chromium at phone width (390 px), issue 6 items 13 and 18: the demo caseworker
// opens a case of an unaccompanied child, records two needs and refers the child to a guardian
// service and a shelter through the flow — step 1 the services that meet the need (why each
// matched; a focal-point-only one marked), step 2 the consent (the person's own is refused by
// the API for a child, its words shown at the consent step; then a guardian's with the child's
// assent, recorded there; the shelter, of the same agency, finds it recorded), step 3 the
// fields the provider will see, step 4 send. The demo provider (agency SHL) finds both in its
// inbox, sees only the summary, accepts the guardian referral (then sees the shared fields),
// starts and completes it with feedback, and declines the shelter for lack of capacity; the
// caseworker sees the outcome and feedback, the decline's reason and the next services ("Refer
// to this one" opens the flow on it), marks the need met and closes the referral; the
// provider's page then says the referral has ended. A provider not on safepath: the printable
// referral (no navigation in print) and an answer recorded by hand; a referral received from a
// hotline, moved on by hand. A screening's suggested referral referred in one tap (the draft names
// the screening and the suggestion), then cancelled. In Arabic at 360 px, right to left. Last,
// the caseworker asks for the child's case to be closed and a supervisor approves it on the
// Approvals page: the case shows closed (issue 6, item 18 end to end).
// axe-core on each screen; no sideways scrolling; any console error or CSP violation fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { demo } from '../api/lib.mjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAll, stopAll, openPage, assertClean, assertAccessible, assertNoHorizontalScroll,
  withScreenshot, ROOT, apiCall, importDirectory, newChildCase, phonePage } from './lib.mjs';

let server;
let browser;

// A directory of this test's own, written by hand: two organisations of the demo shelter
// agency (SHL), one outside safepath.
const GUARDIANS = '01900000-0000-7000-8000-00000000e211';
const SHELTER = '01900000-0000-7000-8000-00000000e212';
const NIGHT_SHELTER = '01900000-0000-7000-8000-00000000e213';
const TRACING = '01900000-0000-7000-8000-00000000e214';
const DIRECTORY = {
  organization: [
    { id: '01900000-0000-7000-8000-00000000e201', name: 'E2E Guardians', x_safepath_agency: 'SHL' },
    { id: '01900000-0000-7000-8000-00000000e202', name: 'E2E Shelter House', x_safepath_agency: 'SHL' },
    { id: '01900000-0000-7000-8000-00000000e203', name: 'E2E Tracing Office' },
  ],
  service: [
    { id: GUARDIANS, organization_id: '01900000-0000-7000-8000-00000000e201', name: 'Guardianship Desk',
      status: 'active', x_kinds: ['guardianship_service'], x_needs: ['guardianship'], x_referral_route: 'direct' },
    { id: SHELTER, organization_id: '01900000-0000-7000-8000-00000000e202', name: 'Children\'s Rooms',
      status: 'active', x_kinds: ['shelter'], x_needs: ['safe_shelter'], x_referral_route: 'direct' },
    { id: NIGHT_SHELTER, organization_id: '01900000-0000-7000-8000-00000000e202', name: 'Night Rooms',
      status: 'active', x_kinds: ['shelter'], x_needs: ['safe_shelter'], x_referral_route: 'focal_point_only' },
    { id: TRACING, organization_id: '01900000-0000-7000-8000-00000000e203', name: 'Tracing Desk',
      status: 'active', x_kinds: ['family_tracing_service'], x_needs: ['family_tracing'], x_referral_route: 'direct' },
  ],
};

before(async () => {
  ({ server, browser } = await startAll());
  await importDirectory(server.base, DIRECTORY);
});

after(() => stopAll({ server, browser }));

// A page of its own, logged in as a demo user; ready: what the landing page shows.
async function logIn(username) {
  const page = await phonePage(browser, server.base, username);
  await page.waitForSelector('nav a[href="/referrals"]');
  return page;
}

async function addNeed(page, kind) {
  await page.selectOption('#need-kind', kind);
  await page.click('form:has(#need-kind) button[type=submit]');
  await page.waitForSelector(`li[data-need="${kind}"] button[data-refer]`);
}

const stepIs = async (page, n, name) => {
  await page.waitForFunction((s) => document.querySelector('.refer h3')?.textContent.startsWith(s), `Step ${n} of 4`);
  assert.equal(await page.textContent('.refer h3'), `Step ${n} of 4: ${name}`);
  assert.equal(await page.textContent('.steps [aria-current="step"]'), name);
};

let caseId;
let guardianRef;
let shelterRef;

test('a caseworker refers a child to a guardian service and a shelter: services, consent, preview, send', async () => {
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'refer', async () => {
    // a case of an unaccompanied child, born eight years ago (the summary's age band: 5 to 11)
    caseId = await newChildCase(page, ['Samira', 'Haddad'], 8);
    await page.waitForSelector('#referrals-h ~ .empty');
    assert.equal(await page.textContent('#referrals-h ~ .empty'), 'No referral yet.');
    await addNeed(page, 'guardianship');
    await addNeed(page, 'safe_shelter');

    // step 1: the services that meet the need, with why
    await page.click('li[data-need="guardianship"] button[data-refer]');
    await page.waitForSelector(`.service[data-service="${GUARDIANS}"]`);
    await stepIs(page, 1, 'Service');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'refer-h');
    assert.equal(await page.textContent('#refer-h'), 'Refer: Guardian or representative for a child');
    const desk = page.locator(`.service[data-service="${GUARDIANS}"]`);
    assert.match(await desk.textContent(), /Guardianship Desk\s*E2E Guardians/);
    assert.match(await desk.locator('.service__why').textContent(), /^Why: .*guardianship/i);
    assert.equal(await page.locator(`.service[data-service="${SHELTER}"]`).count(), 0);
    await desk.locator('input').check();
    await page.selectOption('#ref-urgency', 'urgent');
    await assertAccessible(page, 'the referral flow, step 1');
    await assertNoHorizontalScroll(page, 'the referral flow at 390 px');
    const draft = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${caseId}/referrals`));
    await page.click('.refer button[type=submit]');
    const drafted = await draft;
    assert.ok(drafted.headers()['idempotency-key'], 'the draft carries an Idempotency-Key');
    assert.deepEqual(JSON.parse(drafted.postData()), { need_id: (await apiCall(page, 'GET', `/api/v1/cases/${caseId}/needs`))
      .json.items.find((n) => n.kind === 'guardianship').id, service_id: GUARDIANS, urgency: 'urgent' });

    // step 2: no consent yet; the person's own, recorded here, is not enough for a child
    await stepIs(page, 2, 'Consent');
    await page.waitForSelector('.consent-state--missing');
    assert.equal(await page.textContent('.consent-state'), 'No consent for this referral is recorded yet.');
    assert.match(await page.textContent('.refer'), /consent to a referral to the agency of E2E Guardians, recorded/);
    await page.click('.refer form button[type=submit]');
    await page.waitForSelector('.consent-state--given');
    assert.match(await page.textContent('.consent-state'), /^Consent recorded: Given, by The person, Verbally, /);
    await page.click('.refer button:has-text("Continue")');
    await stepIs(page, 3, 'What is shared');
    page.expectHttpError(409, '/events');
    await page.click('button:has-text("Send the referral")');
    // the API's words, at the consent step
    await page.waitForSelector('#refer-consent-refused');
    await stepIs(page, 2, 'Consent');
    assert.match(await page.textContent('#refer-consent-refused'),
      /the person is a child: a guardian or representative must give the consent, with the child's assent/);
    await assertAccessible(page, 'the consent step with the refusal');
    await page.selectOption('#rc-by', 'guardian');
    await page.fill('#rc-giver', 'Hanna Tesfay');
    await page.selectOption('#rc-assent', 'given');
    await page.click('.refer form button[type=submit]');
    await page.waitForFunction(() => /by A guardian/.test(document.querySelector('.consent-state')?.textContent));
    assert.match(await page.textContent('.consent-state'), /The child's assent: Given\.$/);
    await page.click('.refer button:has-text("Continue")');

    // step 3: exactly the guardianship type's fields, with what the caseworker sees of them
    await stepIs(page, 3, 'What is shared');
    await page.waitForSelector('.profile');
    assert.deepEqual(await page.locator('.profile dt').allTextContents(), ['Names', 'Date of birth', 'Sex',
      'Languages', 'Nationalities', 'Contacts', 'Identity documents']);
    assert.equal(await page.textContent('.profile [data-field="names"] dd'), 'Samira Haddad');
    assert.deepEqual(await page.locator('.refer .summary dd').allTextContents(),
      ['Guardian or representative for a child', 'Urgent', '5 to 11', 'Unknown', '—']);
    await assertAccessible(page, 'the preview');
    const send = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/events'));
    await page.click('button:has-text("Send the referral")');
    assert.equal((await send).headers()['if-match'], '"1"');
    await stepIs(page, 4, 'Send');
    assert.match(await page.textContent('.refer .notice'), /^The referral is sent\. due /);
    await page.click('.refer button:has-text("Close")');
    await page.waitForSelector('.referral-list li[data-status="sent"]');
    const row = page.locator('.referral-list li[data-status="sent"]');
    await page.waitForFunction(() => /Guardianship Desk \(E2E Guardians\)/.test(document.querySelector('.referral-list li')?.textContent));
    assert.match(await row.textContent(), /sent · Urgent · due /);
    guardianRef = await row.getAttribute('data-referral');
    assert.equal(await page.textContent('li[data-need="guardianship"] .need__status'), 'referred');

    // the shelter: the focal-point-only one marked; the consent (same agency) already there
    await page.click('li[data-need="safe_shelter"] button[data-refer]');
    await page.waitForSelector(`.service[data-service="${NIGHT_SHELTER}"]`);
    assert.equal(await page.textContent(`.service[data-service="${NIGHT_SHELTER}"] .badge`), 'Through a focal point only');
    assert.equal(await page.locator(`.service[data-service="${SHELTER}"] .badge`).count(), 0);
    await page.check(`.service[data-service="${SHELTER}"] input`);
    await page.click('.refer button[type=submit]');
    await stepIs(page, 2, 'Consent');
    await page.waitForSelector('.consent-state--given');
    await page.click('.refer button:has-text("Continue")');
    await page.waitForSelector('.profile');
    assert.deepEqual(await page.locator('.profile dt').allTextContents(), ['Names', 'Date of birth', 'Sex',
      'Languages', 'Nationalities', 'Contacts']);
    await page.click('button:has-text("Send the referral")');
    await stepIs(page, 4, 'Send');
    await page.click('.refer button:has-text("Close")');
    await page.waitForFunction(() => document.querySelectorAll('.referral-list li[data-status="sent"]').length === 2);
    shelterRef = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}/referrals`)).json.items
      .find((r) => r.service_id === SHELTER).id;
    await assertAccessible(page, 'the case page with two referrals');
    await assertNoHorizontalScroll(page, 'the case page with referrals at 390 px');
    assertClean(page);
  });
  await page.context().close();
});

test('the provider sees the summary only, accepts and sees the shared fields, completes with feedback, declines the shelter', async () => {
  const page = await logIn('demo.provider');
  await withScreenshot(page, 'provider', async () => {
    await page.click('nav a[href="/referrals"]');
    await page.waitForSelector(`ul[data-box="incoming"] li[data-referral="${guardianRef}"]`);
    assert.equal(await page.locator('ul[data-box="outgoing"]').count(), 0);
    assert.ok(await page.locator(`ul[data-box="incoming"] li[data-referral="${shelterRef}"]`).count());
    await assertAccessible(page, 'the provider\'s inbox');
    await page.click(`li[data-referral="${guardianRef}"] a`);
    await page.waitForSelector('#ref-summary-h');
    assert.equal(await page.textContent('h1'), 'Referral: Guardian or representative for a child');
    assert.deepEqual(await page.locator('.summary dd').allTextContents(),
      ['Guardian or representative for a child', 'Urgent', '5 to 11', 'Unknown', '—']);
    assert.equal(await page.locator('#ref-person-h').count(), 0);
    assert.doesNotMatch(await page.textContent('main'), /Samira|Haddad/);
    assert.equal(await page.textContent('main .notice'), 'Until you accept the referral you see only its summary.');
    await assertAccessible(page, 'the provider\'s referral before acceptance');
    await page.click('button[data-event="acknowledge"]');
    await page.waitForSelector('button[data-event="accept"]');
    assert.ok(await page.locator('#ref-reason').count(), 'declining offers its reasons');
    await page.click('button[data-event="accept"]');
    await page.waitForSelector('#ref-person-h');
    assert.equal(await page.textContent('.profile [data-field="names"] dd'), 'Samira Haddad');
    assert.equal(await page.textContent('.referral__status'), 'accepted');
    await page.click('button[data-event="start"]');
    await page.waitForSelector('#ref-outcome');
    page.expectHttpError(400, `/api/v1/referrals/${guardianRef}/events`);
    await page.click('button[data-event="complete"]');
    await page.waitForSelector('#ref-outcome-error');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ref-outcome');
    await page.selectOption('#ref-outcome', 'service_provided');
    await page.fill('#ref-feedback', 'Guardian Ms Okafor appointed; first visit Tuesday.');
    await page.click('button[data-event="complete"]');
    await page.waitForFunction(() => document.querySelector('.referral__status')?.textContent === 'completed');
    assert.equal(await page.textContent('dd.referral__outcome'), 'Service provided');
    assert.match(await page.textContent('.referral-events'), /Complete · provider/);
    await assertAccessible(page, 'the provider\'s completed referral');
    await assertNoHorizontalScroll(page, 'the referral page at 390 px');

    // the shelter has no room: declined with a reason
    await page.goto(`/referrals/${shelterRef}`);
    await page.click('button[data-event="acknowledge"]');
    await page.waitForSelector('#ref-reason');
    await page.selectOption('#ref-reason', 'no_capacity');
    page.expectHttpError(403, `/api/v1/referrals/${shelterRef}`); // read again once declined: ended
    await page.click('button[data-event="decline"]');
    await page.waitForSelector('.referral-ended');
    assert.equal(await page.textContent('.referral-ended'), 'This referral has ended; its data is no longer shared with you.');
    assertClean(page);
  });
  await page.context().close();
});

test('the caseworker sees the outcome, the decline and the next services, marks the need met and closes the referral', async () => {
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'outcome', async () => {
    await page.goto(`/cases/${caseId}`);
    const done = page.locator(`li[data-referral="${guardianRef}"]`);
    await done.locator('.referral__feedback').waitFor();
    assert.equal(await done.locator('.referral__outcome').textContent(), 'Outcome: Service provided');
    assert.equal(await done.locator('.referral__feedback').textContent(),
      'Provider\'s feedback: Guardian Ms Okafor appointed; first visit Tuesday.');
    const declined = page.locator(`li[data-referral="${shelterRef}"]`);
    await declined.locator('.referral__next li').first().waitFor();
    assert.equal(await declined.locator('.referral__reason').textContent(), 'Declined: No capacity at present');
    assert.ok(await declined.locator(`.referral__next li[data-service="${NIGHT_SHELTER}"]`).count());
    assert.equal(await declined.locator(`.referral__next li[data-service="${SHELTER}"]`).count(), 0);
    assert.equal(await page.textContent('li[data-need="safe_shelter"] .need__status'), 'unmet');
    await assertAccessible(page, 'the case page with the answers');
    // "Refer to this one": the flow, on that service
    await declined.locator(`.referral__next li[data-service="${NIGHT_SHELTER}"] button`).click();
    await page.waitForSelector(`.service[data-service="${NIGHT_SHELTER}"] input:checked`);
    await page.click('.refer button:has-text("Cancel")');
    await page.waitForFunction(() => !document.querySelector('.refer'));

    // the need met, then the referral closed
    await page.click('li[data-need="guardianship"] button[data-move="met"]');
    await page.waitForFunction(() => document.querySelector('li[data-need="guardianship"] .need__status')?.textContent === 'met');
    await done.locator('a').click();
    await page.waitForSelector('button[data-event="close"]');
    assert.equal(await page.locator('a:has-text("Printable referral")').count(), 0); // a provider on safepath
    await page.click('button[data-event="close"]');
    await page.waitForFunction(() => document.querySelector('.referral__status')?.textContent === 'closed');
    assert.match(await page.textContent('.referral-events'), /Close the referral · referring side/);
    assertClean(page);
  });
  await page.context().close();

  const provider = await logIn('demo.provider');
  await withScreenshot(provider, 'ended', async () => {
    provider.expectHttpError(403, `/api/v1/referrals/${guardianRef}`);
    await provider.goto(`/referrals/${guardianRef}`);
    await provider.waitForSelector('.referral-ended');
    assert.equal(await provider.textContent('.referral-ended'), 'This referral has ended; its data is no longer shared with you.');
    await provider.click('nav a[href="/referrals"]');
    await provider.waitForSelector('ul[data-box="incoming"], #box-incoming-h ~ .empty');
    assert.equal(await provider.locator(`li[data-referral="${guardianRef}"]`).count(), 0);
    await assertAccessible(provider, 'the ended referral');
    assertClean(provider);
  });
  await provider.context().close();
});

test('a provider not on safepath: the printable referral without navigation, and an answer recorded by hand', async () => {
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'print', async () => {
    await page.goto(`/cases/${caseId}`);
    await page.waitForSelector('#need-kind');
    await addNeed(page, 'family_tracing');
    await page.click('li[data-need="family_tracing"] button[data-refer]');
    await page.check(`.service[data-service="${TRACING}"] input`);
    await page.click('.refer button[type=submit]');
    await stepIs(page, 2, 'Consent');
    assert.match(await page.textContent('.refer'), /E2E Tracing Office is not on safepath/);
    await page.waitForSelector('.consent-state--missing');
    await page.selectOption('#rc-by', 'guardian');
    await page.fill('#rc-giver', 'Hanna Tesfay');
    await page.selectOption('#rc-assent', 'given');
    await page.click('.refer form button[type=submit]');
    await page.waitForSelector('.consent-state--given');
    await page.click('.refer button:has-text("Continue")');
    await page.click('button:has-text("Send the referral")');
    await stepIs(page, 4, 'Send');
    const id = (await apiCall(page, 'GET', `/api/v1/cases/${caseId}/referrals`)).json.items
      .find((r) => r.service_id === TRACING).id;
    await page.goto(`/referrals/${id}`);
    await page.waitForSelector('#moves-h');
    assert.equal(await page.textContent('#moves-h'), 'Record the provider\'s answer');
    await page.click('a:has-text("Printable referral")');
    await page.waitForSelector('.printable .profile');
    assert.equal(await page.textContent('h1'), 'Referral for a service');
    assert.equal(await page.textContent('.printable h2'), 'Social support · Tracing Desk (E2E Tracing Office)');
    assert.deepEqual(await page.locator('.profile dt').allTextContents(), ['Names', 'Sex', 'Languages', 'Contacts']);
    assert.equal(await page.textContent('.profile [data-field="names"] dd'), 'Samira Haddad');
    await assertAccessible(page, 'the printable referral');
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.isVisible('header.topbar'), false);
    assert.equal(await page.isVisible('button:has-text("Print")'), false);
    assert.equal(await page.isVisible('.printable .profile'), true);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(255, 255, 255)');
    await page.emulateMedia({ media: 'screen' });
    await page.click('a:has-text("Back to the referral")');
    const manual = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/events'));
    await page.click('button[data-event="acknowledge"]');
    assert.deepEqual(JSON.parse((await manual).postData()), { event: 'acknowledge', manual: true });
    await page.waitForFunction(() => document.querySelector('.referral__status')?.textContent === 'acknowledged');
    assert.match(await page.textContent('.referral-events'), /Acknowledge · provider · recorded by hand/);

    // a referral received from a hotline, registered as a new case: moved on by hand, no print
    const got = await apiCall(page, 'POST', '/api/v1/referrals/incoming', { source: 'hotline', need: 'psychosocial',
      person: { names: [{ role: 'given', original: 'Hotline' }, { role: 'family', original: 'Caller' }] } });
    assert.equal(got.status, 201, JSON.stringify(got.json));
    await page.goto(`/referrals/${got.json.id}`);
    await page.waitForSelector('#moves-h');
    assert.equal(await page.textContent('#moves-h'), 'Your answer');
    assert.match(await page.textContent('#ref-h ~ .facts'), /TypeReceived referral.*Referred bya hotline/);
    assert.equal(await page.locator('a:has-text("Printable referral")').count(), 0);
    const start = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/events'));
    await page.click('button[data-event="start"]');
    assert.deepEqual(JSON.parse((await start).postData()), { event: 'start', manual: true });
    await page.waitForFunction(() => document.querySelector('.referral__status')?.textContent === 'in progress');
    await assertAccessible(page, 'a received referral');
    assertClean(page);
  });
  await page.context().close();
});

test('in Arabic at 360 px: the referrals, the flow and the inbox right to left; a focal point\'s board has both boxes', async () => {
  const page = await openPage(browser, server.base, { width: 360, height: 740, lang: 'ar' });
  await withScreenshot(page, 'referrals-ar', async () => {
    await page.goto('/login');
    await page.fill('#username', 'demo.caseworker');
    await page.fill('#password', demo.password);
    await page.click('form button[type=submit]');
    await page.waitForSelector('nav a[href="/referrals"]');
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    await page.goto(`/cases/${caseId}`);
    await page.waitForSelector(`li[data-referral="${guardianRef}"] .referral__feedback`);
    assert.equal(await page.textContent('#referrals-h'), 'الإحالات');
    await assertNoHorizontalScroll(page, 'the Arabic case page with referrals');
    await page.click('li[data-need="safe_shelter"] button[data-refer]');
    await page.waitForSelector(`.service[data-service="${SHELTER}"]`);
    assert.equal(await page.textContent('.steps [aria-current="step"]'), 'الخدمة');
    await assertNoHorizontalScroll(page, 'the Arabic referral flow');
    await assertAccessible(page, 'the Arabic referral flow at 360 px');
    await page.click('nav a[href="/referrals"]');
    await page.waitForSelector(`ul[data-box="outgoing"] li[data-referral="${guardianRef}"]`);
    assert.equal(await page.locator('ul[data-box="incoming"]').count(), 0);
    await assertNoHorizontalScroll(page, 'the Arabic inbox');
    await assertAccessible(page, 'the Arabic inbox at 360 px');
    assertClean(page);
  });
  await page.context().close();

  const focal = await logIn('demo.focal');
  await withScreenshot(focal, 'board', async () => {
    await focal.click('nav a[href="/referrals"]');
    await focal.waitForSelector('#box-incoming-h');
    assert.deepEqual(await focal.locator('main h2').allTextContents(), ['Received', 'Sent']);
    assert.equal(await focal.textContent('main .lead'), 'Your agency\'s referrals, received and sent; overdue ones first.');
    await assertAccessible(focal, 'the focal point\'s board');
    assertClean(focal);
  });
  await focal.context().close();
});

test('a screening\'s suggested referral is referred in one tap: the flow on the suggestion, drafted from it', async () => {
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'suggestion', async () => {
    // a boy travelling alone, screened through the API with the answers of the screening vignette
    const vignette = JSON.parse(readFileSync(join(ROOT, 'tests/data/screening/fc-01-child-alone-debt.json'), 'utf8'));
    const c = await apiCall(page, 'POST', '/api/v1/cases', { person: { names: [{ role: 'given', original: 'Dawit' }], sex: 'male' },
      flags: ['unaccompanied_child', 'age_disputed'] });
    assert.equal(c.status, 201, JSON.stringify(c.json));
    const s = await apiCall(page, 'POST', `/api/v1/cases/${c.json.id}/screenings`, { protocol: 'first-contact@1', lang: 'en' });
    assert.equal(s.status, 201, JSON.stringify(s.json));
    const a = await apiCall(page, 'PATCH', `/api/v1/screenings/${s.json.id}`, { answers: vignette.answers },
      { 'If-Match': `"${s.json.version}"` });
    assert.equal(a.status, 200, JSON.stringify(a.json));
    const done = await apiCall(page, 'POST', `/api/v1/screenings/${s.json.id}/complete`, { reason: 'Checked with the boy.',
      conclusion: { possible_trafficking: 'undetermined', intervention_level: 'high', priority: 'urgent', child: true } },
    { 'If-Match': `"${a.json.version}"` });
    assert.equal(done.status, 200, JSON.stringify(done.json));
    await page.goto(`/screenings/${s.json.id}`);
    // the vignette's second suggestion: guardianship, to a guardianship service
    const row = page.locator('.referrals li').nth(1);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-service'), 'guardianship_service');
    await row.locator('button').click();
    await page.waitForSelector(`.service[data-service="${GUARDIANS}"]`);
    assert.equal(await page.textContent('#refer-h'), 'Refer: Guardian or representative for a child');
    await page.check(`.service[data-service="${GUARDIANS}"] input`);
    const draft = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/v1/cases/${c.json.id}/referrals`));
    await page.click('.refer button[type=submit]');
    assert.deepEqual(JSON.parse((await draft).postData()), { screening_id: s.json.id, suggestion: 1, service_id: GUARDIANS,
      urgency: 'routine' });
    await stepIs(page, 2, 'Consent');
    await assertAccessible(page, 'the referral flow on a screening\'s result');
    // changed our mind: the draft is cancelled, the flow closed
    const cancel = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/events'));
    await page.click('button:has-text("Cancel this referral")');
    assert.deepEqual(JSON.parse((await cancel).postData()), { event: 'cancel' });
    await page.waitForFunction(() => !document.querySelector('.refer'));
    const left = await apiCall(page, 'GET', `/api/v1/cases/${c.json.id}/referrals`);
    assert.deepEqual(left.json.items.map((r) => [r.status, r.need_id !== null]), [['cancelled', true]]);
    assertClean(page);
  });
  await page.context().close();
});

// Last, as it closes the case the tests above work on (issue 6, item 18's end).
test('the case is closed with a supervisor\'s approval: the caseworker asks, the supervisor approves, the case shows closed', async () => {
  assert.ok(caseId, 'the child\'s case was opened');
  const page = await logIn('demo.caseworker');
  await withScreenshot(page, 'closure', async () => {
    await page.goto(`/cases/${caseId}`);
    await page.waitForSelector('#lifecycle-h');
    await page.click('button:has-text("Request closure")');
    await page.selectOption('#closure-reason', 'objectives_met');
    await page.fill('#closure-note', 'Guardian appointed; placed with a foster family');
    await page.click('form:has(#closure-reason) button[type=submit]');
    await page.waitForSelector('.approval[data-kind="closure"][data-status="pending"]');
    assertClean(page);
  });
  await page.context().close();
  const boss = await logIn('demo.supervisor');
  await withScreenshot(boss, 'closure-approved', async () => {
    // the request rings the supervisor's bell, and waits in the Approvals queue
    await boss.click('nav a[href="/approvals"]');
    const item = boss.locator(`.approval[data-case="${caseId}"][data-kind="closure"]`);
    await item.waitFor();
    await item.getByRole('button', { name: /^Approve: Closure/ }).click();
    await boss.waitForSelector(`.approval[data-case="${caseId}"][data-status="approved"]`);
    await item.getByRole('link').click();
    await boss.waitForSelector('#lifecycle-h');
    assert.equal(await boss.textContent('.page__head .badge--status-closed'), 'Closed');
    await assertAccessible(boss, 'the closed case');
    assertClean(boss);
  });
  await boss.context().close();
});
