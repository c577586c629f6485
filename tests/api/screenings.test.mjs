// Protocols and screenings through the API, against the test protocols run.sh puts in the data
// folder's protocols/ (tests/data/protocols/test-labour@1.json and its child variant): start
// (201, Location, Idempotency-Key), save answers with If-Match (428, 412), bad answers named by
// pointer, the skip logic in the answer, resume, complete with and without a reason where the
// official differs, read-only afterwards, the policy's need-to-know, the audit records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const HASH = '187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd';

let cw; // demo.caseworker
let caseId;
let scr; // the screening as last answered
let etag;

const write = (extra = {}) => ({ ...cw, ...extra });

test('the protocols the server loaded, titles in the language asked', async () => {
  cw = await login('demo.caseworker', PW);
  const res = await request('GET', '/api/v1/protocols?lang=fr', { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  const mine = res.json.items.find((p) => p.id === 'test-labour');
  assert.deepEqual(mine, { id: 'test-labour', version: 1, hash: HASH, status: 'local',
    title: 'Dépistage test travail (adulte)', kind: 'trafficking_indicators', age_group: 'adult' });
  assert.ok(res.json.items.some((p) => p.id === 'test-labour-child' && p.age_group === 'child'));
  const bad = await request('GET', '/api/v1/protocols?lang=klingon', { cookie: cw.cookie });
  assertProblem(assert, bad, 400, 'validation');
});

test('one protocol for the wizard: sections, questions, guidance and options', async () => {
  const res = await request('GET', '/api/v1/protocols/test-labour@1', { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.hash, HASH);
  assert.deepEqual(res.json.languages, ['en', 'fr']);
  assert.deepEqual(res.json.sections.map((s) => s.id), ['about', 'recruitment', 'work']);
  const q = res.json.sections[0].questions[0];
  assert.deepEqual(q, { id: 'says_under_18', type: 'yes_no', text: 'Do you say you are under 18?',
    guidance: { look_for: 'Signs in the account.', how_to_ask: 'Ask openly.',
      never_ask: 'Never ask whether they agreed.' },
    options: [], sensitive: false, conditional: false });
  const debtByWork = res.json.sections[1].questions.find((x) => x.id === 'debt_by_work');
  assert.equal(debtByWork.conditional, true);
  const sector = res.json.sections[2].questions.find((x) => x.id === 'sector');
  assert.deepEqual(sector.options.map((o) => o.id), ['agriculture', 'construction', 'domestic', 'other']);
  const fr = await request('GET', '/api/v1/protocols/test-labour?lang=fr', { cookie: cw.cookie });
  assert.equal(fr.json.sections[0].questions[0].text, 'Dites-vous avoir moins de 18 ans ?');
  const none = await request('GET', '/api/v1/protocols/test-labour@7', { cookie: cw.cookie });
  assertProblem(assert, none, 404, 'not-found');
});

test('a screening starts on a case: 201, Location, ETag; a repeated key makes nothing new', async () => {
  const c = await request('POST', '/api/v1/cases', write({
    body: { person: { names: [{ role: 'given', romanised: 'Ilsabet' }], sex: 'female' } } }));
  assert.equal(c.status, 201, c.text);
  caseId = c.json.id;
  const key = `scr-${Math.random().toString(36).slice(2)}`;
  const body = { protocol: 'test-labour', lang: 'ti', interpreter: 'en' };
  const res = await request('POST', `/api/v1/cases/${caseId}/screenings`,
    write({ body, headers: { 'idempotency-key': key } }));
  assert.equal(res.status, 201, res.text);
  scr = res.json;
  assert.equal(res.headers.get('location'), `/api/v1/screenings/${scr.id}`);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.deepEqual(scr.protocol, { id: 'test-labour', version: 1, hash: HASH });
  assert.equal(scr.status, 'in_progress');
  assert.equal(scr.lang, 'ti');
  assert.equal(scr.interpreter, 'en');
  assert.deepEqual(scr.answers, {});
  assert.equal(scr.questions.next, 'says_under_18');
  // a question whose condition is not known yet is asked: unknown is never "no"
  assert.deepEqual(scr.questions.skipped, []);
  assert.equal(scr.result, null);
  assert.equal(scr.differs, null);
  const again = await request('POST', `/api/v1/cases/${caseId}/screenings`,
    write({ body, headers: { 'idempotency-key': key } }));
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, scr.id);
  assert.deepEqual(sql(`SELECT count(*) FROM screenings WHERE case_id = ${blob(caseId)}`), ['1']);
  etag = res.headers.get('etag');
});

test('bad starts name their member', async () => {
  for (const [body, pointer] of [
    [{ protocol: 'no-such', lang: 'en' }, '/protocol'],
    [{ protocol: 'test-labour', lang: 'zz-bad' }, '/lang'],
    [{ protocol: 'test-labour', lang: 'en', interpreter: 'qqq' }, '/interpreter'],
    [{ lang: 'en' }, '/protocol'],
  ]) {
    const res = await request('POST', `/api/v1/cases/${caseId}/screenings`, write({ body }));
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer]);
  }
  const none = await request('POST', '/api/v1/cases/01900000-0000-7000-8000-000000000000/screenings',
    write({ body: { protocol: 'test-labour', lang: 'en' } }));
  assertProblem(assert, none, 404, 'not-found');
});

test('saving answers needs If-Match: 428 without, 412 stale', async () => {
  const path = `/api/v1/screenings/${scr.id}`;
  const body = { answers: { says_under_18: 'no' } };
  assertProblem(assert, await request('PATCH', path, write({ body })), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, write({ body, headers: { 'if-match': '"7"' } })),
    412, 'precondition-failed');
});

test('every bad answer is named by its pointer, and nothing is saved', async () => {
  const res = await request('PATCH', `/api/v1/screenings/${scr.id}`, write({
    body: { answers: { hours: 'many', sector: 'mining', nope: 'yes', debt: 'yes' } },
    headers: { 'if-match': etag } }));
  assertProblem(assert, res, 400, 'validation');
  assert.deepEqual(res.json.errors.map((e) => e.pointer).sort(),
    ['/answers/hours', '/answers/nope', '/answers/sector']);
  assert.ok(!res.text.includes('mining'));
  const now = await request('GET', `/api/v1/screenings/${scr.id}`, { cookie: cw.cookie });
  assert.deepEqual(now.json.answers, {});
  assert.equal(now.headers.get('etag'), etag);
});

test('saving answers: the skip logic and the next question in the answer; resume', async () => {
  const path = `/api/v1/screenings/${scr.id}`;
  let res = await request('PATCH', path, write({
    body: { answers: { says_under_18: 'no', arrival: '2025-06', remarks: SECRET.remarks, debt: 'no' } },
    headers: { 'if-match': etag } }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('etag'), '"2"');
  assert.deepEqual(res.json.questions.skipped, ['debt_by_work']);
  assert.equal(res.json.questions.next, 'job_deceived');
  res = await request('PATCH', path, write({
    body: { answers: { debt: 'yes', job_deceived: 'yes', wage_deceived: 'no', violence: 'no',
      docs_taken: 'yes' } },
    headers: { 'if-match': '"2"' } }));
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json.questions.skipped, []);
  assert.equal(res.json.questions.next, 'debt_by_work');
  // resuming: the same state from a GET
  const got = await request('GET', path, { cookie: cw.cookie });
  assert.equal(got.status, 200);
  assert.equal(got.json.questions.next, 'debt_by_work');
  assert.equal(got.json.answers.remarks, SECRET.remarks);
  res = await request('PATCH', path, write({
    body: { answers: { debt_by_work: 'yes', hours: 14, sector: 'construction', conditions: ['no_pay'],
      forced_overtime: 'yes', no_school: 'no', locked_in: 'no', threats: 'yes', no_money: 'no' } },
    headers: { 'if-match': '"3"' } }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.questions.next, null);
  etag = res.headers.get('etag');
  const list = await request('GET', `/api/v1/cases/${caseId}/screenings`, { cookie: cw.cookie });
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].answers, undefined);
});

const differing = { possible_trafficking: 'no', intervention_level: 'low', priority: 'routine', child: false };

test('a conclusion that differs from the engine needs a reason', async () => {
  const path = `/api/v1/screenings/${scr.id}/complete`;
  assertProblem(assert, await request('POST', path, write({ body: { conclusion: differing } })),
    428, 'precondition-required');
  let res = await request('POST', path, write({ body: { conclusion: differing }, headers: { 'if-match': etag } }));
  assertProblem(assert, res, 400, 'validation');
  assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/reason']);
  res = await request('POST', path, write({
    body: { conclusion: { ...differing, priority: 'whenever' }, reason: 'x' }, headers: { 'if-match': etag } }));
  assertProblem(assert, res, 400, 'validation');
  assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/conclusion/priority']);
  res = await request('POST', path, write({
    body: { conclusion: differing, reason: SECRET.reason }, headers: { 'if-match': etag } }));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'completed');
  assert.equal(res.json.differs, true);
  // the engine: reading A holds (D1, D4, D5), urgent, high, needs and a task to refer
  assert.equal(res.json.result.readings[0].id, 'A');
  assert.equal(res.json.result.readings[0].holds, 'yes');
  assert.equal(res.json.result.intervention_level, 'high');
  assert.equal(res.json.result.priority, 'urgent');
  assert.ok(res.json.result.needs.includes('trafficking_identification'));
  assert.deepEqual(res.json.conclusion, { ...differing, reason: SECRET.reason,
    differs: ['possible_trafficking', 'intervention_level', 'priority'] });
  const audit = sql(`SELECT reason FROM audit_log WHERE action = 'screening.complete' AND object_id = ${blob(scr.id)}`);
  assert.deepEqual(audit, ['differs']);
  etag = res.headers.get('etag');
});

test('a completed screening is read-only; its result reads in another language', async () => {
  const res = await request('PATCH', `/api/v1/screenings/${scr.id}`, write({
    body: { answers: { hours: 9 } }, headers: { 'if-match': etag } }));
  assertProblem(assert, res, 409, 'conflict');
  const fr = await request('GET', `/api/v1/screenings/${scr.id}?lang=fr`, { cookie: cw.cookie });
  assert.equal(fr.status, 200);
  assert.ok(fr.json.result.explanation.some((l) => /lecture A/.test(l)), fr.text);
  const en = await request('GET', `/api/v1/screenings/${scr.id}?lang=en`, { cookie: cw.cookie });
  assert.ok(en.json.result.explanation.some((l) => /reading A/.test(l)), en.text);
});

test('an agreeing conclusion needs no reason and flags the case', async () => {
  const c = await request('POST', '/api/v1/cases', write({
    body: { person: { names: [{ role: 'given', romanised: 'Dorotea' }], sex: 'female' } } }));
  const start = await request('POST', `/api/v1/cases/${c.json.id}/screenings`,
    write({ body: { protocol: 'test-labour@1', lang: 'en' } }));
  assert.equal(start.status, 201, start.text);
  assert.equal(start.json.interpreter, null);
  const saved = await request('PATCH', `/api/v1/screenings/${start.json.id}`, write({
    body: { answers: { says_under_18: 'no', arrival: '2024', remarks: 'unknown', job_deceived: 'yes',
      wage_deceived: 'yes', violence: 'no', docs_taken: 'no', debt: 'no', hours: 15,
      sector: 'agriculture', conditions: [], forced_overtime: 'yes', no_school: 'no',
      locked_in: 'yes', threats: 'yes', no_money: 'no' } },
    headers: { 'if-match': '"1"' } }));
  assert.equal(saved.status, 200, saved.text);
  const done = await request('POST', `/api/v1/screenings/${start.json.id}/complete`, write({
    body: { conclusion: { possible_trafficking: 'yes', intervention_level: 'high', priority: 'urgent',
      child: false } }, headers: { 'if-match': '"2"' } }));
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.differs, false);
  assert.deepEqual(done.json.conclusion.differs, []);
  const kase = await request('GET', `/api/v1/cases/${c.json.id}`, { cookie: cw.cookie });
  assert.ok(kase.json.flags.includes('possible_victim_of_trafficking'));
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'screening.complete' AND object_id = ${blob(start.json.id)} AND coalesce(reason, '') = ''`), ['1']);
});

test('need-to-know: screeners, coordinators and administrators are refused, and it is audited', async () => {
  for (const [who, reason] of [['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data']]) {
    const s = await login(who, PW);
    const res = await request('GET', `/api/v1/screenings/${scr.id}`, { cookie: s.cookie });
    assertProblem(assert, res, 403, 'forbidden');
    assert.equal(res.json.reason, reason);
    const list = await request('GET', `/api/v1/cases/${caseId}/screenings`, { cookie: s.cookie });
    assertProblem(assert, list, 403, 'forbidden');
  }
  // a screener on the case it opened: every class but trafficking and gbv
  const s = await login('demo.screener', PW);
  const mine = await request('POST', '/api/v1/cases', { ...s,
    body: { person: { names: [{ role: 'given', romanised: 'Teodor' }], sex: 'male' } } });
  assert.equal(mine.status, 201, mine.text);
  const res = await request('POST', `/api/v1/cases/${mine.json.id}/screenings`,
    { ...s, body: { protocol: 'test-labour', lang: 'en' } });
  assertProblem(assert, res, 403, 'forbidden');
  assert.equal(res.json.reason, 'need_to_know');
  assert.deepEqual(sql(`SELECT reason FROM audit_log WHERE action = 'screening.start' AND object_id = ${blob(mine.json.id)}`),
    ['denied:need_to_know']);
});

test('each screening operation left its audit record, fields as tokens only', async () => {
  const rows = sql(`SELECT action, fields FROM audit_log WHERE object_id = ${blob(scr.id)} ORDER BY seq`);
  assert.ok(rows.includes('screening.start|trafficking,gbv'), rows.join('\n'));
  assert.ok(rows.includes('screening.save|trafficking,gbv'));
  assert.ok(rows.includes('screening.read|trafficking,gbv'));
  assert.ok(rows.includes('screening.complete|trafficking,gbv'));
  assert.equal(rows.filter((r) => r.startsWith('screening.save')).length, 3);
});
