// The response check of openapi.mjs, which every other API test relies on, on answers written
// by hand: it passes what the document describes and finds each kind of difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedRequestErrors, answerErrors, doc, unknownKeywords, validate } from './openapi.mjs';

const ID = '0192f0c4-7a1b-7c3d-8e4f-0123456789ab';
const TIME = '2026-11-28T13:20:18.352123Z';
const json = { 'content-type': 'application/json' };
const problem = { 'content-type': 'application/problem+json' };

function answer(status, headers, body) {
  return { status, headers: new Headers(headers), text: body === undefined ? '' : JSON.stringify(body) };
}

const kase = {
  id: ID, number: 'NGO-2026-000021', person_id: ID, agency: ID, assigned: null, status: 'open',
  priority: 'high', flags: ['possible_victim_of_trafficking'], version: 1, created_at: TIME,
  updated_at: TIME, closed_at: null,
};

test('an answer as documented passes', () => {
  assert.deepEqual(answerErrors(doc, 'POST', '/api/v1/cases',
    answer(201, { ...json, location: `/api/v1/cases/${ID}` }, kase)), []);
  assert.deepEqual(answerErrors(doc, 'GET', `/api/v1/cases/${ID}`, answer(200, { ...json, etag: '"1"' }, {
    ...kase, person: { names: [{ role: 'given', romanised: 'Amanuel' }], sex: 'male', nationalities: ['ER'],
      languages: [], date_of_birth: { date: '2006', estimated: true } },
  })), []);
  assert.deepEqual(answerErrors(doc, 'GET', '/api/v1/cases?limit=1', answer(200, json,
    { items: [{ id: ID, number: 'N-1', status: 'open', priority: 'low', flags: [], name: null }], next_cursor: null })), []);
  assert.deepEqual(answerErrors(doc, 'DELETE', '/api/v1/session',
    answer(204, { 'set-cookie': 'sp_session=; Max-Age=0' })), []);
  assert.deepEqual(answerErrors(doc, 'POST', '/api/v1/cases', answer(400, problem, {
    type: 'urn:safepath:problem:validation', title: 'The request has invalid fields', status: 400,
    errors: [{ pointer: '/person/names', reason: 'is required' }] })), []);
});

test('an undocumented, missing or mistyped member is found', () => {
  const errs = (body) => answerErrors(doc, 'POST', '/api/v1/cases',
    answer(201, { ...json, location: '/x' }, body));
  assert.match(errs({ ...kase, secret: 'x' }).join(), /body\/secret: is not in the document/);
  const { version, ...noVersion } = kase;
  assert.equal(version, 1);
  assert.match(errs(noVersion).join(), /body\/version: is required and missing/);
  assert.match(errs({ ...kase, version: '1' }).join(), /body\/version: is string/);
  assert.match(errs({ ...kase, status: 'lost' }).join(), /body\/status: "lost" is not in the enum/);
  assert.match(errs({ ...kase, id: 'ABC' }).join(), /body\/id: is not a uuid/);
  assert.match(errs({ ...kase, created_at: '28/11/2026' }).join(), /body\/created_at: is not a date-time/);
  assert.match(errs({ ...kase, flags: ['vip'] }).join(), /body\/flags\/0: "vip" is not in the enum/);
  assert.match(answerErrors(doc, 'GET', '/api/v1/me', answer(401, problem,
    { type: 'urn:safepath:problem:unauthenticated', title: 'Log in first', status: 401,
      errors: [{ pointer: '' }] })).join(), /body\/errors\/0\/reason: is required and missing/);
});

test('an undocumented status, media type, header or body is found', () => {
  assert.match(answerErrors(doc, 'GET', '/api/v1/me', answer(418, problem, {})).join(),
    /GET \/api\/v1\/me 418: the status is not documented/);
  assert.match(answerErrors(doc, 'GET', '/api/v1/me', answer(200, { 'content-type': 'text/html' }, {})).join(),
    /content type text\/html is not documented/);
  assert.match(answerErrors(doc, 'POST', '/api/v1/cases', answer(201, json, kase)).join(),
    /header Location is documented and missing/);
  assert.match(answerErrors(doc, 'POST', '/api/v1/me/password', answer(204, json, {})).join(),
    /a body where the document has none/);
  // no operation: a problem document is the only answer
  assert.match(answerErrors(doc, 'GET', '/api/v1/nowhere', answer(404, json, { items: [] })).join(),
    /content type application\/json is not documented/);
  // the web shell's static routes are out of the document's scope
  assert.deepEqual(answerErrors(doc, 'GET', '/assets/app.js', answer(200, { 'content-type': 'text/javascript' })), []);
});

test('a schema keyword the check does not know is refused, not ignored', () => {
  assert.throws(() => validate(doc, { type: 'string', maxLength: 3 }, 'abcd'), /keyword maxLength is not checked/);
  assert.throws(() => validate(doc, { type: 'object', properties: { a: { type: 'string' } } }, { a: 'x' }),
    /additionalProperties: false/);
});

test('every schema of the document uses only keywords the check reads', () => {
  assert.deepEqual(unknownKeywords(doc), []);
  const altered = structuredClone(doc);
  altered.components.schemas.NoteCreate.properties.text['no control characters'] = null;
  altered.components.schemas.Case.properties.number.maxLength = 32;
  assert.deepEqual(unknownKeywords(altered), [
    '#/components/schemas/Case/properties/number: maxLength',
    '#/components/schemas/NoteCreate/properties/text: no control characters',
  ]);
});

test('a request the server accepted must be one the document describes', () => {
  const person = { names: [{ role: 'given', romanised: 'Amanuel' }], sex: 'male' };
  assert.deepEqual(acceptedRequestErrors(doc, 'POST', '/api/v1/cases', JSON.stringify({ person, priority: 'high' })), []);
  assert.match(acceptedRequestErrors(doc, 'POST', '/api/v1/cases', JSON.stringify({ person, colour: 'red' })).join(),
    /POST \/api\/v1\/cases request: body\/colour: is not in the document/);
  assert.match(acceptedRequestErrors(doc, 'POST', '/api/v1/cases', JSON.stringify({ person: { ...person, sex: 'x' } })).join(),
    /body\/person\/sex: "x" is not in the enum/);
  assert.match(acceptedRequestErrors(doc, 'POST', '/api/v1/cases', undefined).join(), /accepted without the body/);
  assert.match(acceptedRequestErrors(doc, 'GET', '/api/v1/me', '{}').join(), /a body was accepted where the document has none/);
  assert.deepEqual(acceptedRequestErrors(doc, 'GET', '/api/v1/me', undefined), []);
});
