// Family tracing (docs/tracing.md). The requester's side: the agency's requests with their
// status in words, the form of a new request, and one request's page — its status, its own
// details, "Search again" and "Close". Nothing of a child's case ever reaches this side. The
// child's side: a match's review page — the request's details and the match's explanation,
// then the verification, the best-interests assessment and the decision on contact, each sent
// with If-Match on the match's version; the API's 409s are said by the step they concern.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, create, etag, retryKey } from '../lib/api.js';
import { navigate, Link } from '../lib/router.js';
import { usePage } from '../lib/page.js';
import { Field, ErrorSummary, Checkbox, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { useList, useSubmit } from '../lib/section.js';

const NONE = { fields: {}, general: [] };
const lines = (s) => s.split('\n').map((x) => x.trim()).filter(Boolean);

// The API's pointers to the form's fields (a name's own index goes to its list).
const FIELD_OF = {
  '/requester/name': 'tr-req-name', '/requester/relationship': 'tr-req-rel', '/requester/contact': 'tr-req-contact',
  '/child/names': 'tr-names', '/child/nicknames': 'tr-nicknames', '/child/relatives': 'tr-relatives',
  '/child/sex': 'tr-sex', '/child/date_of_birth': 'tr-birth', '/child/birth_estimated': 'tr-birth',
  '/child/age': 'tr-age', '/child/place_of_separation': 'tr-place', '/child/date_of_separation': 'tr-sep-date',
  '/note': 'tr-note',
};
const fieldOf = (p) => FIELD_OF[p] || FIELD_OF[p.replace(/\/[0-9]+$/, '')] || null;

const BLANK = {
  name: '', relationship: '', contact: '', names: '', nicknames: '', sex: 'unknown', birth: '', estimated: false,
  age: '', place: '', sepDate: '', relatives: '', note: '',
};

function requestBody(v) {
  const child = { names: lines(v.names), sex: v.sex };
  if (lines(v.nicknames).length) child.nicknames = lines(v.nicknames);
  if (lines(v.relatives).length) child.relatives = lines(v.relatives);
  if (v.birth) child.date_of_birth = v.birth.trim();
  if (v.birth && v.estimated) child.birth_estimated = true;
  if (v.age !== '') child.age = Number(v.age);
  if (v.place.trim()) child.place_of_separation = v.place;
  if (v.sepDate) child.date_of_separation = v.sepDate.trim();
  const requester = { name: v.name, relationship: v.relationship };
  if (v.contact.trim()) requester.contact = v.contact;
  const body = { requester, child };
  if (v.note.trim()) body.note = v.note;
  return body;
}

function NewRequest({ onSessionEnded }) {
  const [v, setV] = useState(BLANK);
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [retry] = useState(retryKey);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const labels = {
    'tr-req-name': t('tracing.requester_name'), 'tr-req-rel': t('tracing.relationship'),
    'tr-req-contact': t('tracing.contact'), 'tr-names': t('tracing.names'), 'tr-nicknames': t('tracing.nicknames'),
    'tr-sex': t('tracing.sex'), 'tr-birth': t('tracing.birth'), 'tr-age': t('tracing.age'),
    'tr-place': t('tracing.place'), 'tr-sep-date': t('tracing.separation_date'),
    'tr-relatives': t('tracing.relatives'), 'tr-note': t('tracing.note'),
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await create('/api/v1/tracing/requests', requestBody(v), retry);
      navigate(`/tracing/requests/${r.id}`);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, fieldOf));
      setBusy(false);
    }
  };
  const f = (id, key, extra = {}) => html`<${Field} id=${id} label=${labels[id]} value=${v[key]} onInput=${set(key)}
    error=${errors.fields[id]} dir="auto" ...${extra} />`;
  return html`<form onSubmit=${submit} noValidate class="card stack" aria-labelledby="tr-new-h">
    <h2 id="tr-new-h">${t('tracing.new')}</h2>
    <${ErrorSummary} ...${errors} labels=${labels} />
    <fieldset class="stack"><legend>${t('tracing.requester')}</legend>
      ${f('tr-req-name', 'name', { required: true })}
      ${f('tr-req-rel', 'relationship', { required: true, hint: t('tracing.relationship_hint') })}
      ${f('tr-req-contact', 'contact')}
    </fieldset>
    <fieldset class="stack"><legend>${t('tracing.child')}</legend>
      ${f('tr-names', 'names', { as: 'textarea', rows: 2, required: true, hint: t('tracing.one_a_line') })}
      ${f('tr-nicknames', 'nicknames', { as: 'textarea', rows: 2, hint: t('tracing.one_a_line') })}
      <${Field} id="tr-sex" label=${labels['tr-sex']} as="select" options=${codeOptions('sex')} value=${v.sex}
        onChange=${set('sex')} error=${errors.fields['tr-sex']} />
      ${f('tr-birth', 'birth', { hint: t('tracing.birth_hint'), class: 'field--short' })}
      <${Checkbox} id="tr-estimated" label=${t('tracing.estimated')} checked=${v.estimated}
        onChange=${(e) => setV({ ...v, estimated: e.currentTarget.checked })} />
      ${f('tr-age', 'age', { type: 'number', min: 0, max: 30, hint: t('tracing.age_hint'), class: 'field--short' })}
      ${f('tr-place', 'place')}
      ${f('tr-sep-date', 'sepDate', { hint: t('tracing.birth_hint'), class: 'field--short' })}
      ${f('tr-relatives', 'relatives', { as: 'textarea', rows: 2, hint: t('tracing.one_a_line') })}
    </fieldset>
    ${f('tr-note', 'note', { as: 'textarea', rows: 2 })}
    <div class="actions"><button type="submit" class="button button--primary" disabled=${busy}>${t('tracing.record')}</button></div>
  </form>`;
}

export function TracingPage({ onSessionEnded }) {
  usePage(t('tracing.title'));
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/tracing/requests').then((o) => setItems(o.items), (err) => {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    });
  }, []);
  return html`<h1 tabindex="-1">${t('tracing.title')}</h1>
    <p class="muted">${t('tracing.intro')}</p>
    <section class="card" aria-labelledby="tr-list-h"><h2 id="tr-list-h">${t('tracing.requests')}</h2>
      ${error && html`<p class="alert" role="alert">${error}</p>`}
      ${items && (items.length
    ? html`<ul class="task-list">${items.map((r) => html`<li class="task" data-request=${r.id}>
          <${Link} href=${`/tracing/requests/${r.id}`}>${t('tracing.request_of', { time: formatTime(r.created_at) })}<//>
          <span class="tracing__status">${label('tracing_status', r.status)}</span></li>`)}</ul>`
    : html`<p class="empty">${t('tracing.none')}</p>`)}
    </section>
    <${NewRequest} onSessionEnded=${onSessionEnded} />`;
}

function Details({ d }) {
  const c = d.child;
  const row = (name, val) => val && (Array.isArray(val) ? val.length > 0 : true) && html`<div>
    <dt>${name}</dt><dd dir="auto">${Array.isArray(val) ? val.join(', ') : val}</dd></div>`;
  return html`<dl class="facts">
    ${row(t('tracing.requester_name'), d.requester.name)}
    ${row(t('tracing.relationship'), d.requester.relationship)}
    ${row(t('tracing.contact'), d.requester.contact)}
    ${row(t('tracing.names'), c.names)}
    ${row(t('tracing.nicknames'), c.nicknames)}
    ${row(t('tracing.sex'), label('sex', c.sex))}
    ${row(t('tracing.birth'), c.date_of_birth && (c.birth_estimated ? t('tracing.about', { date: c.date_of_birth }) : c.date_of_birth))}
    ${row(t('tracing.age'), c.age !== undefined && String(c.age))}
    ${row(t('tracing.place'), c.place_of_separation)}
    ${row(t('tracing.separation_date'), c.date_of_separation)}
    ${row(t('tracing.relatives'), c.relatives)}
    ${row(t('tracing.note'), d.note)}
  </dl>`;
}

export function TracingRequestPage({ id, onSessionEnded }) {
  const [r, setR] = useState(null);
  const [error, setError] = useState(null);
  const [said, setSaid] = useState(null);
  usePage(t('tracing.request_title'), r !== null);
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else setError(problemMessage(err));
  };
  const load = () => api('GET', `/api/v1/tracing/requests/${id}`).then(setR, fail);
  useEffect(() => { load(); }, [id]);
  const act = (what) => api('POST', `/api/v1/tracing/requests/${id}/${what}`).then((n) => {
    setR({ ...r, ...n });
    setSaid(what === 'match' ? t('tracing.searched', { n: n.matched }) : t('tracing.closed_now'));
  }, fail);
  return html`<h1 tabindex="-1">${t('tracing.request_title')}</h1>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${r && html`<section class="card" aria-labelledby="tr-status-h">
      <h2 id="tr-status-h">${t('tracing.status')}</h2>
      <p class="tracing__says" data-status=${r.status}>${label('tracing_says', r.status)}</p>
      <p class="muted">${t('tracing.never_location')}</p>
      <p role="status" aria-live="polite">${said || ''}</p>
      ${r.status !== 'closed' && html`<div class="actions">
        <button type="button" class="button" onClick=${() => act('match')}>${t('tracing.search_again')}</button>
        <button type="button" class="button" onClick=${() => act('close')}>${t('tracing.close')}</button></div>`}
    </section>
    ${r.request && html`<section class="card" aria-labelledby="tr-details-h"><h2 id="tr-details-h">${t('tracing.details')}</h2>
      <${Details} d=${r.request} /></section>`}`}`;
}

// One step of the child's side: a form whose fields and body are given, sent with If-Match;
// a refusal is said by its fields, or, for a 409 about a step still missing, as that step's
// sentence.
function Step({ title, id, fields, body, path, version, onDone, onSessionEnded, submitLabel, children }) {
  const send = () => api('POST', path, body(), { 'If-Match': etag(version) }).catch((err) => {
    const pointer = err.errors[0]?.pointer;
    if (err.status === 409 && (pointer === '/verification' || pointer === '/best_interests')) {
      err.problem.errors = [{ pointer: '', reason: label('tracing_missing', pointer.slice(1)) }];
    } else if (!err.errors.length && err.status !== 401) {
      err.problem.errors = [{ pointer: '', reason: problemMessage(err) }];
    }
    throw err;
  });
  const f = useSubmit(send, (p) => fields[p] || null, onDone, onSessionEnded);
  return html`<form onSubmit=${f.submit} noValidate class="card stack" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    <${ErrorSummary} ...${f.errors} labels=${{}} />
    ${children(f.errors)}
    <div class="actions"><button type="submit" class="button button--primary" disabled=${f.busy}>${submitLabel}</button></div>
  </form>`;
}

export function TracingMatchPage({ id, onSessionEnded }) {
  const [m, setM] = useState(null);
  const [error, setError] = useState(null);
  const [v, setV] = useState({ method: 'documents', confirmed: 'yes', vnote: '', outcome: '', grounds: '', decision: 'approve', cnote: '' });
  usePage(t('tracing.match_title'), m !== null);
  useEffect(() => {
    api('GET', `/api/v1/tracing/matches/${id}`).then(setM, (err) => {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    });
  }, [id]);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const done = (n) => setM({ ...m, ...n });
  const path = (s) => `/api/v1/tracing/matches/${id}/${s}`;
  const open = m && (m.state === 'proposed' || m.state === 'verifying');
  const common = { version: m?.version, onDone: done, onSessionEnded };
  return html`<h1 tabindex="-1">${t('tracing.match_title')}</h1>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${m && html`<section class="card" aria-labelledby="tr-m-h">
      <h2 id="tr-m-h">${t('tracing.match_state')}: <span class="tracing__state">${label('match_state', m.state)}</span></h2>
      <p class="muted">${t('tracing.explanation')}: ${m.explanation}</p>
      <p><${Link} href=${`/cases/${m.case_id}`}>${t('tracing.to_case')}<//></p>
      ${m.verification && html`<p class="tracing__verified">${t('tracing.verified_by', {
    method: label('verify_method', m.verification.method),
    outcome: m.verification.confirmed ? t('tracing.confirmed') : t('tracing.not_confirmed'),
  })}</p>`}
      ${m.best_interests && html`<p class="tracing__assessed">${label('bia_outcome', m.best_interests.outcome)}</p>`}
    </section>
    ${m.request && html`<section class="card" aria-labelledby="tr-rq-h"><h2 id="tr-rq-h">${t('tracing.details')}</h2>
      <${Details} d=${m.request} /></section>`}
    ${open && html`
      <${Step} title=${t('tracing.verify')} id="tr-v-h" fields=${{ '/method': 'tr-v-method', '/note': 'tr-v-note' }}
        path=${path('verification')} submitLabel=${t('tracing.record_verification')} ...${common}
        body=${() => ({ method: v.method, confirmed: v.confirmed === 'yes', ...(v.vnote.trim() ? { note: v.vnote } : {}) })}>
        ${(e) => html`
          <${Field} id="tr-v-method" label=${t('tracing.method')} as="select" options=${codeOptions('verify_method')}
            value=${v.method} onChange=${set('method')} error=${e.fields['tr-v-method']} />
          <${Field} id="tr-v-outcome" label=${t('tracing.relationship_confirmed')} as="select"
            options=${[{ value: 'yes', label: t('tracing.confirmed') }, { value: 'no', label: t('tracing.not_confirmed') }]}
            value=${v.confirmed} onChange=${set('confirmed')} />
          <${Field} id="tr-v-note" label=${t('tracing.note')} as="textarea" rows="2" value=${v.vnote} onInput=${set('vnote')}
            error=${e.fields['tr-v-note']} dir="auto" />`}
      <//>
      <${Step} title=${t('tracing.assess')} id="tr-a-h" fields=${{ '/outcome': 'tr-a-outcome', '/grounds': 'tr-a-grounds' }}
        path=${path('assessment')} submitLabel=${t('tracing.record_assessment')} ...${common}
        body=${() => ({ outcome: v.outcome, grounds: v.grounds })}>
        ${(e) => html`
          <${Field} id="tr-a-outcome" label=${t('tracing.outcome')} as="select" options=${codeOptions('bia_outcome', t('form.choose'))}
            value=${v.outcome} onChange=${set('outcome')} error=${e.fields['tr-a-outcome']} required />
          <${Field} id="tr-a-grounds" label=${t('tracing.grounds')} as="textarea" rows="3" value=${v.grounds}
            onInput=${set('grounds')} error=${e.fields['tr-a-grounds']} dir="auto" required />`}
      <//>
      <${Step} title=${t('tracing.contact_decision')} id="tr-c-h" fields=${{ '/note': 'tr-c-note' }}
        path=${path('contact')} submitLabel=${t('tracing.record_decision')} ...${common}
        body=${() => ({ approve: v.decision === 'approve', ...(v.cnote.trim() ? { note: v.cnote } : {}) })}>
        ${(e) => html`
          <${Field} id="tr-c-decision" label=${t('tracing.decision')} as="select"
            options=${[{ value: 'approve', label: t('tracing.approve') }, { value: 'decline', label: t('tracing.decline') }]}
            value=${v.decision} onChange=${set('decision')} />
          <${Field} id="tr-c-note" label=${t('tracing.note')} as="textarea" rows="2" value=${v.cnote} onInput=${set('cnote')}
            error=${e.fields['tr-c-note']} hint=${t('tracing.decline_hint')} dir="auto" />`}
      <//>`}`}`;
}

// The case page's tracing requests matched with the child (the child's side): shown only when
// there is one, each with its state, why it matched and the link to its review.
export function TracingSection({ caseId, onSessionEnded }) {
  const list = useList(`/api/v1/cases/${caseId}/tracing-matches`, onSessionEnded);
  if (!list.items?.length) return null;
  return html`<section class="card" aria-labelledby="tracing-h"><h2 id="tracing-h">${t('tracing.case_title')}</h2>
    <ul class="task-list">${list.items.map((m) => html`<li class="task" data-match=${m.id}>
      <${Link} href=${`/tracing/matches/${m.id}`}>${label('match_state', m.state)}<//>
      <span class="muted">${m.explanation}</span></li>`)}</ul>
  </section>`;
}
