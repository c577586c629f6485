// The dashboard (GET /api/v1/me/dashboard): a fresh caseworker's open cases counted per
// priority and listed urgent first then latest update, a closed one left out; the open tasks
// due within seven days (an overdue one first, one in three days) and not those due later,
// undated or done; the overdue reasonable-grounds target of England and Wales on one of the
// cases; the supervisor's deadlines for the whole agency; one audit record naming the cases
// shown, and the referrals section's record right after it; the roles that work on no case
// refused; bad parameters named. Every expected value below is written by hand from what the
// test sets up.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, blob, demo, freshUser, holds, login, request, sql } from './lib.mjs';

const PW = demo.password;
const GB = process.env.SP_BASE6;
const DAY = 86400e3;
let me; let sup; const c = {};

const openCase = async (name, priority) => {
  const res = await request('POST', '/api/v1/cases', {
    ...me, body: { person: { names: [{ role: 'given', romanised: name }], sex: 'female' }, priority },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
};
const addTask = async (kase, body) => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/tasks`, { ...me, body });
  assert.equal(res.status, 201, res.text);
  return res.json;
};
const inDays = (d) => new Date(Date.now() + d * DAY).toISOString();

before(async () => {
  me = await freshUser('dash', 'NGO', ['caseworker']);
  sup = await login('demo.supervisor', PW);
  c.low = await openCase('Dashlow', 'low');
  c.urgent = await openCase('Dashurgent', 'urgent');
  c.normal1 = await openCase('Dashnormalone', 'normal');
  c.normal2 = await openCase('Dashnormaltwo', 'normal');
  c.high = await openCase('Dashhigh', 'high');
  c.closed = await openCase('Dashclosed', 'urgent');
  // the first normal case changes last: it comes before the second
  const touch = await request('PATCH', `/api/v1/cases/${c.normal1.id}`, {
    ...me, body: { flags: ['separated_child'] }, headers: { 'if-match': '"1"' },
  });
  assert.equal(touch.status, 200, touch.text);
  // closed as cases close: the caseworker asks, a supervisor approves
  const ask = await request('POST', `/api/v1/cases/${c.closed.id}/closure`, {
    ...me, body: { reason: 'objectives_met' },
  });
  assert.equal(ask.status, 201, ask.text);
  const close = await request('POST', `/api/v1/approvals/${ask.json.id}/decision`, {
    ...sup, body: { decision: 'approve' }, headers: { 'if-match': `"${ask.json.version}"` },
  });
  assert.equal(close.status, 200, close.text);
  c.overdueTask = await addTask(c.high, { title: 'Call the clinic back', due_at: inDays(-2), priority: 'soon' });
  c.soonTask = await addTask(c.urgent, { kind: 'medical_check', due_at: inDays(3), priority: 'urgent' });
  await addTask(c.urgent, { kind: 'medical_check', due_at: inDays(30) });
  await addTask(c.low, { kind: 'medical_check' });
  const done = await addTask(c.low, { kind: 'medical_check', due_at: inDays(1) });
  const d = await request('PATCH', `/api/v1/tasks/${done.id}`, {
    ...me, body: { status: 'done' }, headers: { 'if-match': '"1"' },
  });
  assert.equal(d.status, 200, d.text);
  // England and Wales: a referral on 1 June 2026 makes a target due on 8 June, long past
  const ev = await request('POST', `/api/v1/cases/${c.normal2.id}/events`, {
    ...me, base: GB, body: { event: 'referral', at: '2026-06-01T10:00:00Z' },
  });
  assert.equal(ev.status, 201, ev.text);
  c.deadline = ev.json.started[0];
});

test("a caseworker's dashboard: cases by priority, tasks due, overdue deadlines", async () => {
  const seqBefore = Number(sql('SELECT COALESCE(MAX(seq), 0) FROM audit_log')[0]);
  const res = await request('GET', '/api/v1/me/dashboard', { cookie: me.cookie });
  assert.equal(res.status, 200, res.text);
  const { cases, tasks, deadlines } = res.json;
  assert.equal(cases.open, 5);
  assert.deepEqual(cases.by_priority, { low: 1, normal: 2, high: 1, urgent: 1 });
  assert.deepEqual(cases.items.map((x) => [x.number, x.priority, x.name]), [
    [c.urgent.number, 'urgent', 'Dashurgent'], [c.high.number, 'high', 'Dashhigh'],
    [c.normal1.number, 'normal', 'Dashnormalone'], [c.normal2.number, 'normal', 'Dashnormaltwo'],
    [c.low.number, 'low', 'Dashlow'],
  ]);
  assert.equal(tasks.due, 2);
  assert.equal(tasks.overdue, 1);
  assert.deepEqual(tasks.items.map((t) => [t.id, t.case_number, t.title]), [
    [c.overdueTask.id, c.high.number, 'Call the clinic back'], [c.soonTask.id, c.urgent.number, null],
  ]);
  const before = Date.parse(tasks.due_before);
  assert.ok(Math.abs(before - (Date.now() + 7 * DAY)) < 60e3, tasks.due_before);
  // the agency's referrals awaiting an answer (other test files send some from this agency):
  // sent or acknowledged only, soonest due first, at most 10
  const { referrals } = res.json;
  assert.ok(referrals.items.length <= Math.min(10, referrals.awaiting));
  assert.ok(referrals.items.every((x) => x.status === 'sent' || x.status === 'acknowledged'));
  const dues = referrals.items.map((x) => x.due_at);
  assert.deepEqual(dues, [...dues].sort());
  assert.equal(deadlines.scope, 'mine');
  assert.equal(deadlines.overdue, 1);
  assert.deepEqual(deadlines.items.map((x) => [x.id, x.case_number, x.rule, x.due_at, x.state]), [
    [c.deadline.id, c.normal2.number, 'rg_decision', '2026-06-08T22:59:59.999999Z', 'overdue'],
  ]);
  // one audit record, naming the six cases shown (five rows; the tasks' and the deadline's
  // cases are among them) and the classes shown
  const rows = sql(`SELECT seq || '|' || action || '|' || object_type || '|' || fields FROM audit_log
    WHERE seq > ${seqBefore} AND actor = ${blob(me.id)} AND action LIKE 'dashboard.%'`);
  assert.equal(rows.length, 1, rows.join(', '));
  const [seq, action, type, fields] = rows[0].split('|');
  assert.deepEqual([action, type, fields], ['dashboard.read', 'case', 'stat,identity,notes']);
  for (const k of ['urgent', 'high', 'normal1', 'normal2', 'low']) {
    const named = Number(sql(`SELECT count(*) FROM audit_log WHERE seq = ${seq} AND
      (object_id = ${blob(c[k].id)} OR ${holds('objects', blob(c[k].id))})`)[0]);
    assert.equal(named, 1, k);
  }
  const closedNamed = Number(sql(`SELECT count(*) FROM audit_log WHERE seq = ${seq} AND
    (object_id = ${blob(c.closed.id)} OR ${holds('objects', blob(c.closed.id))})`)[0]);
  assert.equal(closedNamed, 0);
  // the referrals section is a section of the same read with its own record, written with
  // the dashboard's (one submission to the audit writer): right after it
  const after = sql(`SELECT action FROM audit_log WHERE seq = ${Number(seq) + 1}`);
  assert.deepEqual(after, ['referral.list']);
});

test("a supervisor's deadlines are the agency's: the caseworker's overdue target is there", async () => {
  const res = await request('GET', '/api/v1/me/dashboard?lang=fr', { cookie: sup.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.deadlines.scope, 'agency');
  assert.ok(res.json.deadlines.overdue >= 1);
  const mine = res.json.deadlines.items.find((x) => x.id === c.deadline.id);
  assert.ok(mine || res.json.deadlines.items.length === 10, 'the target or a full first page');
  if (mine) assert.equal(mine.title, 'Décision sur les motifs raisonnables');
});

test('who works on no case is refused with the reason; bad parameters are named', async () => {
  for (const [who, reason] of [['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data'],
    ['demo.dpo', 'audit_only'], ['demo.provider', 'no_role']]) {
    const s = await login(who, PW);
    const res = await request('GET', '/api/v1/me/dashboard', { cookie: s.cookie });
    assertProblem(assert, res, 403, 'forbidden');
    assert.equal(res.json.reason, reason, who);
  }
  assertProblem(assert, await request('GET', '/api/v1/me/dashboard'), 401, 'unauthenticated');
  const extra = await request('GET', '/api/v1/me/dashboard?limit=5', { cookie: me.cookie });
  assertProblem(assert, extra, 400, 'validation');
  const lang = await request('GET', '/api/v1/me/dashboard?lang=zz-9', { cookie: me.cookie });
  assertProblem(assert, lang, 400, 'validation');
  assert.deepEqual(lang.json.errors.map((e) => e.pointer), ['/lang']);
});
