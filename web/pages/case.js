// One case: its workflow columns, the person (when the policy lets the reader see them),
// safety information (only when the API sends it: need-to-know), screenings, needs, tasks,
// decisions, deadlines and referrals (their own modules; "Refer" opens the referral flow),
// notes and consents, with forms to add either.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, create, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { CaseBadges } from './badges.js';
import { ScreeningsSection } from './screening.js';
import { useAddForm } from '../lib/section.js';
import { NeedsSection } from './needs.js';
import { TasksSection } from './tasks.js';
import { PlanSection } from './plan.js';
import { DecisionsSection } from './decisions.js';
import { DeadlinesSection } from './deadlines.js';
import { ReferralsSection } from './referrals.js';
import { ReferralFlow } from './refer.js';
import { LifecycleSection, BreakGlass } from './approvals.js';
import { FamilySection } from './family.js';
import { TracingSection } from './tracing.js';

const NONE = { fields: {}, general: [] };

function Fact({ name, children }) {
  return html`<div><dt>${name}</dt><dd>${children}</dd></div>`;
}

export function fullName(names, which) {
  return (names || []).map((n) => n[which]).filter(Boolean).join(' ');
}

// A date of birth as the API gives it: the ISO span, and the date as the document has it
// when it was entered in another calendar.
export function BirthDate({ dob }) {
  if (!dob) return t('person.unknown');
  const parts = [dob.date];
  if (dob.calendar) {
    const asEntered = [dob.year, dob.month, dob.day].filter(Boolean).join('-');
    parts.push(t('person.dob_entered_as', { date: asEntered, calendar: label('calendar', dob.calendar) }));
  }
  if (dob.estimated) parts.push(t('person.estimated'));
  return parts.join(' · ');
}

function Person({ p }) {
  const original = fullName(p.names, 'original');
  const romanised = fullName(p.names, 'romanised');
  return html`<section class="card" aria-labelledby="person-h">
    <h2 id="person-h">${t('case.person')}</h2>
    <p class="person-name" dir="auto">${original || romanised}</p>
    ${original && romanised && html`<p class="person-name__alt" dir="auto">${romanised}</p>`}
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">${t('person.name_parts')}</caption>
        <thead><tr><th scope="col">${t('person.name_role')}</th><th scope="col">${t('person.original')}</th>
          <th scope="col">${t('person.romanised')}</th><th scope="col">${t('person.script')}</th></tr></thead>
        <tbody>
          ${p.names.map((n) => html`<tr><td>${label('name_role', n.role)}</td><td dir="auto">${n.original || '—'}</td>
            <td dir="auto">${n.romanised || '—'}</td><td>${n.script || '—'}</td></tr>`)}
        </tbody>
      </table>
    </div>
    <dl class="facts">
      <${Fact} name=${t('person.sex')}>${p.sex ? label('sex', p.sex) : t('person.unknown')}<//>
      ${p.gender_identity && html`<${Fact} name=${t('person.gender')}>${label('gender', p.gender_identity)}<//>`}
      <${Fact} name=${t('person.date_of_birth')}><${BirthDate} dob=${p.date_of_birth} /><//>
      <${Fact} name=${t('person.nationalities')}>${(p.nationalities || []).join(', ') || '—'}<//>
      <${Fact} name=${t('person.languages')}>${(p.languages || []).join(', ') || '—'}<//>
    </dl>
    ${(p.aliases || []).length > 0 && html`<h3>${t('person.aliases')}</h3>
      <ul class="bullets">${p.aliases.map((a) => html`<li dir="auto">${fullName(a.names, 'original') || fullName(a.names, 'romanised')}</li>`)}</ul>`}
    ${(p.documents || []).length > 0 && html`<h3>${t('person.documents')}</h3>
      <ul class="bullets">${p.documents.map((d) => html`<li>${label('document_type', d.type)} · ${d.country} · <span dir="ltr">${d.number}</span></li>`)}</ul>`}
    ${(p.contacts || []).length > 0 && html`<h3>${t('person.contacts')}</h3>
      <ul class="bullets">${p.contacts.map((c) => html`<li>${label('contact_kind', c.kind)} · <span dir="ltr">${c.value}</span></li>`)}</ul>`}
  </section>`;
}

function Safety({ s }) {
  return html`<section class="card card--warning" aria-labelledby="safety-h">
    <h2 id="safety-h">${t('safety.title')}</h2>
    <p class="muted">${t('safety.intro')}</p>
    <dl class="facts facts--stacked">
      ${s.safe_contact && html`<${Fact} name=${t('safety.safe_contact')}><span dir="auto">${s.safe_contact}</span><//>`}
      ${s.never_use && html`<${Fact} name=${t('safety.never_use')}><span dir="auto">${s.never_use}</span><//>`}
      ${s.people_to_avoid && html`<${Fact} name=${t('safety.people_to_avoid')}><span dir="auto">${s.people_to_avoid}</span><//>`}
    </dl>
  </section>`;
}

function Notes({ caseId, me, onSessionEnded }) {
  const [items, setItems] = useState(null);
  const [retry] = useState(retryKey); // this form's Idempotency-Key, kept across its retries
  const [error, setError] = useState(null);
  const [denied, setDenied] = useState(false);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  const load = () => api('GET', `/api/v1/cases/${caseId}/notes`).then((o) => setItems(o.items), (err) => {
    if (err.status === 401) onSessionEnded();
    else if (err.status === 403) setDenied(true);
    else setError(problemMessage(err));
  });
  useEffect(() => { load(); }, [caseId]);
  const submit = async (e) => {
    e.preventDefault();
    if (!text.trim()) {
      setErrors({ fields: { 'note-text': t('form.required') }, general: [] });
      return;
    }
    setBusy(true);
    try {
      await create(`/api/v1/cases/${caseId}/notes`, { text }, retry);
      setText('');
      setErrors(NONE);
      setSaved(t('notes.saved'));
      await load();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, (p) => (p === '/text' ? 'note-text' : null)));
    }
    setBusy(false);
  };
  if (denied) {
    return html`<section class="card" aria-labelledby="notes-h">
      <h2 id="notes-h">${t('notes.title')}</h2><p class="muted">${t('notes.denied')}</p></section>`;
  }
  return html`<section class="card" aria-labelledby="notes-h">
    <h2 id="notes-h">${t('notes.title')}</h2>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${items && (items.length
      ? html`<ol class="notes">${items.map((n) => html`<li class="note">
          <p class="note__meta">${formatTime(n.created_at)} · ${n.author === me.id ? t('notes.by_you') : t('notes.by_colleague')}</p>
          <p class="note__text" dir="auto">${n.text}</p></li>`)}</ol>`
      : html`<p class="empty">${t('notes.none')}</p>`)}
    <form onSubmit=${submit} noValidate class="stack">
      <${ErrorSummary} ...${errors} labels=${{ 'note-text': t('notes.new') }} />
      <${Field} id="note-text" as="textarea" rows="4" label=${t('notes.new')} hint=${t('notes.hint')} value=${text}
        onInput=${(e) => setText(e.currentTarget.value)} error=${errors.fields['note-text']} dir="auto" />
      <div class="actions">
        <button type="submit" class="button button--primary" disabled=${busy}>${t('notes.add')}</button>
        <span class="muted" role="status">${saved}</span>
      </div>
    </form>
  </section>`;
}

const CONSENT_FIELDS = ['purpose', 'status', 'method', 'by', 'given_by_name', 'child_assent', 'scope_agency',
  'scope_country', 'interpreter_used', 'interpreter_language', 'note'];

function consentBody(v) {
  const b = { purpose: v.purpose, status: v.status, method: v.method, by: v.by };
  if (v.by !== 'person' && v.child_assent) b.child_assent = v.child_assent;
  if (v.by !== 'person' && v.given_by_name.trim()) b.given_by_name = v.given_by_name.trim();
  if (v.purpose === 'referral') b.scope_agency = v.scope_agency.trim();
  if (v.purpose === 'data_sharing') b.scope_country = v.scope_country.trim().toUpperCase();
  if (v.interpreter_used) {
    b.interpreter_used = true;
    if (v.interpreter_language.trim()) b.interpreter_language = v.interpreter_language.trim();
  }
  if (v.note.trim()) b.note = v.note;
  return b;
}

function consentField(p) {
  const name = p.slice(1).split('/')[0];
  return CONSENT_FIELDS.includes(name) ? `consent-${name}` : null;
}

function Consents({ caseId, onSessionEnded }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [denied, setDenied] = useState(false);
  const blank = { purpose: 'services', status: 'given', method: 'verbal', by: 'person', child_assent: '', given_by_name: '',
    scope_agency: '', scope_country: '', interpreter_used: false, interpreter_language: '', note: '' };
  const load = () => api('GET', `/api/v1/cases/${caseId}/consents`).then((o) => setItems(o.items), (err) => {
    if (err.status === 401) onSessionEnded();
    else if (err.status === 403) setDenied(true);
    else setError(problemMessage(err));
  });
  useEffect(() => { load(); }, [caseId]);
  const f = useAddForm({ path: `/api/v1/cases/${caseId}/consents`, blank, body: consentBody, fieldOf: consentField,
    onAdded: load, onSessionEnded });
  const { v, set, errors } = f;
  const labels = {
    'consent-purpose': t('consent.purpose'), 'consent-status': t('consent.status'),
    'consent-method': t('consent.method'), 'consent-by': t('consent.by'), 'consent-given_by_name': t('consent.given_by_name'),
    'consent-child_assent': t('consent.child_assent'), 'consent-scope_agency': t('consent.scope_agency'),
    'consent-scope_country': t('consent.scope_country'), 'consent-interpreter_used': t('consent.interpreter_used'),
    'consent-interpreter_language': t('consent.interpreter_language'), 'consent-note': t('consent.note'),
  };
  const err = (f) => errors.fields[`consent-${f}`];
  if (denied) {
    return html`<section class="card" aria-labelledby="consents-h">
      <h2 id="consents-h">${t('consents.title')}</h2><p class="muted">${t('consents.denied')}</p></section>`;
  }
  return html`<section class="card" aria-labelledby="consents-h">
    <h2 id="consents-h">${t('consents.title')}</h2>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${items && (items.length
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label=${t('consents.title')}><table class="table">
          <caption class="visually-hidden">${t('consents.title')}</caption>
          <thead><tr><th scope="col">${labels['consent-purpose']}</th><th scope="col">${labels['consent-status']}</th>
            <th scope="col">${labels['consent-method']}</th><th scope="col">${labels['consent-by']}</th>
            <th scope="col">${t('consents.recorded')}</th></tr></thead>
          <tbody>${items.map((c) => html`<tr>
            <td>${label('purpose', c.purpose)}${c.scope_country ? ` (${c.scope_country})` : ''}</td>
            <td>${label('consent_status', c.status)}</td><td>${label('method', c.method)}</td>
            <td>${label('by', c.by)}${c.given_by_name ? html` (<span dir="auto">${c.given_by_name}</span>)` : ''}</td>
            <td>${formatTime(c.recorded_at)}</td></tr>`)}</tbody>
        </table></div>`
      : html`<p class="empty">${t('consents.none')}</p>`)}
    ${!f.open
      ? html`<button type="button" class="button" aria-expanded="false" onClick=${f.show}>${t('consents.add')}</button>`
      : html`<form onSubmit=${f.submit} noValidate class="stack">
          <h3>${t('consents.new')}</h3>
          <${ErrorSummary} ...${errors} labels=${labels} />
          <div class="grid">
            <${Field} id="consent-purpose" label=${labels['consent-purpose']} as="select" options=${codeOptions('purpose')}
              value=${v.purpose} onChange=${set('purpose')} error=${err('purpose')} required />
            <${Field} id="consent-status" label=${labels['consent-status']} as="select" options=${codeOptions('consent_status')}
              value=${v.status} onChange=${set('status')} error=${err('status')} required />
            <${Field} id="consent-method" label=${labels['consent-method']} as="select" options=${codeOptions('method')}
              value=${v.method} onChange=${set('method')} error=${err('method')} required />
            <${Field} id="consent-by" label=${labels['consent-by']} as="select" options=${codeOptions('by')}
              value=${v.by} onChange=${set('by')} error=${err('by')} />
            ${v.by !== 'person' && html`<${Field} id="consent-given_by_name" label=${labels['consent-given_by_name']}
              hint=${t('consent.given_by_name_hint')} value=${v.given_by_name} onInput=${set('given_by_name')}
              error=${err('given_by_name')} dir="auto" required />`}
            ${v.by !== 'person' && html`<${Field} id="consent-child_assent" label=${labels['consent-child_assent']} as="select"
              options=${codeOptions('assent', t('form.choose'))} value=${v.child_assent} onChange=${set('child_assent')} error=${err('child_assent')} />`}
            ${v.purpose === 'referral' && html`<${Field} id="consent-scope_agency" label=${labels['consent-scope_agency']}
              hint=${t('consent.scope_agency_hint')} value=${v.scope_agency} onInput=${set('scope_agency')} error=${err('scope_agency')} required />`}
            ${v.purpose === 'data_sharing' && html`<${Field} id="consent-scope_country" label=${labels['consent-scope_country']}
              hint=${t('person.country_hint')} value=${v.scope_country} onInput=${set('scope_country')} error=${err('scope_country')} required class="field--short" />`}
          </div>
          <${Checkbox} id="consent-interpreter_used" label=${labels['consent-interpreter_used']} checked=${v.interpreter_used}
            onChange=${(e) => f.setV({ ...v, interpreter_used: e.currentTarget.checked })} error=${err('interpreter_used')} />
          ${v.interpreter_used && html`<${Field} id="consent-interpreter_language" label=${labels['consent-interpreter_language']}
            hint=${t('person.language_hint')} value=${v.interpreter_language} onInput=${set('interpreter_language')}
            error=${err('interpreter_language')} class="field--short" />`}
          <${Field} id="consent-note" as="textarea" rows="3" label=${labels['consent-note']} value=${v.note}
            onInput=${set('note')} error=${err('note')} dir="auto" />
          <div class="actions">
            <button type="submit" class="button button--primary" disabled=${f.busy}>${t('consents.save')}</button>
            <button type="button" class="button button--quiet" onClick=${f.cancel}>${t('form.cancel')}</button>
          </div>
        </form>`}
  </section>`;
}

export function CasePage({ id, me, onSessionEnded }) {
  const [c, setC] = useState(null);
  const [error, setError] = useState(null);
  const [decided, setDecided] = useState(0); // decisions recorded here: each one reads the deadlines again
  const [referring, setReferring] = useState(null); // the referral flow's start (refer.js), while open
  const [sent, setSent] = useState(0); // referrals sent here: each one reads the needs and referrals again
  const [read, setRead] = useState(0); // reopened, or opened by break-glass: read the case again
  usePage(c ? t('case.title', { number: c.number }) : t('case.loading'), Boolean(c || error));
  useEffect(() => {
    api('GET', `/api/v1/cases/${id}`).then(setC, (err) => {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    });
  }, [id, read]);
  const again = () => setRead((n) => n + 1);
  if (error) {
    return html`<div class="page"><h1 tabindex="-1">${t('case.unavailable')}</h1>
      <p class="alert" role="alert">${error}</p><p><${Link} href="/cases">${t('case.back')}<//></p></div>`;
  }
  if (!c) return html`<div class="page"><h1 tabindex="-1">${t('case.loading')}</h1></div>`;
  return html`<div class="page">
    <p class="breadcrumb"><${Link} href="/cases">${t('case.back')}<//></p>
    <div class="page__head">
      <h1 tabindex="-1">${t('case.title', { number: c.number })}</h1>
      <${CaseBadges} c=${c} />
    </div>
    ${me.roles.includes('dpo') && html`<p><a class="button" href=${`/subject-access?case=${encodeURIComponent(c.number)}`}>${t('subject.from_case')}</a></p>`}
    <section class="card" aria-labelledby="summary-h">
      <h2 id="summary-h" class="visually-hidden">${t('case.summary')}</h2>
      <dl class="facts">
        <${Fact} name=${t('case.opened')}>${formatTime(c.created_at)}<//>
        <${Fact} name=${t('case.updated')}>${formatTime(c.updated_at)}<//>
        <${Fact} name=${t('case.assigned')}>${c.assigned === me.id ? t('case.assigned_you') : c.assigned ? t('case.assigned_other') : t('case.assigned_none')}<//>
        ${c.closed_at && html`<${Fact} name=${t('case.closed')}>${formatTime(c.closed_at)}<//>`}
      </dl>
    </section>
    ${c.person ? html`<${Person} p=${c.person} />` : html`<p class="notice">${t('case.no_person')}</p>
      <${BreakGlass} caseId=${id} onOpened=${again} onSessionEnded=${onSessionEnded} />`}
    ${c.person?.safety && html`<${Safety} s=${c.person.safety} />`}
    ${c.person && html`<${FamilySection} c=${c} onChanged=${again} onSessionEnded=${onSessionEnded} />`}
    <${LifecycleSection} key=${c.version} c=${c} me=${me} onChanged=${again} onSessionEnded=${onSessionEnded} />
    <${ScreeningsSection} caseId=${id} onSessionEnded=${onSessionEnded} />
    <${NeedsSection} key=${`needs-${sent}`} caseId=${id} onSessionEnded=${onSessionEnded} onRefer=${setReferring} />
    ${referring && html`<${ReferralFlow} key=${JSON.stringify(referring)} caseId=${id} start=${referring}
      onSent=${() => setSent((n) => n + 1)} onClose=${() => setReferring(null)} onSessionEnded=${onSessionEnded} />`}
    <${ReferralsSection} key=${`referrals-${sent}`} caseId=${id} onRefer=${setReferring} onSessionEnded=${onSessionEnded} />
    <${TasksSection} caseId=${id} onSessionEnded=${onSessionEnded} withForm />
    <${PlanSection} caseId=${id} onSessionEnded=${onSessionEnded} />
    <${TracingSection} caseId=${id} onSessionEnded=${onSessionEnded} />
    <${DecisionsSection} caseId=${id} onSessionEnded=${onSessionEnded} onRecorded=${() => setDecided((n) => n + 1)} />
    <${DeadlinesSection} key=${decided} caseId=${id} onSessionEnded=${onSessionEnded} />
    <${Notes} caseId=${id} me=${me} onSessionEnded=${onSessionEnded} />
    <${Consents} caseId=${id} onSessionEnded=${onSessionEnded} />
  </div>`;
}
