// The audit resource (the DPO's) and the read audit: every read of personal data leaves
// exactly one record (a list page one record naming its rows), committed by the server's
// group-commit writer before the answer goes out, so a server killed right after a 200 has
// the record on disk.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { assertProblem, blob, cli, demo, freshUser, login, request, sql } from './lib.mjs';

const PW = demo.password;
let dpo; let reader; let kase;
const person = { names: [{ role: 'given', romanised: 'Auditia' }], sex: 'female' };

// Records by this actor after seq top: "action|fields|object_id|objects".
function since(top, actorId) {
  return sql(`SELECT action || '|' || fields || '|' || lower(hex(object_id)) || '|' ||
    ((CASE WHEN a.object_id = zeroblob(16) THEN 0 ELSE 1 END) + length(a.objects) / 16) FROM audit_log a
    WHERE seq > ${top} AND actor = ${blob(actorId)} ORDER BY seq`);
}
const head = () => Number(sql('SELECT coalesce(max(seq), 0) FROM audit_log')[0]);
const hex = (id) => id.replace(/-/g, '');

before(async () => {
  dpo = await login('demo.dpo', PW);
  // an account of its own, so that no other test's requests are counted with its reads
  reader = await freshUser('reader', 'NGO', ['caseworker']);
  const res = await request('POST', '/api/v1/cases', { ...reader, body: { person } });
  assert.equal(res.status, 201, res.text);
  kase = res.json;
  const note = await request('POST', `/api/v1/cases/${kase.id}/notes`, { ...reader, body: { text: 'first visit' } });
  assert.equal(note.status, 201, note.text);
});

test('each read leaves exactly one audit record naming what it showed', async () => {
  const checks = [
    [() => request('GET', `/api/v1/cases/${kase.id}`, reader), `case.read|stat,identity,safety|${hex(kase.id)}|1`],
    [() => request('GET', `/api/v1/cases/${kase.id}/notes`, reader), `note.read|notes|${hex(kase.id)}|1`],
    [() => request('GET', `/api/v1/cases/${kase.id}/consents`, reader), `consent.read|stat,notes|${hex(kase.id)}|1`],
    [() => request('POST', '/api/v1/cases/search', { ...reader, body: { names: ['Auditia'] } }), null],
  ];
  for (const [call, want] of checks) {
    const top = head();
    const res = await call();
    assert.equal(res.status, 200, res.text);
    const recs = since(top, reader.id);
    assert.equal(recs.length, 1, recs.join('\n'));
    if (want) assert.equal(recs[0], want);
    else assert.match(recs[0], /^case\.search\|stat,identity\|/); // names shown: her own case
  }
});

test('a caseload page is one audit record naming every case on it', async () => {
  const more = [];
  for (let i = 0; i < 3; i++) {
    more.push((await request('POST', '/api/v1/cases', { ...reader, body: { person } })).json.id);
  }
  const top = head();
  const page = await request('GET', '/api/v1/cases?mine=true&limit=3', reader);
  assert.equal(page.status, 200, page.text);
  const shown = page.json.items.map((h) => h.id);
  assert.deepEqual(shown, [kase.id, ...more.slice(0, 2)]);
  const recs = since(top, reader.id);
  assert.deepEqual(recs, [`case.list|stat,identity|${hex(shown[0])}|3`]);
  const [own, rest] = sql(`SELECT lower(hex(object_id)) || '|' || lower(hex(objects)) FROM audit_log
    WHERE actor = ${blob(reader.id)} AND action = 'case.list' ORDER BY seq DESC LIMIT 1`)[0].split('|');
  assert.deepEqual([own, ...(rest.match(/.{32}/g) || [])], shown.map(hex)); // the record names each row shown
  const top2 = head();
  const next = await request('GET', `/api/v1/cases?mine=true&limit=3&cursor=${page.json.next_cursor}`, reader);
  assert.deepEqual(next.json.items.map((h) => h.id), [more[2]]);
  assert.deepEqual(since(top2, reader.id), [`case.list|stat,identity|${hex(more[2])}|1`]);
});

test('the DPO reads the trail with filters, page by page; the reading is audited', async () => {
  const me = (await request('GET', '/api/v1/me', dpo)).json.id;
  const byCase = await request('GET', `/api/v1/audit?object=${kase.id}&limit=200`, dpo);
  assert.equal(byCase.status, 200, byCase.text);
  const actions = byCase.json.items.map((r) => r.action);
  for (const a of ['case.create', 'case.read', 'note.read', 'consent.read', 'case.list']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  for (const r of byCase.json.items) {
    assert.ok(r.object_id === kase.id || r.objects.includes(kase.id));
    assert.match(r.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  }
  assert.ok(!byCase.text.includes('Auditia'));
  const created = await request('GET', `/api/v1/audit?actor=${reader.id}&action=case.create`, dpo);
  assert.equal(created.json.items.length, 4);
  assert.ok(created.json.items.every((r) => r.actor === reader.id && r.action === 'case.create'));
  assert.deepEqual(created.json.items.map((r) => r.roles), ['caseworker', 'caseworker', 'caseworker', 'caseworker']);
  // pages: ascending, no overlap, the cursor carries on
  const p1 = await request('GET', `/api/v1/audit?actor=${reader.id}&limit=3`, dpo);
  const p2 = await request('GET', `/api/v1/audit?actor=${reader.id}&limit=3&cursor=${p1.json.next_cursor}`, dpo);
  const seqs = [...p1.json.items, ...p2.json.items].map((r) => r.seq);
  assert.equal(seqs.length, 6);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  assert.equal(new Set(seqs).size, 6);
  assert.equal(p1.json.next_cursor, String(p1.json.items[2].seq));
  // a time window
  const t = created.json.items[1].at;
  const win = await request('GET', `/api/v1/audit?actor=${reader.id}&action=case.create&from=${t}`, dpo);
  assert.deepEqual(win.json.items.map((r) => r.seq), created.json.items.slice(1).map((r) => r.seq));
  const upto = await request('GET', `/api/v1/audit?actor=${reader.id}&action=case.create&to=${t}`, dpo);
  assert.deepEqual(upto.json.items.map((r) => r.seq), [created.json.items[0].seq]);
  // every page read is on the trail, with the records it showed
  const mine = sql(`SELECT fields FROM audit_log WHERE actor = ${blob(me)} AND action = 'audit.read' ORDER BY seq DESC LIMIT 1`);
  assert.deepEqual(mine, [`seq:${created.json.items[0].seq}-${created.json.items[0].seq}`]);
});

test('bad filters are named, each of them', async () => {
  const bad = await request('GET', '/api/v1/audit?actor=someone&object=x&action=case%20read&from=2020-01-01T25:00:00Z&limit=5000&cursor=-4', dpo);
  assertProblem(assert, bad, 400, 'validation');
  assert.deepEqual(bad.json.errors.map((e) => e.pointer), ['/actor', '/object', '/action', '/from', '/cursor', '/limit']);
  assertProblem(assert, await request('GET', '/api/v1/audit?who=me', dpo), 400, 'validation');
  assertProblem(assert, await request('GET', '/api/v1/audit?object_type=a%3Db', dpo), 400, 'validation');
});

test('only the DPO reads the trail; a refusal is recorded with its reason', async () => {
  // accounts of their own, so that no other test's requests are counted with theirs
  for (const [prefix, agency, roles] of [['adm', 'IOR', ['admin']], ['sup', 'NGO', ['supervisor']],
    ['coord', 'IOR', ['coordinator']]]) {
    const s = await freshUser(prefix, agency, roles);
    const { id } = s;
    for (const path of ['/api/v1/audit', '/api/v1/audit/verify']) {
      const top = head();
      const res = await request('GET', path, s);
      assertProblem(assert, res, 403, 'forbidden');
      assert.equal(res.json.reason, 'no_role');
      const recs = sql(`SELECT action || ' ' || reason FROM audit_log WHERE seq > ${top} AND actor = ${blob(id)}`);
      assert.deepEqual(recs, [`${path.endsWith('verify') ? 'audit.verify' : 'audit.read'} denied:no_role`]);
    }
  }
});

test('verify: the chain and the checkpoints, as the CLI reports them', async () => {
  const res = await request('GET', '/api/v1/audit/verify', dpo);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.ok, true);
  assert.equal(res.json.problems, 0);
  assert.deepEqual(res.json.findings, []);
  assert.ok(res.json.records > 50);
  assert.ok(res.json.checkpoints >= 1);
  assert.ok(res.json.last_checkpoint_seq <= res.json.last_seq);
  assertProblem(assert, await request('GET', '/api/v1/audit/verify?deep=1', dpo), 400, 'validation');
  assertProblem(assert, await request('POST', '/api/v1/audit/verify', dpo), 405, 'method-not-allowed');
});

test('a read answered is on disk: kill -9 right after the 200 and the record is there', async () => {
  const work = process.env.SP_WORK;
  const srv = spawn(process.env.SP_BIN, ['--data', join(work, 'var'), '--key-file', join(work, 'keys/master.key'),
    'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let err = '';
      srv.stderr.on('data', (d) => {
        err += d;
        const m = /event=serve\.listening .*port=(\d+)/.exec(err);
        if (m) resolve(m[1]);
      });
      srv.on('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const s = await fetch(`${base}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: reader.username, password: reader.password }),
    });
    assert.equal(s.status, 201);
    const cookie = /sp_session=[^;]*/.exec(s.headers.get('set-cookie'))[0];
    const top = head();
    const res = await fetch(`${base}/api/v1/cases/${kase.id}`, { headers: { cookie } });
    assert.equal(res.status, 200);
    srv.kill('SIGKILL');
    await new Promise((resolve) => { if (srv.exitCode !== null || srv.signalCode) resolve(); else srv.on('exit', resolve); });
    assert.deepEqual(since(top, reader.id), [`case.read|stat,identity,safety|${hex(kase.id)}|1`]);
  } finally {
    if (srv.exitCode === null && !srv.signalCode) srv.kill('SIGKILL');
  }
  const v = cli(['audit', 'verify'], '');
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /audit trail intact/);
});
