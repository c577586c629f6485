// The access matrix of Foundation I through HTTP: one log-in per demo role, its cookie reused
// for every request, and for each role a representative allow or deny on every resource. The
// expectations are written by hand from tests/data/policy/matrix.tsv and the demo accounts
// (src/cli/cmd_demo.c): the case K below belongs to the NGO and is assigned to
// demo.caseworker; the screener is at immigration (IMM, enforcement: the firewall), the
// childworker at the child protection authority (CPA), the provider at a shelter (SHL), the
// coordinator and the administrator at an international organisation (IOR), everyone else at
// the NGO.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, demo, login, request } from './lib.mjs';

const ROLES = ['screener', 'identifier', 'caseworker', 'childworker', 'focal', 'provider', 'supervisor',
  'coordinator', 'dpo', 'admin'];
const as = {}; // role -> { cookie, csrf }
let K; // the NGO's case, assigned to demo.caseworker
let etag;

const person = { names: [{ role: 'given', romanised: 'Matrixa' }], sex: 'female' };
const consent = { purpose: 'services', status: 'given', method: 'verbal' };

before(async () => {
  for (const role of ROLES) {
    const s = await login(`demo.${role}`, demo.password);
    assert.equal(s.res.status, 201, `log-in of demo.${role}`);
    as[role] = { cookie: s.cookie, csrf: s.csrf };
  }
  const res = await request('POST', '/api/v1/cases', { ...as.caseworker, body: { person } });
  assert.equal(res.status, 201, res.text);
  K = res.json;
});

// What each role gets, by resource: a status, or [403, policy reason]. Written by hand.
const F = (reason) => [403, reason];
const expect = {
  //              list  create get  patch notesR notesW consR consW agencies agencyW users audit
  screener: [200, 201, F('firewall'), F('firewall'), F('firewall'), F('firewall'), F('firewall'),
    F('firewall'), 200, F('no_role'), F('no_role'), F('no_role')],
  identifier: [200, 201, 200, F('not_assigned'), F('not_assigned'), F('not_assigned'),
    F('not_assigned'), F('not_assigned'), 200, F('no_role'), F('no_role'), F('no_role')],
  caseworker: [200, 201, 200, 200, 200, 201, 200, 201, 200, F('no_role'), F('no_role'), F('no_role')],
  childworker: [200, 201, F('other_agency'), F('other_agency'), F('other_agency'), F('other_agency'),
    F('other_agency'), F('other_agency'), 200, F('no_role'), F('no_role'), F('no_role')],
  focal: [200, 201, 200, F('not_assigned'), F('not_assigned'), F('not_assigned'), F('not_assigned'),
    F('not_assigned'), 200, F('no_role'), F('no_role'), F('no_role')],
  provider: [F('no_role'), F('no_role'), F('no_referral'), F('no_role'), F('no_role'), F('no_role'),
    F('no_role'), F('no_role'), 200, F('no_role'), F('no_role'), F('no_role')],
  supervisor: [200, 201, 200, 200, 200, 201, 200, 201, 200, F('no_role'), F('no_role'), F('no_role')],
  coordinator: [F('aggregates_only'), F('aggregates_only'), F('aggregates_only'), F('aggregates_only'),
    F('aggregates_only'), F('aggregates_only'), F('aggregates_only'), F('aggregates_only'), 200,
    F('no_role'), F('no_role'), F('no_role')],
  dpo: [F('audit_only'), F('audit_only'), F('audit_only'), F('audit_only'), F('audit_only'),
    F('audit_only'), F('audit_only'), F('audit_only'), 200, F('no_role'), F('no_role'), 200],
  admin: [F('admin_no_case_data'), F('admin_no_case_data'), F('admin_no_case_data'),
    F('admin_no_case_data'), F('admin_no_case_data'), F('admin_no_case_data'),
    F('admin_no_case_data'), F('admin_no_case_data'), 200, 201, 200, F('no_role')],
};

// The requests, in the order of the columns above.
const calls = [
  ['cases list', (s) => request('GET', '/api/v1/cases', s)],
  ['case create', (s) => request('POST', '/api/v1/cases', { ...s, body: { person } })],
  ['case get', (s) => request('GET', `/api/v1/cases/${K.id}`, s)],
  ['case patch', (s) => request('PATCH', `/api/v1/cases/${K.id}`,
    { ...s, headers: { 'if-match': etag }, body: { priority: 'high' } })],
  ['notes list', (s) => request('GET', `/api/v1/cases/${K.id}/notes`, s)],
  ['note add', (s) => request('POST', `/api/v1/cases/${K.id}/notes`, { ...s, body: { text: 'seen today' } })],
  ['consents list', (s) => request('GET', `/api/v1/cases/${K.id}/consents`, s)],
  ['consent add', (s) => request('POST', `/api/v1/cases/${K.id}/consents`, { ...s, body: consent })],
  ['agencies list', (s) => request('GET', '/api/v1/agencies', s)],
  ['agency create', (s) => request('POST', '/api/v1/agencies', {
    ...s, body: { code: `M${'ABCDEFGHIJ'[ROLES.indexOf(s.role)]}X`, name: 'Matrix shelter', kind: 'shelter', country: 'ZZ' },
  })],
  ['users list', (s) => request('GET', '/api/v1/users', s)],
  ['audit list', (s) => request('GET', '/api/v1/audit?limit=5', s)],
];

for (const role of ROLES) {
  test(`demo.${role}: the policy's answer on every resource`, async () => {
    for (const [i, [name, call]] of calls.entries()) {
      // the case's current version, so a refused patch is refused by the policy, not 412
      const now = await request('GET', `/api/v1/cases/${K.id}`, as.caseworker);
      etag = now.headers.get('etag');
      const res = await call({ ...as[role], role });
      const want = expect[role][i];
      if (Array.isArray(want)) {
        assertProblem(assert, res, want[0], 'forbidden');
        assert.equal(res.json.reason, want[1], `${role} ${name}: ${res.text}`);
      } else {
        assert.equal(res.status, want, `${role} ${name}: ${res.text}`);
      }
    }
  });
}

test('what the case page shows follows the field classes: the person only to those allowed', async () => {
  const shown = {};
  for (const role of ['identifier', 'caseworker', 'focal', 'supervisor']) {
    const res = await request('GET', `/api/v1/cases/${K.id}`, as[role]);
    assert.equal(res.status, 200, res.text);
    shown[role] = 'person' in res.json;
  }
  // identity is need-to-know for the unassigned identifier and focal point (not_assigned)
  assert.deepEqual(shown, { identifier: false, caseworker: true, focal: false, supervisor: true });
});
