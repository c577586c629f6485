// Cases, notes and consents through the API: each request one casework operation, through the
// policy and the audit trail. Bad bodies are refused naming each field, never echoing the
// value, and leave the domain tables as they were; the firewall and the roles hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SECRET } from './cases.data.mjs';
import { demo, login, request } from './lib.mjs';

const PW = demo.password;

const person = {
  names: [{ role: 'given', original: 'Quillowendra', romanised: SECRET.name },
    { role: 'family', romanised: SECRET.family }],
  sex: 'female',
  date_of_birth: { date: '1999-04' },
  nationalities: ['UA'],
  documents: [{ type: 'passport', country: 'UA', number: SECRET.document }],
};

const DOMAIN = ['persons', 'person_nationalities', 'person_index', 'case_sequences', 'cases',
  'case_notes', 'consents'];

// Row counts of the domain tables, read-only beside the running server.
function counts() {
  const db = join(process.env.SP_WORK, 'var', 'safepath.db');
  const sql = DOMAIN.map((t) => `SELECT '${t}', count(*) FROM ${t};`).join(' ');
  const r = spawnSync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function assertProblem(res, status, type) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(res.json.type, `urn:safepath:problem:${type}`);
}

let cw; // demo.caseworker's session
let created; // the case opened below
const objects = []; // ids whose audit records the last test looks for

test('a caseworker opens a case with its person: 201 with the case and its Location', async () => {
  cw = await login('demo.caseworker', PW);
  assert.equal(cw.res.status, 201);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person, priority: 'high', flags: ['possible_victim_of_trafficking'] },
  });
  assert.equal(res.status, 201, res.text);
  created = res.json;
  assert.match(created.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(res.headers.get('location'), `/api/v1/cases/${created.id}`);
  assert.match(created.number, /^NGO-\d{4}-\d{6}$/);
  assert.equal(created.status, 'open');
  assert.equal(created.priority, 'high');
  assert.deepEqual(created.flags, ['possible_victim_of_trafficking']);
  assert.equal(created.version, 1);
  assert.ok(!res.text.includes(SECRET.name)); // the answer is the case, not the person
});

test('the case reads back with its person', async () => {
  const res = await request('GET', `/api/v1/cases/${created.id}`, { cookie: cw.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.number, created.number);
  assert.equal(res.json.person.names[0].romanised, SECRET.name);
  assert.equal(res.json.person.documents[0].number, SECRET.document);
});

test('safety information only for those with need-to-know; colleagues see the case row', async () => {
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: SECRET.other }], sex: 'male',
      safety: { people_to_avoid: SECRET.safety } } },
  });
  assert.equal(res.status, 201, res.text);
  const mine = await request('GET', `/api/v1/cases/${res.json.id}`, { cookie: cw.cookie });
  assert.equal(mine.status, 200);
  assert.equal(mine.json.person.safety.people_to_avoid, SECRET.safety);
  // a colleague of the same agency who is not assigned: the case exists, nothing personal
  const idf = await login('demo.identifier', PW);
  const theirs = await request('GET', `/api/v1/cases/${res.json.id}`, { cookie: idf.cookie });
  assert.equal(theirs.status, 200, theirs.text);
  assert.equal(theirs.json.number, res.json.number);
  assert.equal(theirs.json.person, undefined);
  assert.ok(!theirs.text.includes(SECRET.other) && !theirs.text.includes(SECRET.safety));
  const notes = await request('GET', `/api/v1/cases/${res.json.id}/notes`, { cookie: idf.cookie });
  assertProblem(notes, 403, 'forbidden');
  assert.equal(notes.json.reason, 'not_assigned');
});

test('a malformed or unknown case id is 404', async () => {
  for (const id of ['not-a-uuid', '0192aaaa-bbbb-7ccc-8ddd-eeeeffff000', created.id.toUpperCase().replace(/-/g, '_')]) {
    assertProblem(await request('GET', `/api/v1/cases/${id}`, { cookie: cw.cookie }), 404, 'not-found');
  }
  const unknown = '01920000-0000-7000-8000-000000000000';
  assertProblem(await request('GET', `/api/v1/cases/${unknown}`, { cookie: cw.cookie }), 404, 'not-found');
  assertProblem(await request('GET', `/api/v1/cases/${unknown}/notes`, { cookie: cw.cookie }), 404, 'not-found');
});

test('the caseload pages with a cursor and holds the new case', async () => {
  const seen = [];
  let cursor = null;
  for (let pages = 0; pages < 50; pages++) {
    const q = cursor ? `?limit=7&cursor=${cursor}` : '?limit=7';
    const res = await request('GET', `/api/v1/cases${q}`, { cookie: cw.cookie });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.items.length <= 7);
    for (const it of res.json.items) {
      assert.deepEqual(Object.keys(it).sort(), ['flags', 'id', 'name', 'number', 'priority', 'status']);
      seen.push(it.id);
      // the name as written, then in Latin letters when that differs: here it does not
      if (it.id === created.id) assert.equal(it.name, `${SECRET.name} ${SECRET.family}`);
      // a row shows the name exactly where the case itself shows the person
      if (pages === 0) {
        const one = await request('GET', `/api/v1/cases/${it.id}`, { cookie: cw.cookie });
        assert.equal(it.name !== null, one.json.person !== undefined, it.number);
      }
    }
    cursor = res.json.next_cursor;
    if (!cursor) break;
  }
  assert.equal(new Set(seen).size, seen.length); // no case twice
  assert.ok(seen.length > 7); // more than one page
  assert.ok(seen.includes(created.id));
  const mine = await request('GET', '/api/v1/cases?mine=true&status=open&limit=50', { cookie: cw.cookie });
  assert.equal(mine.status, 200);
  assert.ok(mine.json.items.some((it) => it.id === created.id));
  const closed = await request('GET', '/api/v1/cases?status=closed', { cookie: cw.cookie });
  assert.ok(!closed.json.items.some((it) => it.id === created.id));
});

test('bad list parameters are 400 naming the parameter, not its value', async () => {
  for (const [q, pointer] of [['limit=0', '/limit'], ['limit=51', '/limit'], ['status=gone', '/status'],
    ['cursor=Quillowendra', '/cursor'], ['mine=yes', '/mine']]) {
    const res = await request('GET', `/api/v1/cases?${q}`, { cookie: cw.cookie });
    assertProblem(res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), [pointer]);
    const v = q.split('=')[1];
    if (!/^\d+$/.test(v)) assert.ok(!res.text.includes(v), res.text);
  }
  assertProblem(await request('GET', '/api/v1/cases?limit=1&limit=50', { cookie: cw.cookie }), 400, 'validation');
  const unknown = await request('GET', '/api/v1/cases?name=Quillowendra', { cookie: cw.cookie });
  assertProblem(unknown, 400, 'validation');
  assert.ok(!unknown.text.includes('Quillowendra'));
  assertProblem(await request('GET', `/api/v1/cases/${created.id}?x=1`, { cookie: cw.cookie }), 400, 'validation');
});

test('search is a POST: by name, by number, by document', async () => {
  const byName = await request('POST', '/api/v1/cases/search', { ...cw, body: { names: ['quillowendra'] } });
  assert.equal(byName.status, 200, byName.text);
  assert.deepEqual(byName.json.items.map((i) => i.id), [created.id]);
  const byNumber = await request('POST', '/api/v1/cases/search', { ...cw, body: { number: created.number } });
  assert.deepEqual(byNumber.json.items.map((i) => i.id), [created.id]);
  const byDoc = await request('POST', '/api/v1/cases/search',
    { ...cw, body: { document: { type: 'passport', country: 'UKR', number: SECRET.document } } });
  assert.equal(byDoc.status, 200, byDoc.text);
  assert.deepEqual(byDoc.json.items.map((i) => i.id), [created.id]);
  const none = await request('POST', '/api/v1/cases/search', { ...cw, body: { number: 'NGO-1999-000001' } });
  assert.deepEqual(none.json.items, []);
  for (const body of [{}, { number: null }, { number: 'x', phone: 'y' }, { names: [] }, { names: [1] }, { document: { type: 'scroll', country: 'UA', number: 'n' } }]) {
    assertProblem(await request('POST', '/api/v1/cases/search', { ...cw, body }), 400, 'validation');
  }
});

test('notes: add one, list them', async () => {
  const add = await request('POST', `/api/v1/cases/${created.id}/notes`, { ...cw, body: { text: SECRET.note } });
  assert.equal(add.status, 201, add.text);
  assert.match(add.json.id, /^[0-9a-f-]{36}$/);
  objects.push(add.json.id);
  const list = await request('GET', `/api/v1/cases/${created.id}/notes`, { cookie: cw.cookie });
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.items.map((n) => n.text), [SECRET.note]);
  assert.equal(list.json.items[0].id, add.json.id);
});

test('consents: record one, list them', async () => {
  const body = { purpose: 'services', status: 'given', method: 'interpreter', interpreter_used: true,
    interpreter_language: 'uk', by: 'person' };
  const add = await request('POST', `/api/v1/cases/${created.id}/consents`, { ...cw, body });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.purpose, 'services');
  objects.push(add.json.id);
  const list = await request('GET', `/api/v1/cases/${created.id}/consents`, { cookie: cw.cookie });
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 1);
  assert.equal(list.json.items[0].status, 'given');
});

test('invalid bodies are 400 naming each pointer, never the value, and change nothing', async () => {
  const bad = [
    ['/api/v1/cases', { person: { ...person, eye_colour: 'Zorvanthic' } }, ['/person/eye_colour'], 'Zorvanthic'],
    // a member name that could be a value sent as a key is not repeated: the error points at its object
    ['/api/v1/cases', { person: { ...person, names: [{ role: 'given', 'Zorvanthic Vale': 'x' }] } }, ['/person/names/0'], 'Zorvanthic'],
    ['/api/v1/cases', { person: { ...person, nationalities: ['Zorvanthia'] } }, ['/person/nationalities/0'], 'Zorvanthia'],
    ['/api/v1/cases', { person: { ...person, date_of_birth: { date: '2009-02-30' } } }, ['/person/date_of_birth/date'], '2009-02-30'],
    ['/api/v1/cases', { person, priority: 'Zorvanthic', flags: ['Zorvanthia'] }, ['/priority', '/flags/0'], 'Zorvanth'],
    ['/api/v1/cases', { person, colour: 'Zorvanthic' }, ['/colour'], 'Zorvanthic'],
    ['/api/v1/cases', { priority: 'high' }, ['/person'], null],
    [`/api/v1/cases/${created.id}/notes`, { text: 7 }, ['/text'], null],
    [`/api/v1/cases/${created.id}/notes`, { text: 'Zorvanthic', more: 1 }, ['/more'], 'Zorvanthic'],
    [`/api/v1/cases/${created.id}/consents`, { purpose: 'Zorvanthic', status: 'given', method: 'verbal' }, ['/purpose'], 'Zorvanthic'],
  ];
  for (const [path, body, pointers, value] of bad) {
    const before = counts();
    const res = await request('POST', path, { ...cw, body });
    assertProblem(res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), pointers, `${path} ${JSON.stringify(body)}`);
    if (value) assert.ok(!res.text.includes(value), res.text);
    assert.ok(!res.text.includes(SECRET.name));
    assert.equal(counts(), before, `${path} changed the domain tables`);
  }
});

test('the firewall: immigration is refused the NGO case, with the reason', async () => {
  const imm = await login('demo.screener', PW);
  for (const p of ['', '/notes', '/consents']) {
    const res = await request('GET', `/api/v1/cases/${created.id}${p}`, { cookie: imm.cookie });
    assertProblem(res, 403, 'forbidden');
    assert.equal(res.json.reason, 'firewall');
    assert.ok(!res.text.includes(SECRET.name));
  }
  const before = counts();
  const note = await request('POST', `/api/v1/cases/${created.id}/notes`, { ...imm, body: { text: 'x' } });
  assertProblem(note, 403, 'forbidden');
  assert.equal(note.json.reason, 'firewall');
  assert.equal(counts(), before);
  // and its own caseload and searches never show the NGO's case
  const list = await request('GET', '/api/v1/cases?limit=50', { cookie: imm.cookie });
  if (list.status === 200) assert.ok(!list.json.items.some((it) => it.id === created.id));
  const found = await request('POST', '/api/v1/cases/search', { ...imm, body: { names: ['Quillowendra'] } });
  if (found.status === 200) assert.deepEqual(found.json.items, []);
});

test('the coordinator sees aggregates only: 403 on the caseload', async () => {
  const co = await login('demo.coordinator', PW);
  const res = await request('GET', '/api/v1/cases', { cookie: co.cookie });
  assertProblem(res, 403, 'forbidden');
  assert.equal(res.json.reason, 'aggregates_only');
});

test('a mutating request without the CSRF token is 403 and changes nothing', async () => {
  const before = counts();
  for (const path of ['/api/v1/cases', `/api/v1/cases/${created.id}/notes`, `/api/v1/cases/${created.id}/consents`,
    '/api/v1/cases/search']) {
    assertProblem(await request('POST', path, { cookie: cw.cookie, body: { person } }), 403, 'csrf');
  }
  assert.equal(counts(), before);
  assertProblem(await request('GET', '/api/v1/cases'), 401, 'unauthenticated');
});

test('every request on the case left its audit record, refusals too', () => {
  const db = join(process.env.SP_WORK, 'var', 'safepath.db');
  const blobs = [created.id, created.person_id, ...objects].map((i) => `X'${i.replace(/-/g, '')}'`);
  const sql = `SELECT DISTINCT action || '|' || reason || '|' || flags FROM audit_log WHERE object_id IN (${blobs.join(', ')})
    ${blobs.map((b) => `OR instr(objects, ${b}) > 0`).join(' ')};`; // a list page names its rows in objects
  const r = spawnSync('sqlite3', ['-readonly', '-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = new Set(r.stdout.trim().split('\n'));
  for (const want of ['case.create||0', 'case.read||0', 'case.list||0', 'case.search||0',
    'note.add||0', 'note.read||0', 'consent.add||0', 'consent.read||0',
    'case.read|denied:firewall|1']) { // crossing the firewall is flagged to the DPO
    assert.ok(rows.has(want), `no audit record ${want} in ${[...rows].join(', ')}`);
  }
});
