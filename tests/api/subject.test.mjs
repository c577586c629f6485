// Subject access through the API: the DPO asks for the export of a case with the requester,
// reviews its sections and the members to redact, lists the exports of the case and of the
// agency, and downloads the document in clear as an attachment; the export is sealed in the
// data folder (0600), the requester sealed in its row; each step is audited and flagged to
// the DPO. A caseworker, a supervisor and a provider are refused (403); a bad requester is a
// 400 naming /requester; an unknown export is 404.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertProblem, blob, demo, login, request, sql } from './lib.mjs';

const PW = demo.password;
const NAME = 'Subjektova';
const AVOID = 'Her former employer Mr Kraal';
const NOTE = 'She asked for a copy of her file';
const REQUESTER = 'The person herself, passport seen at the office';
let cw; let dpo; let kase; let exp;

const audits = (action, id) => Number(sql(`SELECT count(*) FROM audit_log WHERE action = '${action}'
  AND object_id = ${blob(id)} AND flags % 2 = 1`)[0]);

before(async () => {
  cw = await login('demo.caseworker', PW);
  dpo = await login('demo.dpo', PW);
  const res = await request('POST', '/api/v1/cases', {
    ...cw, body: { person: { names: [{ role: 'given', romanised: NAME }], sex: 'female',
      safety: { people_to_avoid: AVOID } } },
  });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
  const note = await request('POST', `/api/v1/cases/${kase.id}/notes`, { ...cw, body: { text: NOTE } });
  assert.equal(note.status, 201, note.text);
});

test('the DPO exports a case: sealed in the data folder, reviewed without the person\'s data', async () => {
  const res = await request('POST', `/api/v1/cases/${kase.id}/subject-exports`, {
    ...dpo, body: { requester: REQUESTER },
  });
  assert.equal(res.status, 201, res.text);
  exp = res.json;
  assert.equal(res.headers.get('location'), `/api/v1/subject-exports/${exp.id}`);
  assert.equal(exp.case_id, kase.id);
  assert.equal(exp.case_number, kase.number);
  assert.equal(exp.exported_by, 'demo.dpo');
  assert.equal(exp.requester, REQUESTER);
  assert.deepEqual(exp.sections, ['case', 'person', 'notes', 'consents', 'needs', 'tasks',
    'screenings', 'decisions', 'deadlines', 'referrals', 'audit']);
  assert.ok(exp.redactions.some((m) => m.pointer === '/person/safety/people_to_avoid'
    && m.reason === 'third_party'), res.text);
  assert.ok(exp.redactions.some((m) => m.pointer === '/notes/0/text' && m.reason === 'staff_note'), res.text);
  // the review names members, never their values
  for (const secret of [NAME, AVOID, NOTE]) assert.ok(!res.text.includes(secret), secret);
  // the file: in the data folder, 0600, nothing of the person in clear
  const file = join(process.env.SP_WORK, 'var', 'subject-access', `${exp.id}.sar`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const bytes = readFileSync(file);
  for (const secret of [NAME, AVOID, NOTE]) assert.ok(!bytes.includes(Buffer.from(secret)), secret);
  // the requester sealed in its row
  const [row] = sql(`SELECT count(*) FROM subject_exports WHERE id = ${blob(exp.id)} AND case_id = ${blob(kase.id)}`);
  assert.equal(row, '1');
  assert.equal(audits('subject_access.export', kase.id), 1);
  assert.equal(audits('subject_access.read', exp.id), 1);
});

test('the DPO downloads the document: an attachment, never stored, matching the case', async () => {
  const res = await request('GET', `/api/v1/subject-exports/${exp.id}/document`, { cookie: dpo.cookie });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('content-disposition'),
    `attachment; filename="subject-access-${kase.number}.json"`);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const d = res.json;
  assert.equal(d.format, 'safepath-subject-access/1');
  assert.equal(d.case_number, kase.number);
  assert.equal(d.person.names[0].romanised, NAME);
  assert.equal(d.person.safety.people_to_avoid, AVOID);
  assert.equal(d.notes[0].text, NOTE);
  assert.ok(d.redactions.some((m) => m.pointer === '/person/safety/people_to_avoid'
    && m.reason === 'third_party'));
  assert.deepEqual(d.redactions, exp.redactions);
  assert.equal(audits('subject_access.download', exp.id), 1);
  const again = await request('GET', `/api/v1/subject-exports/${exp.id}`, { cookie: dpo.cookie });
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.json, exp);
  assert.equal(audits('subject_access.read', exp.id), 2);
});

test('the DPO lists the exports of the case and of the agency', async () => {
  const mine = await request('GET', `/api/v1/cases/${kase.id}/subject-exports`, { cookie: dpo.cookie });
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.json.items.map((e) => e.id), [exp.id]);
  assert.equal(mine.json.items[0].requester, undefined);
  assert.equal(audits('subject_access.list', kase.id), 1);
  const all = await request('GET', '/api/v1/subject-exports', { cookie: dpo.cookie });
  assert.equal(all.status, 200, all.text);
  const one = all.json.items.find((e) => e.id === exp.id);
  assert.deepEqual(one, { id: exp.id, case_id: kase.id, case_number: kase.number,
    exported_by: 'demo.dpo', exported_at: exp.exported_at });
});

test('the DPO names the case by its number; an unknown one is a 400 at /case', async () => {
  const res = await request('POST', '/api/v1/subject-exports', {
    ...dpo, body: { case: kase.number, requester: 'Her lawyer, with her signed authority' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.case_id, kase.id);
  assert.equal(res.json.requester, 'Her lawyer, with her signed authority');
  const list = await request('GET', `/api/v1/cases/${kase.id}/subject-exports`, { cookie: dpo.cookie });
  assert.deepEqual(list.json.items.map((e) => e.id), [res.json.id, exp.id]);
  for (const ref of ['NGO-1999-999999', '0192f7a0-0000-7000-8000-000000000000']) {
    const none = await request('POST', '/api/v1/subject-exports', { ...dpo, body: { case: ref, requester: REQUESTER } });
    assertProblem(assert, none, 400, 'validation');
    assert.deepEqual(none.json.errors.map((e) => e.pointer), ['/case'], none.text);
  }
  // anyone else is refused before the body is looked at: a bad requester or an unknown case too
  for (const body of [{ case: kase.number, requester: REQUESTER }, { case: kase.number, requester: '  ' },
    { case: 'NGO-1999-999999', requester: REQUESTER }]) {
    const cwTry = await request('POST', '/api/v1/subject-exports', { ...cw, body });
    assertProblem(assert, cwTry, 403, 'forbidden');
  }
  const cwCase = await request('POST', `/api/v1/cases/${kase.id}/subject-exports`, { ...cw, body: { requester: '' } });
  assertProblem(assert, cwCase, 403, 'forbidden');
});

test('a bad requester is a 400 naming /requester; nothing is written', async () => {
  const before = sql('SELECT count(*) FROM subject_exports')[0];
  for (const body of [{}, { requester: '   ' }, { requester: 'two\nlines' }, { requester: 7 },
    { requester: 'x'.repeat(401) }]) {
    const res = await request('POST', `/api/v1/cases/${kase.id}/subject-exports`, { ...dpo, body });
    assertProblem(assert, res, 400, 'validation');
    assert.deepEqual(res.json.errors.map((e) => e.pointer), ['/requester'], res.text);
  }
  assert.equal(sql('SELECT count(*) FROM subject_exports')[0], before);
});

test('everyone but the DPO is refused, and the refusal recorded; an unknown export is 404', async () => {
  const sup = await login('demo.supervisor', PW);
  const prov = await login('demo.provider', PW);
  for (const who of [cw, sup, prov]) {
    const post = await request('POST', `/api/v1/cases/${kase.id}/subject-exports`, {
      ...who, body: { requester: REQUESTER },
    });
    assertProblem(assert, post, 403, 'forbidden');
    for (const path of [`/api/v1/cases/${kase.id}/subject-exports`, '/api/v1/subject-exports',
      `/api/v1/subject-exports/${exp.id}`, `/api/v1/subject-exports/${exp.id}/document`]) {
      const res = await request('GET', path, { cookie: who.cookie });
      assertProblem(assert, res, 403, 'forbidden');
      assert.ok(!res.text.includes(NAME) && !res.text.includes(REQUESTER), path);
    }
  }
  const denied = Number(sql(`SELECT count(*) FROM audit_log WHERE action = 'subject_access.download'
    AND reason LIKE 'denied%'`)[0]);
  assert.ok(denied >= 3, String(denied));
  const none = await request('GET', '/api/v1/subject-exports/0192f7a0-0000-7000-8000-000000000000',
    { cookie: dpo.cookie });
  assertProblem(assert, none, 404, 'not-found');
});
