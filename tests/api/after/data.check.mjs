// Run once the server has stopped: the distinctive values the case tests sent through the
// API are in clear in no file under the data folder or the key folder (databases, their
// write-ahead logs, audit checkpoints, the person-key store), nor, on PostgreSQL, anywhere in
// the test cluster's folder (tables, indexes, write-ahead log, the server's log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET } from '../cases.data.mjs';

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []);
}

test('no value sent through the API is in clear under the data folder', () => {
  const work = process.env.SP_WORK;
  const pg = process.env.SAFEPATH_DB && process.env.SP_PG_DIR;
  const all = [...files(join(work, 'var')), ...files(join(work, 'keys')),
    ...(pg ? files(process.env.SP_PG_DIR) : [])];
  assert.ok(all.some((f) => (pg ? /\/base\/\d+\/\d+$/.test(f) : f.endsWith('safepath.db'))));
  const needles = Object.values(SECRET).flatMap((s) => [s, s.toLowerCase()])
    .map((s) => Buffer.from(s, 'utf8'));
  for (const f of all) {
    let bytes;
    try {
      bytes = readFileSync(f);
    } catch (e) {
      // the running cluster may drop a file of its own (a cache, a temporary) between the
      // listing and the read: gone, it holds nothing
      if (e.code === 'ENOENT' && pg && f.startsWith(process.env.SP_PG_DIR)) continue;
      throw e;
    }
    for (const n of needles) assert.equal(bytes.indexOf(n), -1, `${f} holds a value in clear`);
  }
});
