// The message catalogs against the code: every key the web shell uses is in English; no
// English key is left unused; Arabic has every key (the browser test walks the whole layout
// right to left); French and Spanish, still partial, hold only known keys; every translation
// keeps its message's {placeholders}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const WEB = join(process.env.SP_ROOT || join(import.meta.dirname, '../..'), 'web');
const catalog = (lang) => JSON.parse(readFileSync(join(WEB, 'i18n', `${lang}.json`), 'utf8'));
const en = catalog('en');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'i18n' ? [] : sources(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

// Keys written out in t('...') calls, and every t( call whose key is built at run time.
function keysInCode() {
  const literal = new Map();
  const built = [];
  for (const file of sources(WEB)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?<!function )\bt\(('([^']*)'|[^'])/g)) {
      if (m[2] !== undefined) literal.set(m[2], relative(WEB, file));
      else built.push(`${relative(WEB, file)}: ${text.slice(m.index, m.index + 30)}`);
    }
  }
  return { literal, built };
}

// The code lists' keys: label(list, value) is t(`${list}.${value}`).
async function keysOfCodes() {
  const { CODES } = await import(pathToFileURL(join(WEB, 'lib/codes.js')));
  return Object.entries(CODES).flatMap(([list, values]) => values.map((v) => `${list}.${v}`));
}

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every key used in the code is in the English catalog, and every English key is used', async () => {
  const { literal, built } = keysInCode();
  assert.ok(literal.size > 100, 'the scan finds the keys');
  assert.equal(built.length, 1, `keys built at run time: ${built.join('; ')}`);
  assert.match(built[0], /^lib\/fields\.js: t\(`\$\{list\}\.\$\{value\}`\)/);
  const missing = [...literal].filter(([k]) => !(k in en)).map(([k, f]) => `${k} (${f})`);
  assert.deepEqual(missing, [], 'keys used but not in en.json');
  const codes = await keysOfCodes();
  assert.deepEqual(codes.filter((k) => !(k in en)), [], 'code labels missing from en.json');
  const used = new Set([...literal.keys(), ...codes]);
  assert.deepEqual(Object.keys(en).filter((k) => !used.has(k)), [], 'keys in en.json that nothing uses');
  for (const [k, v] of Object.entries(en)) assert.ok(typeof v === 'string' && v.trim(), `en ${k} is empty`);
});

test('Arabic, French and Spanish cover every key; every catalog holds only known keys and keeps placeholders', () => {
  for (const lang of ['ar', 'fr', 'es']) {
    const c = catalog(lang);
    assert.deepEqual(Object.keys(en).filter((k) => !(k in c)), [], `keys missing from ${lang}.json`);
    assert.deepEqual(Object.keys(c).filter((k) => !(k in en)), [], `${lang}.json has keys en.json has not`);
    for (const [k, v] of Object.entries(c)) {
      assert.ok(typeof v === 'string' && v.trim(), `${lang} ${k} is empty`);
      assert.deepEqual(placeholders(v), placeholders(en[k]), `${lang} ${k} changes the placeholders`);
    }
  }
});
