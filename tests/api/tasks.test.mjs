// Tasks through the API: added to a case with a kind of the vocabulary and/or a sealed title,
// an assignee the policy lets work on the case (else 400 at /assignee), moved along their
// status table with If-Match, and "my tasks" paged by cursor in due-date and priority order,
// the title only where the user may still read the case. Each request on the audit trail.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, freshUser, holds, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let sup; let kase; let task;

const count = () => Number(sql('SELECT count(*) FROM tasks')[0]);
const openCase = async (s, name) => {
  const res = await request('POST', '/api/v1/cases', {
    ...s, body: { person: { names: [{ role: 'given', romanised: name }], sex: 'male' } },
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
};

before(async () => {
  cw = await login('demo.caseworker', PW);
  sup = await login('demo.supervisor', PW);
  kase = await openCase(cw, 'Taskovich');
});

test('a caseworker adds a task: 201, open, assigned to them, title not sent back', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/tasks`, {
    ...cw, body: { kind: 'appoint_guardian', title: SECRET.taskTitle, due_at: '2031-05-04', priority: 'immediate' },
  });
  assert.equal(res.status, 201, res.text);
  task = res.json;
  assert.equal(task.case_id, kase.id);
  assert.equal(task.case_number, kase.number);
  assert.equal(task.kind, 'appoint_guardian');
  assert.equal(task.title, null);
  assert.equal(task.assignee, cw.res.json.user.id);
  assert.equal(task.due_at, '2031-05-04T00:00:00.000000Z');
  assert.equal(task.priority, 'immediate');
  assert.equal(task.status, 'open');
  assert.equal(task.completed_at, null);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.ok(!res.text.includes(SECRET.taskTitle));
  const list = await request('GET', `/api/v1/cases/${kase.id}/tasks`, { cookie: cw.cookie });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((t) => t.title), [SECRET.taskTitle]);
});

test('bad bodies are 400 naming the field, and add nothing', async () => {
  const idf = (await login('demo.identifier', PW)).res.json.user.id;
  const imm = (await login('demo.screener', PW)).res.json.user.id;
  const before = count();
  const bad = [
    [{}, ['']],
    [{ priority: 'urgent' }, ['']],
    [{ kind: 'paint_the_fence' }, ['/kind']],
    [{ title: '  ' }, ['/title']],
    [{ title: 'x'.repeat(501) }, ['/title']],
    [{ kind: 'medical_check', priority: 'asap' }, ['/priority']],
    [{ kind: 'medical_check', due_at: 'tomorrow' }, ['/due_at']],
    [{ kind: 'medical_check', assignee: 'nobody' }, ['/assignee']],
    [{ kind: 'medical_check', assignee: '01920000-0000-7000-8000-000000000000' }, ['/assignee']],
    [{ kind: 'medical_check', assignee: idf }, ['/assignee']], // a colleague not on the case
    [{ kind: 'medical_check', assignee: imm }, ['/assignee']], // another agency
    [{ kind: 'medical_check', status: 'done' }, ['/status']],
  ];
  for (const [body, pointers] of bad) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/tasks`, { ...cw, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, JSON.stringify(body));
  }
  assert.equal(count(), before);
});

test('a change needs If-Match; moves follow the table; reassigning checks the assignee', async () => {
  const path = `/api/v1/tasks/${task.id}`;
  assertProblem(assert, await request('PATCH', path, { ...cw, body: { status: 'done' } }), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, { ...cw, body: { status: 'done' }, headers: { 'if-match': '"5"' } }),
    412, 'precondition-failed');
  assert.deepEqual(sql(`SELECT status || ' ' || version FROM tasks WHERE id = ${blob(task.id)}`), ['open 1']);
  let res = await request('PATCH', path, { ...cw, body: { status: 'done' }, headers: { 'if-match': '"1"' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'done');
  assert.notEqual(res.json.completed_at, null);
  res = await request('PATCH', path, { ...cw, body: { status: 'open' }, headers: { 'if-match': res.headers.get('etag') } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.completed_at, null);
  const idf = (await login('demo.identifier', PW)).res.json.user.id;
  const bad = await request('PATCH', path, { ...cw, body: { assignee: idf }, headers: { 'if-match': '"3"' } });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/assignee']);
  res = await request('PATCH', path, { ...cw, body: { assignee: sup.res.json.user.id, due_at: null, priority: 'soon' },
    headers: { 'if-match': '"3"' } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.assignee, sup.res.json.user.id);
  assert.equal(res.json.due_at, null);
  assert.equal(res.json.priority, 'soon');
  res = await request('PATCH', path, { ...cw, body: { status: 'cancelled' }, headers: { 'if-match': '"4"' } });
  assert.equal(res.status, 200, res.text);
  const again = await request('PATCH', path, { ...cw, body: { status: 'open' }, headers: { 'if-match': '"5"' } });
  assertProblem(assert, again, 409, 'conflict');
  for (const [body, pointer] of [[{}, ''], [{ status: 'finished' }, '/status'], [{ priority: null }, '/priority'],
    [{ title: 'new' }, '/title'], [{ due_at: '31/12/2030' }, '/due_at']]) {
    const r = await request('PATCH', path, { ...cw, body, headers: { 'if-match': '"5"' } });
    assertProblem(assert, r, 400, 'validation');
    assert.deepEqual(r.json.errors.map((e) => e.pointer), [pointer], JSON.stringify(body));
  }
});

test('my tasks: open ones, by due date then priority, paged, titles only where I may read', async () => {
  // a fresh caseworker's own cases, so that no other test's tasks are in the list
  const me = await freshUser('tasks.mine', 'NGO', ['caseworker']);
  const c1 = await openCase(me, 'Pagerov');
  const c2 = await openCase(me, 'Pagerova');
  const made = [
    ['E', null, 'routine', c1], ['B', '2030-02-02', 'urgent', c2], ['A', '2030-01-01', 'routine', c1],
    ['C', '2030-02-02', 'soon', c1], ['D', null, 'immediate', c2], ['X', '2029-01-01', 'immediate', c1],
  ];
  let done;
  for (const [title, due, priority, c] of made) {
    const res = await request('POST', `/api/v1/cases/${c.id}/tasks`, { ...me, body: { title: `My ${title}`, due_at: due, priority } });
    assert.equal(res.status, 201, res.text);
    if (title === 'X') done = res.json;
  }
  const fin = await request('PATCH', `/api/v1/tasks/${done.id}`, { ...me, body: { status: 'done' }, headers: { 'if-match': '"1"' } });
  assert.equal(fin.status, 200, fin.text);
  // the second case handed to a colleague by the supervisor: my tasks stay, their titles go
  const got = await request('GET', `/api/v1/cases/${c2.id}`, { cookie: sup.cookie });
  const hand = await request('PATCH', `/api/v1/cases/${c2.id}`, { ...sup, body: { assigned: cw.res.json.user.id },
    headers: { 'if-match': got.headers.get('etag') } });
  assert.equal(hand.status, 200, hand.text);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await request('GET', `/api/v1/me/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { cookie: me.cookie });
    assert.equal(res.status, 200, res.text);
    pages++;
    for (const t of res.json.items) seen.push([t.title, t.case_number, t.status]);
    cursor = res.json.next_cursor;
  } while (cursor && pages < 10);
  assert.equal(pages, 3);
  assert.deepEqual(seen, [
    ['My A', c1.number, 'open'], [null, c2.number, 'open'], ['My C', c1.number, 'open'],
    [null, c2.number, 'open'], ['My E', c1.number, 'open'],
  ]);
  // one audit record a page, naming its tasks
  const pagesAudited = Number(sql(`SELECT count(*) FROM audit_log WHERE action = 'task.list' AND actor = ${blob(me.id)}`)[0]);
  assert.equal(pagesAudited, 3);
  const bad = await request('GET', '/api/v1/me/tasks?cursor=xyz&limit=99', { cookie: me.cookie });
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/cursor', '/limit']);
  const foreign = await request('GET', `/api/v1/me/tasks?cursor=${task.id}`, { cookie: me.cookie });
  assertProblem(assert, foreign, 400, 'validation');
  assertProblem(assert, await request('GET', '/api/v1/me/tasks?mine=1', { cookie: me.cookie }), 400, 'validation');
});

test('my tasks is refused to who works on no case', async () => {
  for (const [who, reason] of [['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data'],
    ['demo.dpo', 'audit_only'], ['demo.provider', 'no_role']]) {
    const s = await login(who, PW);
    const res = await request('GET', '/api/v1/me/tasks', { cookie: s.cookie });
    assertProblem(assert, res, 403, 'forbidden');
    assert.equal(res.json.reason, reason, who);
  }
  assertProblem(assert, await request('GET', '/api/v1/me/tasks'), 401, 'unauthenticated');
});

test('only who works on the case: the others are refused with the reason', async () => {
  const before = count();
  for (const [who, reason] of [['demo.identifier', 'not_assigned'], ['demo.screener', 'firewall'],
    ['demo.provider', 'no_role'], ['demo.coordinator', 'aggregates_only'], ['demo.admin', 'admin_no_case_data'],
    ['demo.childworker', 'other_agency']]) {
    const s = await login(who, PW);
    const list = await request('GET', `/api/v1/cases/${kase.id}/tasks`, { cookie: s.cookie });
    assertProblem(assert, list, 403, 'forbidden');
    assert.equal(list.json.reason, reason, who);
    assert.ok(!list.text.includes(SECRET.taskTitle));
    const add = await request('POST', `/api/v1/cases/${kase.id}/tasks`, { ...s, body: { kind: 'medical_check' } });
    assertProblem(assert, add, 403, 'forbidden');
    const move = await request('PATCH', `/api/v1/tasks/${task.id}`, { ...s, body: { priority: 'urgent' }, headers: { 'if-match': '"5"' } });
    assertProblem(assert, move, 403, 'forbidden');
  }
  assert.equal(count(), before);
});

test('each request left its audit record with ids and field names only', () => {
  const rows = new Set(sql(`SELECT DISTINCT action || '|' || object_type || '|' || COALESCE(fields, '') || '|' || COALESCE(reason, '') FROM audit_log
    WHERE object_id IN (${blob(task.id)}, ${blob(kase.id)}) OR ${holds('objects', blob(task.id))}`));
  for (const want of ['task.add|task|stat,notes|', 'task.read|case|stat,notes|', 'task.update|task|stat|',
    'task.read|case||denied:not_assigned', 'task.add|case||denied:firewall', 'task.update|case||denied:other_agency']) {
    assert.ok(rows.has(want), `no audit record ${want} in ${[...rows].join(', ')}`);
  }
});
