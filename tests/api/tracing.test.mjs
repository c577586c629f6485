// Family tracing through the API: the NGO's caseworker records a mother's request for her son;
// the child-protection caseworker's child is matched only once his consent for tracing is
// given; the requester's side's every answer holds only the keys written below (never the
// case's id, number, agency or any field of it); the child's side reviews, is refused contact
// (409) without a verification and a favourable best-interests assessment, and approves it;
// bad bodies are named; each step is on the audit trail; the request's details are in no row in
// clear.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { PG, assertProblem, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
let tracer; let child; let kase; let req; let match;
const ifMatch = (v) => ({ 'if-match': `"${v}"` });
const year = new Date().getUTCFullYear();

// What the requester's side may ever be answered, written by hand.
const REQUEST_KEYS = ['id', 'status', 'created_at', 'updated_at', 'closed_at', 'matched', 'request'];
const DETAILS_KEYS = ['requester', 'child', 'note'];
function requesterSide(body) {
  for (const k of Object.keys(body)) assert.ok(REQUEST_KEYS.includes(k), `the requester's side was told ${k}`);
  if (body.request) for (const k of Object.keys(body.request)) assert.ok(DETAILS_KEYS.includes(k), k);
  const text = JSON.stringify(body);
  for (const v of [kase.id, kase.number, kase.person_id, kase.agency?.id ?? kase.agency, 'Quillamo-Barentz']) {
    if (v) assert.ok(!text.includes(typeof v === 'string' ? v : JSON.stringify(v)), `the requester's side holds ${v}`);
  }
}

const body = {
  requester: { name: 'Saba Vendrelli', relationship: 'mother', contact: '+41 79 555 77 31' },
  child: {
    names: ['Zerihun Quillamo'], nicknames: ['Zeri'], sex: 'male', date_of_birth: String(year - 11),
    place_of_separation: 'Agadez bus station', date_of_separation: '2025-03', relatives: ['Tekle Quillamo'],
  },
  note: 'Separated when the bus left',
};

before(async () => {
  tracer = await login('demo.caseworker', PW);
  child = await login('demo.childworker', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...child,
    body: {
      person: {
        names: [{ role: 'given', romanised: 'Zerihun' }, { role: 'family', romanised: 'Quillamo' }],
        sex: 'male', date_of_birth: { date: `${year - 11}-05-02` },
      },
      flags: ['unaccompanied_child'],
    },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
});

test('bad requests are 400 naming each field, and add nothing', async () => {
  const count = () => Number(sql('SELECT count(*) FROM tracing_requests')[0]);
  const n = count();
  const bad = [
    [{ child: body.child }, ['/requester']],
    [{ ...body, requester: { relationship: 'mother' } }, ['/requester/name']],
    [{ ...body, child: { ...body.child, names: [] } }, ['/child/names']],
    [{ ...body, child: { ...body.child, sex: 'boy' } }, ['/child/sex']],
    [{ ...body, child: { ...body.child, age: 11 } }, ['/child/age']],
    [{ ...body, child: { ...body.child, date_of_birth: 'last spring' } }, ['/child/date_of_birth']],
  ];
  for (const [b, pointers] of bad) {
    const res = await request('POST', '/api/v1/tracing/requests', { ...tracer, body: b });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, JSON.stringify(b));
  }
  assert.equal(count(), n);
});

test('no match before the child consents to tracing; one after; the requester is told a status', async () => {
  const res = await request('POST', '/api/v1/tracing/requests', { ...tracer, body });
  assert.equal(res.status, 201, res.text);
  req = res.json;
  assert.equal(req.status, 'open');
  assert.equal(req.matched, 0);
  requesterSide(req);
  const consent = await request('POST', `/api/v1/cases/${kase.id}/consents`, {
    ...child, body: { purpose: 'tracing', status: 'given', method: 'verbal', by: 'person' },
  });
  assert.equal(consent.status, 201, consent.text);
  const again = await request('POST', `/api/v1/tracing/requests/${req.id}/match`, { ...tracer });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.status, 'possible_match');
  assert.equal(again.json.matched, 1);
  requesterSide(again.json);
  const one = await request('GET', `/api/v1/tracing/requests/${req.id}`, { cookie: tracer.cookie });
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.request.requester.name, 'Saba Vendrelli');
  requesterSide(one.json);
  // read at once by several connections: each answered (its audit record written in its own
  // transaction, never upgraded from a read one)
  const many = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => request('GET',
    i % 2 ? `/api/v1/tracing/requests/${req.id}` : '/api/v1/tracing/requests', { cookie: tracer.cookie })));
  assert.deepEqual(many.map((r) => r.status), [200, 200, 200, 200, 200, 200]);
  const list = await request('GET', '/api/v1/tracing/requests', { cookie: tracer.cookie });
  assert.equal(list.status, 200, list.text);
  assert.ok(list.json.items.some((r) => r.id === req.id));
  for (const r of list.json.items) requesterSide(r);
  // the child's side may not read the request as its requester
  assertProblem(assert, await request('GET', `/api/v1/tracing/requests/${req.id}`, { cookie: child.cookie }), 403, 'forbidden');
});

test('the child side verifies, assesses, and only then approves contact', async () => {
  const list = await request('GET', `/api/v1/cases/${kase.id}/tracing-matches`, { cookie: child.cookie });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.items.length, 1);
  match = list.json.items[0];
  // the person model's levels and contributions (log2 m/u of the shipped parameters, by hand:
  // test_tracing_store.c), never a value of the child's
  assert.equal(match.explanation, 'name: exact +10.77; date_of_birth: weak date, agree +6.91; sex: exact +0.92; probability 0.94');
  assert.equal(match.score, 94);
  // the requester's side may not see the case's matches
  assertProblem(assert, await request('GET', `/api/v1/cases/${kase.id}/tracing-matches`, { cookie: tracer.cookie }), 403, 'forbidden');
  const seen = await request('GET', `/api/v1/tracing/matches/${match.id}`, { cookie: child.cookie });
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.json.request.child.relatives[0], 'Tekle Quillamo');
  assert.equal(seen.headers.get('etag'), `"${match.version}"`);
  const path = (s) => `/api/v1/tracing/matches/${match.id}/${s}`;
  assertProblem(assert, await request('POST', path('contact'), { ...child, body: { approve: true } }), 428, 'precondition-required');
  let res = await request('POST', path('contact'), { ...child, headers: ifMatch(match.version), body: { approve: true } });
  assertProblem(assert, res, 409, 'conflict');
  assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/verification']);
  res = await request('POST', path('verification'), {
    ...child, headers: ifMatch(match.version), body: { method: 'questions', confirmed: true, note: 'Named the family goat' },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.state, 'verifying');
  const v = res.json.version;
  res = await request('POST', path('contact'), { ...child, headers: ifMatch(res.json.version), body: { approve: true } });
  assertProblem(assert, res, 409, 'conflict');
  assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/best_interests']);
  assertProblem(assert, await request('POST', path('assessment'), {
    ...child, headers: ifMatch(v - 1), body: { outcome: 'contact_in_best_interests', grounds: 'x' },
  }), 412, 'precondition-failed');
  res = await request('POST', path('assessment'), {
    ...child, headers: ifMatch(v), body: { outcome: 'contact_in_best_interests', grounds: 'The mother is safe and known' },
  });
  assert.equal(res.status, 200, res.text);
  res = await request('POST', path('contact'), { ...child, headers: ifMatch(res.json.version), body: { approve: true } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.state, 'contact_approved');
  assert.equal(res.json.contact.approved, true);
  const told = await request('GET', `/api/v1/tracing/requests/${req.id}`, { cookie: tracer.cookie });
  assert.equal(told.json.status, 'contact_approved');
  requesterSide(told.json);
});

test('every step is audited; the details are in no row in clear', async () => {
  const actions = sql("SELECT action FROM audit_log WHERE action LIKE 'tracing.%'");
  for (const a of ['tracing.create', 'tracing.match', 'tracing.read', 'tracing.list', 'tracing.case_matches',
    'tracing.review', 'tracing.verify', 'tracing.assess', 'tracing.contact']) {
    assert.ok(actions.includes(a), `no ${a} record`);
  }
  for (const word of ['Vendrelli', 'Agadez', 'goat']) {
    const hex = Buffer.from(word).toString('hex');
    const where = (col) => (PG ? `position('\\x${hex}'::bytea in ${col}) > 0` : `instr(${col}, X'${hex}') > 0`);
    assert.deepEqual(sql(`SELECT count(*) FROM tracing_requests WHERE ${where('details')}`), ['0']);
    assert.deepEqual(sql(`SELECT count(*) FROM tracing_matches WHERE ${where('verify_note')}`), ['0']);
  }
});

test('a create repeated with its Idempotency-Key makes nothing new', async () => {
  const count = () => Number(sql('SELECT count(*) FROM tracing_requests')[0]);
  const headers = { 'idempotency-key': 'tracing-retry-1' };
  const first = await request('POST', '/api/v1/tracing/requests', { ...tracer, headers, body });
  assert.equal(first.status, 201, first.text);
  const n = count();
  const again = await request('POST', '/api/v1/tracing/requests', { ...tracer, headers, body });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.json.id, first.json.id);
  requesterSide(again.json);
  assert.equal(count(), n);
  const other = await request('POST', '/api/v1/tracing/requests', {
    ...tracer, headers, body: { ...body, note: 'another' },
  });
  assertProblem(assert, other, 422, 'idempotency-key-reused');
});

test('the requester side closes the request; the child side can no longer act on it', async () => {
  const res = await request('POST', `/api/v1/tracing/requests/${req.id}/close`, { ...tracer });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.status, 'closed');
  requesterSide(res.json);
  assertProblem(assert, await request('POST', `/api/v1/tracing/requests/${req.id}/close`, { ...tracer }), 409, 'conflict');
  const seen = await request('GET', `/api/v1/tracing/matches/${match.id}`, { cookie: child.cookie });
  const res2 = await request('POST', `/api/v1/tracing/matches/${match.id}/assessment`, {
    ...child, headers: ifMatch(seen.json.version), body: { outcome: 'contact_in_best_interests', grounds: 'again' },
  });
  assertProblem(assert, res2, 409, 'conflict');
  assert.deepEqual(res2.json.errors.map((e) => e.pointer), ['/status']);
});
