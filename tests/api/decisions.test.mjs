// A case's formal decisions through the API: recorded (201, Location, Idempotency-Key), read
// back and listed newest first with the case's current one of each type, every bad field named,
// a conclusive-grounds decision only after a positive reasonable-grounds one, the deployment's
// jurisdiction (coe) naming who records each type (403 "jurisdiction" saying who, audited),
// need-to-know (a screener sees grounds decisions only as withheld), the jurisdiction summary
// for the browser in the caller's language, each request on the audit trail, the grounds sealed
// (after/data.check.mjs).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET } from './cases.data.mjs';
import { assertProblem, blob, demo, freshUser, login, request, sql } from './lib.mjs';

const PW = demo.password;
let child; let ident; // demo.childworker (child protection), demo.identifier (NGO)
let kid; let adult; let age;

const count = () => Number(sql('SELECT count(*) FROM decisions')[0]);
const write = (s, opts) => ({ cookie: s.cookie, csrf: s.csrf, ...opts });
const openCase = async (s, given) => {
  const res = await request('POST', '/api/v1/cases', write(s, {
    body: { person: { names: [{ role: 'given', romanised: given }], sex: 'female' } } }));
  assert.equal(res.status, 201, res.text);
  return res.json;
};

before(async () => {
  child = await login('demo.childworker', PW);
  ident = await login('demo.identifier', PW);
  kid = await openCase(child, 'Decisova');
  adult = await openCase(ident, 'Groundsby');
});

test('a child-protection caseworker records an age assessment: 201, Location; a repeated key makes nothing new', async () => {
  const key = `dec-${Math.random().toString(36).slice(2)}`;
  const body = { type: 'age_assessment', outcome: 'child', decided_at: '2026-03-01T10:00:00Z',
    grounds: SECRET.ageGrounds, method: 'holistic_assessment', benefit_of_doubt: true, assessed_age: 16 };
  const res = await request('POST', `/api/v1/cases/${kid.id}/decisions`,
    write(child, { body, headers: { 'idempotency-key': key } }));
  assert.equal(res.status, 201, res.text);
  age = res.json;
  assert.equal(res.headers.get('location'), `/api/v1/decisions/${age.id}`);
  assert.equal(age.case_id, kid.id);
  assert.equal(age.type, 'age_assessment');
  assert.equal(age.outcome, 'child');
  assert.equal(age.decided_at, '2026-03-01T10:00:00.000000Z');
  assert.equal(age.recorded_by.id, child.res.json.user.id);
  assert.equal(age.recorded_by.name, 'demo.childworker');
  assert.deepEqual(age.jurisdiction, { id: 'coe', version: '1.0.0' });
  assert.equal(age.grounds, SECRET.ageGrounds);
  assert.equal(age.method, 'holistic_assessment');
  assert.equal(age.benefit_of_doubt, true);
  assert.equal(age.assessed_age, 16);
  assert.equal(age.current, true);
  const again = await request('POST', `/api/v1/cases/${kid.id}/decisions`,
    write(child, { body, headers: { 'idempotency-key': key } }));
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, age.id);
  const other = await request('POST', `/api/v1/cases/${kid.id}/decisions`,
    write(child, { body: { ...body, assessed_age: 15 }, headers: { 'idempotency-key': key } }));
  assertProblem(assert, other, 422, 'idempotency-key-reused');
  assert.deepEqual(sql(`SELECT count(*) FROM decisions WHERE case_id = ${blob(kid.id)}`), ['1']);
});

test('a correction is a new decision, and the current one; the list is newest decided first', async () => {
  const res = await request('POST', `/api/v1/cases/${kid.id}/decisions`, write(child, {
    body: { type: 'age_assessment', outcome: 'adult', decided_at: '2026-04-01T10:00:00Z',
      grounds: 'Birth certificate from the embassy', method: 'documents', benefit_of_doubt: false } }));
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.current, true);
  assert.equal(res.json.assessed_age, null);
  const list = await request('GET', `/api/v1/cases/${kid.id}/decisions`, { cookie: child.cookie });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.withheld, 0);
  assert.deepEqual(list.json.items.map((d) => [d.outcome, d.current]), [['adult', true], ['child', false]]);
  assert.equal(list.json.items[1].grounds, SECRET.ageGrounds);
  const one = await request('GET', `/api/v1/decisions/${age.id}`, { cookie: child.cookie });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.current, false);
  assert.equal(one.json.grounds, SECRET.ageGrounds);
  const none = await request('GET', '/api/v1/decisions/01920000-0000-7000-8000-000000000000', { cookie: child.cookie });
  assertProblem(assert, none, 404, 'not-found');
});

test('bad bodies are 400 naming every bad field, and record nothing', async () => {
  const before = count();
  const path = `/api/v1/cases/${kid.id}/decisions`;
  const bad = [
    [{}, ['/type', '/outcome', '/grounds']],
    [{ type: 'verdict', outcome: 'positive', grounds: 'g' }, ['/type']],
    [{ type: 'age_assessment', outcome: 'adult', grounds: 'g', benefit_of_doubt: true, assessed_age: 12 },
      ['/method', '/benefit_of_doubt', '/assessed_age']],
    [{ type: 'age_assessment', outcome: 'child', grounds: 'g', method: 'x_ray', benefit_of_doubt: false, assessed_age: -1 },
      ['/method', '/assessed_age']],
    [{ type: 'age_assessment', outcome: 'minor', grounds: '', method: 'documents', benefit_of_doubt: false },
      ['/outcome', '/grounds']],
    [{ type: 'best_interests', outcome: 'adoption', grounds: 'g' }, ['/outcome']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', method: 'documents', assessed_age: 30 },
      ['/method', '/assessed_age']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', decided_at: '2999-01-01T00:00:00Z' }, ['/decided_at']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', decided_at: '1969-07-20T20:17:00Z' }, ['/decided_at']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', decided_at: 'yesterday' }, ['/decided_at']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g'.repeat(20001) }, ['/grounds']],
    [{ type: 'age_assessment', outcome: 'child', grounds: 'g', method: 'documents', benefit_of_doubt: 'yes', assessed_age: 'ten' },
      ['/benefit_of_doubt', '/assessed_age']],
    [{ type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', verdict: 'x' }, ['/verdict']],
  ];
  for (const [body, pointers] of bad) {
    const res = await request('POST', path, write(child, { body }));
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, JSON.stringify(body).slice(0, 200));
  }
  const future = await request('POST', path, write(child, {
    body: { type: 'reasonable_grounds', outcome: 'positive', grounds: 'g', decided_at: '2999-01-01T00:00:00Z' } }));
  assert.equal(future.json.errors[0].reason, 'is in the future');
  assert.equal(count(), before);
});

test('a conclusive-grounds decision needs a positive reasonable-grounds one before it', async () => {
  const path = `/api/v1/cases/${adult.id}/decisions`;
  const cg = { type: 'conclusive_grounds', outcome: 'positive', grounds: 'Full inquiry done' };
  const early = await request('POST', path, write(ident, { body: cg }));
  assertProblem(assert, early, 400, 'validation');
  assert.deepEqual(early.json.errors, [{ pointer: '/type',
    reason: 'a conclusive-grounds decision needs a positive reasonable-grounds decision on the case before it' }]);
  const rg = await request('POST', path, write(ident, {
    body: { type: 'reasonable_grounds', outcome: 'positive', grounds: SECRET.rgGrounds, decided_at: '2026-05-01T09:00:00Z' } }));
  assert.equal(rg.status, 201, rg.text);
  const ok = await request('POST', path, write(ident, { body: cg }));
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.current, true);
});

test('the jurisdiction names who records: an NGO caseworker may not assess age under coe', async () => {
  const cw = await login('demo.caseworker', PW);
  const own = await openCase(cw, 'Agelessa');
  const before = count();
  const res = await request('POST', `/api/v1/cases/${own.id}/decisions`, write(cw, {
    body: { type: 'age_assessment', outcome: 'child', grounds: 'Looks young', method: 'other', benefit_of_doubt: true } }));
  assertProblem(assert, res, 403, 'forbidden');
  assert.equal(res.json.reason, 'jurisdiction');
  assert.equal(res.json.detail, 'In Council of Europe default age assessments are recorded by: '
    + 'identifier or caseworker at a child protection agency');
  // ... nor the childworker a reasonable-grounds decision
  const rg = await request('POST', `/api/v1/cases/${kid.id}/decisions`, write(child, {
    body: { type: 'reasonable_grounds', outcome: 'positive', grounds: 'g' } }));
  assertProblem(assert, rg, 403, 'forbidden');
  assert.equal(rg.json.detail, 'In Council of Europe default reasonable-grounds decisions are recorded by: identifier');
  assert.equal(count(), before);
  assert.deepEqual(sql(`SELECT count(*) FROM audit_log WHERE action = 'decision.record'
    AND reason = 'denied:jurisdiction' AND object_id IN (${blob(own.id)}, ${blob(kid.id)})`), ['2']);
});

test('need-to-know: a screener sees grounds decisions on its case only as withheld', async () => {
  const scr = await freshUser('ngo.screener', 'NGO', ['screener']);
  const own = await openCase(scr, 'Withelda');
  const boss = await freshUser('ngo.lead', 'NGO', ['supervisor', 'identifier']);
  const rg = await request('POST', `/api/v1/cases/${own.id}/decisions`, write(boss, {
    body: { type: 'reasonable_grounds', outcome: 'negative', grounds: 'Nothing points to exploitation' } }));
  assert.equal(rg.status, 201, rg.text);
  const list = await request('GET', `/api/v1/cases/${own.id}/decisions`, { cookie: scr.cookie });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json, { items: [], withheld: 1 });
  const one = await request('GET', `/api/v1/decisions/${rg.json.id}`, { cookie: scr.cookie });
  assertProblem(assert, one, 403, 'forbidden');
  assert.equal(one.json.reason, 'need_to_know');
  const add = await request('POST', `/api/v1/cases/${own.id}/decisions`, write(scr, {
    body: { type: 'reasonable_grounds', outcome: 'positive', grounds: 'g' } }));
  assertProblem(assert, add, 403, 'forbidden');
  assert.equal(add.json.reason, 'need_to_know');
  // another agency's case: refused whole
  const other = await request('GET', `/api/v1/cases/${kid.id}/decisions`, { cookie: scr.cookie });
  assertProblem(assert, other, 403, 'forbidden');
});

test('the jurisdiction summary: what the caller may record, in its language', async () => {
  const res = await request('GET', '/api/v1/jurisdiction', { cookie: child.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.id, 'coe');
  assert.equal(res.json.version, '1.0.0');
  assert.equal(res.json.status, 'reference');
  assert.equal(res.json.title, 'Council of Europe default');
  assert.equal(res.json.time_zone, 'Etc/UTC');
  assert.deepEqual(res.json.decisions.age_assessment,
    { may_record: true, roles: ['identifier', 'caseworker'], agency_kinds: ['child_protection'] });
  assert.deepEqual(res.json.decisions.reasonable_grounds, { may_record: false, roles: ['identifier'], agency_kinds: [] });
  assert.equal(res.json.decisions.best_interests.may_record, true);
  const idn = await request('GET', '/api/v1/jurisdiction', { cookie: ident.cookie });
  assert.equal(idn.json.decisions.reasonable_grounds.may_record, true);
  assert.equal(idn.json.decisions.conclusive_grounds.may_record, true);
  assert.equal(idn.json.decisions.age_assessment.may_record, false);
  const fr = await request('GET', '/api/v1/jurisdiction?lang=fr', { cookie: child.cookie });
  assert.equal(fr.json.title, "Conseil de l'Europe (par défaut)");
  for (const [header, title] of [['fr-CH, fr;q=0.9, en;q=0.8', "Conseil de l'Europe (par défaut)"],
    ['de, en;q=0.5', 'Council of Europe default'], ['fr;q=0, en', 'Council of Europe default'],
    ['ar', 'Council of Europe default']]) {
    const r = await request('GET', '/api/v1/jurisdiction', { cookie: child.cookie, headers: { 'accept-language': header } });
    assert.equal(r.json.title, title, header);
  }
  assertProblem(assert, await request('GET', '/api/v1/jurisdiction?lang=zz-bad', { cookie: child.cookie }), 400, 'validation');
  assertProblem(assert, await request('GET', '/api/v1/jurisdiction'), 401, 'unauthenticated');
});

test('each request left its audit record with ids and field names only', () => {
  const rows = new Set(sql(`SELECT DISTINCT action || '|' || object_type || '|' || COALESCE(fields, '') || '|' || COALESCE(reason, '') FROM audit_log
    WHERE object_id IN (${blob(age.id)}, ${blob(kid.id)})`));
  for (const want of ['decision.record|decision|stat,identity|', 'decision.read|decision|stat,identity|',
    'decision.list|case|stat,identity|', 'decision.record|case||denied:jurisdiction']) {
    assert.ok(rows.has(want), `no audit record ${want} in ${[...rows].join(', ')}`);
  }
});
