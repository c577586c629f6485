// Deadlines through the API: a referral recorded by hand starts England and Wales's
// reasonable-grounds target on the server that counts under that jurisdiction (SP_BASE6) and
// nothing under the Council of Europe default; the case's list words the rule in the language
// asked; the agency's list holds the overdue target; marking it met needs If-Match; bad bodies
// name the field and write nothing; only who works on the case may read or record. Every
// instant below was worked out by hand from config/jurisdictions/gb-eng-wls.json.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const GB = process.env.SP_BASE6;
let cw; let kase; let deadline;

const count = () => Number(sql('SELECT count(*) FROM deadlines')[0]);

before(async () => {
  cw = await login('demo.caseworker', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Deadlinova' }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('a referral on Monday 1 June 2026 starts the 5-working-day target: the end of Monday 8 June in London', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/events`, {
    ...cw, base: GB, body: { event: 'referral', at: '2026-06-01T10:00:00Z' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.event, 'referral');
  assert.equal(res.json.jurisdiction, 'gb-eng-wls');
  assert.equal(res.json.closed.length, 0);
  assert.equal(res.json.started.length, 1);
  deadline = res.json.started[0];
  assert.equal(deadline.rule, 'rg_decision');
  assert.equal(deadline.kind, 'target');
  assert.equal(deadline.class, 'trafficking');
  assert.equal(deadline.trigger, 'referral');
  assert.equal(deadline.trigger_at, '2026-06-01T10:00:00.000000Z');
  assert.equal(deadline.due_at, '2026-06-08T22:59:59.999999Z');
  assert.equal(deadline.due_local, '2026-06-08T23:59:59.999999+01:00');
  assert.equal(deadline.time_zone, 'Europe/London');
  assert.equal(deadline.status, 'open');
  assert.equal(deadline.state, 'overdue');
  assert.equal(deadline.overdue, true);
  assert.equal(deadline.tag, 'P');
  assert.equal(deadline.title, 'Reasonable-grounds decision');
  assert.equal(deadline.source, 'event');
  if (deadline.working_days_left !== null) assert.ok(deadline.working_days_left < 0);
  // a second referral while the target runs starts nothing
  const again = await request('POST', `/api/v1/cases/${kase.id}/events`, {
    ...cw, base: GB, body: { event: 'referral', at: '2026-06-02T10:00:00Z' },
  });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.started.length, 0);
});

test('under the Council of Europe default a referral starts no deadline', async () => {
  const other = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Coeva' }], sex: 'female' } },
  });
  const res = await request('POST', `/api/v1/cases/${other.json.id}/events`, {
    ...cw, body: { event: 'referral' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.jurisdiction, 'coe');
  assert.deepEqual(res.json.started, []);
});

test("the case's deadlines, worded in French when asked", async () => {
  const res = await request('GET', `/api/v1/cases/${kase.id}/deadlines?lang=fr`, { cookie: cw.cookie, base: GB });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.withheld, 0);
  assert.equal(res.json.items.length, 1);
  assert.equal(res.json.items[0].id, deadline.id);
  assert.equal(res.json.items[0].title, 'Décision sur les motifs raisonnables');
  const bad = await request('GET', `/api/v1/cases/${kase.id}/deadlines?lang=klingon`, { cookie: cw.cookie, base: GB });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/lang']);
});

test("the agency's overdue deadlines hold it, with the case number", async () => {
  let found = null;
  let cursor = null;
  do {
    const q = `/api/v1/deadlines?state=overdue&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await request('GET', q, { cookie: cw.cookie, base: GB });
    assert.equal(res.status, 200, res.text);
    for (const d of res.json.items) {
      assert.equal(d.kind, 'target');
      assert.equal(d.overdue, true);
      if (d.id === deadline.id) found = d;
    }
    cursor = res.json.next_cursor;
  } while (cursor);
  assert.ok(found);
  assert.equal(found.case_number, kase.number);
  const bad = await request('GET', '/api/v1/deadlines?state=late', { cookie: cw.cookie, base: GB });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/state']);
});

test('a target is marked met with If-Match: 428 without, 412 stale, 409 once met', async () => {
  const path = `/api/v1/deadlines/${deadline.id}`;
  const body = { status: 'met' };
  assertProblem(assert, await request('PATCH', path, { ...cw, base: GB, body }), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, { ...cw, base: GB, body, headers: { 'if-match': '"5"' } }), 412, 'precondition-failed');
  const bad = await request('PATCH', path, { ...cw, base: GB, body: { status: 'lapsed' }, headers: { 'if-match': '"1"' } });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/status']);
  const res = await request('PATCH', path, { ...cw, base: GB, body, headers: { 'if-match': '"1"' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('etag'), '"2"');
  assert.equal(res.json.status, 'met');
  assert.equal(res.json.state, 'met');
  assert.equal(res.json.closed_by, 'person');
  const twice = await request('PATCH', path, { ...cw, base: GB, body, headers: { 'if-match': '"2"' } });
  assertProblem(assert, twice, 409, 'conflict');
});

test('bad events are 400 naming the field, and start nothing', async () => {
  const before = count();
  const future = new Date(Date.now() + 3600e3).toISOString();
  for (const [body, pointer] of [
    [{ event: 'rg_positive' }, '/event'], [{ event: 'spaceship' }, '/event'], [{}, '/event'],
    [{ event: 'referral', at: 'yesterday' }, '/at'], [{ event: 'referral', at: future }, '/at'],
    [{ event: 'referral', when: 'now' }, '/when'],
  ]) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/events`, { ...cw, base: GB, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer], JSON.stringify(body));
  }
  assert.equal(count(), before);
});

test('only who works on the case reads or records, each refusal with its reason', async () => {
  const before = count();
  for (const [who, reason] of [['demo.identifier', 'not_assigned'], ['demo.screener', 'firewall'],
    ['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data'],
    ['demo.childworker', 'other_agency']]) {
    const s = await login(who, PW);
    const list = await request('GET', `/api/v1/cases/${kase.id}/deadlines`, { cookie: s.cookie, base: GB });
    assertProblem(assert, list, 403, 'forbidden');
    assert.equal(list.json.reason, reason, who);
    const ev = await request('POST', `/api/v1/cases/${kase.id}/events`, { ...s, base: GB, body: { event: 'referral' } });
    assertProblem(assert, ev, 403, 'forbidden');
  }
  assert.equal(count(), before);
  assert.ok(Number(sql("SELECT count(*) FROM audit_log WHERE action = 'case.event' AND reason = 'referral'")[0]) >= 3);
});
