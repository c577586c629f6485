// After the API tests: every operation of docs/openapi.yaml answered with a success status at
// least once, its body checked against the document (tests/api/openapi.mjs notes each checked
// answer in $SP_WORK/openapi-seen.jsonl). A documented route no test reaches would leave its
// response schema unchecked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { doc, operations } from '../openapi.mjs';

test('every documented operation answered with success and was checked', () => {
  const file = join(process.env.SP_WORK, 'openapi-seen.jsonl');
  assert.ok(existsSync(file), 'no answer was checked');
  const ok = new Set(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((s) => s.status >= 200 && s.status < 300).map((s) => s.op));
  const missed = operations(doc).filter((op) => !ok.has(op));
  assert.deepEqual(missed, [], 'operations no test answered with success');
});
