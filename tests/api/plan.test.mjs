// A case's support plan through the API: goals added with a support type (HTCDS spl_Type) and
// a sealed text, listed with their text, moved along their status table with If-Match (428
// without, 412 stale, 409 for a move the table has not), review dates set and removed, bad
// bodies refused naming each field and adding nothing, only for the audience of the case's
// needs, each request on the audit trail, the text nowhere in the database in clear (also
// after/data.check.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { PG, assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let cw; let kase; let goal;

const count = () => Number(sql('SELECT count(*) FROM plan_goals')[0]);
const ifMatch = (v) => ({ 'if-match': `"${v}"` });

before(async () => {
  cw = await login('demo.caseworker', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: 'Planetta' }], sex: 'female' } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('the caseworker adds a goal: 201, planned, its text not sent back, its ETag', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/plan`, {
    ...cw, body: { type: 'education', goal: SECRET.goal, review_at: '2031-03-01' },
  });
  assert.equal(res.status, 201, res.text);
  goal = res.json;
  assert.equal(goal.case_id, kase.id);
  assert.equal(goal.type, 'education');
  assert.equal(goal.status, 'planned');
  assert.equal(goal.goal, null);
  assert.equal(goal.review_at, '2031-03-01T00:00:00.000000Z');
  assert.equal(goal.created_by, cw.res.json.user.id);
  assert.equal(goal.version, 1);
  assert.equal(res.headers.get('etag'), '"1"');
  assert.ok(!res.text.includes(SECRET.goal));
  const two = await request('POST', `/api/v1/cases/${kase.id}/plan`, { ...cw, body: { type: 'financial', goal: SECRET.goal2 } });
  assert.equal(two.status, 201, two.text);
  assert.equal(two.json.review_at, null);
  const list = await request('GET', `/api/v1/cases/${kase.id}/plan`, { cookie: cw.cookie });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.items.map((g) => [g.type, g.goal, g.status]),
    [['education', SECRET.goal, 'planned'], ['financial', SECRET.goal2, 'planned']]);
  // sealed: the text is in no row in clear
  const hex = Buffer.from('Hollowmere').toString('hex');
  const where = PG ? `position('\\x${hex}'::bytea in goal) > 0` : `instr(goal, X'${hex}') > 0`;
  assert.deepEqual(sql(`SELECT count(*) FROM plan_goals WHERE ${where}`), ['0']);
});

test('bad bodies are 400 naming each field, and add nothing', async () => {
  const before = count();
  const bad = [
    [{}, ['/goal', '/type']],
    [{ type: 'education' }, ['/goal']],
    [{ goal: 'x' }, ['/type']],
    [{ type: 'spaceship', goal: 'x' }, ['/type']],
    [{ type: 'safe_shelter', goal: 'x' }, ['/type']],
    [{ type: 'education', goal: '   ' }, ['/goal']],
    [{ type: 'education', goal: 'x'.repeat(2001) }, ['/goal']],
    [{ type: 'education', goal: 'x', review_at: 'next spring' }, ['/review_at']],
    [{ type: 'education', goal: 'x', status: 'achieved' }, ['/status']],
    [{ type: 7, goal: 'x' }, ['/type']],
  ];
  for (const [body, pointers] of bad) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/plan`, { ...cw, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer).sort(), pointers, JSON.stringify(body));
  }
  assert.equal(count(), before);
});

test('a change needs If-Match; moves follow the table; review dates set and removed', async () => {
  const path = `/api/v1/plan/${goal.id}`;
  assertProblem(assert, await request('PATCH', path, { ...cw, body: { status: 'in_progress' } }), 428, 'precondition-required');
  assertProblem(assert, await request('PATCH', path, { ...cw, body: { status: 'in_progress' }, headers: ifMatch(9) }),
    412, 'precondition-failed');
  const jump = await request('PATCH', path, { ...cw, body: { status: 'achieved' }, headers: ifMatch(1) });
  assertProblem(assert, jump, 409, 'conflict');
  const moved = await request('PATCH', path, { ...cw, body: { status: 'in_progress' }, headers: ifMatch(1) });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.json.status, 'in_progress');
  assert.equal(moved.headers.get('etag'), '"2"');
  const dated = await request('PATCH', path, { ...cw, body: { review_at: null, goal: SECRET.goal2 }, headers: ifMatch(2) });
  assert.equal(dated.status, 200, dated.text);
  assert.equal(dated.json.review_at, null);
  assert.equal(dated.json.goal, null);
  const done = await request('PATCH', path, { ...cw, body: { status: 'achieved', review_at: '2031-09-01T10:00:00Z' }, headers: ifMatch(3) });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.review_at, '2031-09-01T10:00:00.000000Z');
  assert.deepEqual(sql(`SELECT status || ' ' || version FROM plan_goals WHERE id = ${blob(goal.id)}`), ['achieved 4']);
  for (const [body, pointer] of [[{}, ''], [{ status: 'finished' }, '/status'], [{ status: null }, '/status'],
    [{ type: null }, '/type'], [{ goal: null }, '/goal'], [{ type: 'spaceship' }, '/type'], [{ review_at: 'soon' }, '/review_at']]) {
    const res = await request('PATCH', path, { ...cw, body, headers: ifMatch(4) });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer], JSON.stringify(body));
  }
  assertProblem(assert, await request('PATCH', '/api/v1/plan/01920000-0000-7000-8000-000000000000',
    { ...cw, body: { status: 'planned' }, headers: ifMatch(1) }), 404, 'not-found');
});

test('only the audience of the case\'s needs: others are 403 and add nothing', async () => {
  const before = count();
  for (const who of ['demo.identifier', 'demo.screener', 'demo.coordinator', 'demo.admin', 'demo.provider']) {
    const s = await login(who, PW);
    const add = await request('POST', `/api/v1/cases/${kase.id}/plan`, { ...s, body: { type: 'legal', goal: 'x' } });
    assertProblem(assert, add, 403, 'forbidden');
    assertProblem(assert, await request('GET', `/api/v1/cases/${kase.id}/plan`, { cookie: s.cookie }), 403, 'forbidden');
    const move = await request('PATCH', `/api/v1/plan/${goal.id}`, { ...s, body: { status: 'in_progress' }, headers: ifMatch(4) });
    assertProblem(assert, move, 403, 'forbidden');
  }
  assert.equal(count(), before);
  const sup = await login('demo.supervisor', PW);
  const ok = await request('POST', `/api/v1/cases/${kase.id}/plan`, { ...sup, body: { type: 'health', goal: 'A check-up' } });
  assert.equal(ok.status, 201, ok.text);
});

test('each request left its audit record with ids and field names only', () => {
  const rows = new Set(sql(`SELECT DISTINCT action || '|' || object_type || '|' || COALESCE(fields, '') || '|' || COALESCE(reason, '') FROM audit_log
    WHERE object_id IN (${blob(goal.id)}, ${blob(kase.id)})`));
  for (const want of ['plan.add|plan_goal|stat,notes|', 'plan.read|case|stat,notes|', 'plan.update|plan_goal|stat|',
    'plan.update|plan_goal|stat,notes|', 'plan.read|case||denied:not_assigned', 'plan.read|case||denied:firewall']) {
    assert.ok(rows.has(want), `no audit record ${want} in ${[...rows].join(', ')}`);
  }
});
