// Referring a need to a service (docs/web.md "Referrals"), in four steps on a phone: 1 the
// services that meet the need (GET /api/v1/services?need=&case=, with why each matched) and
// the urgency, which drafts the referral (Idempotency-Key); 2 the person's consent to refer to
// the provider's agency (GET /api/v1/cases/:id/consents), recorded here when missing; 3 the
// preview of exactly the fields the provider will see (the draft's profile, with the person's
// values where the caseworker may see them); 4 send (If-Match). The server decides: a send
// without the consent it needs is refused at /consent, and its words are shown at step 2.
// Where the deployment's jurisdiction gives a legal basis to act without consent (GET
// /api/v1/jurisdiction, member consent: a child; an adult's anonymous duty-to-notify report),
// step 2 offers to ask a supervisor for it (POST /api/v1/referrals/:id/override); the send
// goes once the supervisor approved it on the Approvals page.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, create, etag, retryKey } from '../lib/api.js';
import { Field, ErrorSummary, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { vocab, vocabOptions } from '../lib/vocab.js';
import { fireEvent, typeTitle, ProfileFields, Summary, Due } from './referral_parts.js';

const NONE = { fields: {}, general: [] };
// the steps' names, looked up when drawn (in the language of the moment)
const STEPS = [() => t('refer.step_service'), () => t('refer.step_consent'), () => t('refer.step_preview'),
  () => t('refer.step_send')];

// The consent a send looks at: the newest referral consent scoped to the provider's agency, or
// for a provider not on safepath the newest services consent (docs/referrals.md).
function consentFor(items, draft) {
  const fits = (c) => (draft.on_safepath ? c.purpose === 'referral' && c.scope_agency === draft.provider_agency_id
    : c.purpose === 'services');
  return items.filter(fits).sort((a, b) => (a.recorded_at < b.recorded_at ? 1 : -1))[0] || null;
}

function Steps({ step }) {
  return html`<ol class="steps">${STEPS.map((k, i) => html`<li aria-current=${i + 1 === step ? 'step' : undefined}
    class=${i + 1 === step ? 'steps__current' : ''}>${k()}</li>`)}</ol>`;
}

// Step 1: the services, why each matched, a focal-point-only one marked; the urgency.
function ChooseService({ start, caseId, onDrafted, onClose, onSessionEnded }) {
  const [hits, setHits] = useState(null);
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState(start.serviceId || '');
  const [urgency, setUrgency] = useState('routine');
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [retry] = useState(retryKey);
  useEffect(() => {
    const q = new URLSearchParams({ need: start.need, case: caseId });
    if (start.kind) q.set('kind', start.kind);
    api('GET', `/api/v1/services?${q}`).then((o) => setHits(o.items), (err) => {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    });
  }, [start.need, start.kind]);
  const submit = async (e) => {
    e.preventDefault();
    const body = start.screeningId ? { screening_id: start.screeningId, suggestion: start.suggestion }
      : { need_id: start.needId };
    if (chosen) body.service_id = chosen;
    body.urgency = urgency;
    setBusy(true);
    try {
      const hit = hits.find((s) => s.id === chosen);
      onDrafted(await create(`/api/v1/cases/${caseId}/referrals`, body, retry), hit?.organization || '');
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, (p) => ({ '/service': 'ref-service', '/service_id': 'ref-service',
        '/urgency': 'ref-urgency' }[p] || null)));
    }
    setBusy(false);
  };
  const labels = { 'ref-service': t('refer.service'), 'ref-urgency': t('referrals.urgency') };
  return html`<form onSubmit=${submit} noValidate class="stack">
    <${ErrorSummary} ...${errors} labels=${labels} />
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${hits && (hits.length ? html`<fieldset class="choices" aria-describedby=${errors.fields['ref-service'] ? 'ref-service-error' : undefined}>
      <legend>${labels['ref-service']}</legend>
      <ul class="service-list">${hits.map((s, i) => html`<li class="service" data-service=${s.id}>
        <input type="radio" name="ref-service" id=${i === 0 ? 'ref-service' : `ref-service-${i}`} value=${s.id}
          checked=${chosen === s.id} onChange=${() => setChosen(s.id)}
          aria-invalid=${errors.fields['ref-service'] ? 'true' : undefined} />
        <label for=${i === 0 ? 'ref-service' : `ref-service-${i}`}>
          <span class="service__name">${s.name}</span> <span class="muted">${s.organization}</span>
          ${s.referral_route === 'focal_point_only' && html`<strong class="badge badge--focal">${t('refer.focal_point_only')}</strong>`}
          ${Number.isInteger(s.capacity_available) && html`<span class="muted">${t('refer.capacity', { n: s.capacity_available })}</span>`}
          ${s.why?.length > 0 && html`<span class="service__why">${t('refer.why', { why: s.why.join('; ') })}</span>`}
        </label></li>`)}</ul>
      ${errors.fields['ref-service'] && html`<p class="field-error" id="ref-service-error">${errors.fields['ref-service']}</p>`}
    </fieldset>` : html`<p class="empty">${t('refer.no_services')}</p>`)}
    <${Field} id="ref-urgency" label=${labels['ref-urgency']} as="select" options=${vocabOptions('priorities')}
      value=${urgency} onChange=${(e) => setUrgency(e.currentTarget.value)} error=${errors.fields['ref-urgency']} />
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${busy || !hits?.length}>${t('refer.continue')}</button>
      <button type="button" class="button button--quiet" onClick=${onClose}>${t('form.cancel')}</button>
    </div>
  </form>`;
}

const CONSENT_FIELDS = { '/status': 'rc-status', '/method': 'rc-method', '/by': 'rc-by', '/child_assent': 'rc-assent',
  '/given_by_name': 'rc-giver' };

// Acting without consent on the jurisdiction's basis: a child referred, or for a referral of
// type duty_to_notify, an adult reported anonymously. Nothing when the jurisdiction gives none.
function WithoutConsent({ draft, onDraft, onSessionEnded }) {
  const [bases, setBases] = useState(null);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api('GET', '/api/v1/jurisdiction').then((j) => setBases(j.consent), (err) => {
      if (err.status === 401) onSessionEnded();
      else setBases({});
    });
  }, []);
  const basis = draft.type === 'duty_to_notify' ? 'duty_to_notify' : 'child_without_consent';
  const b = bases?.[basis];
  if (!b) return null;
  if (draft.legal_basis) {
    return html`<p class="notice" role="status" id="refer-override-asked">${t('refer.override_asked',
      { basis: label('legal_basis', draft.legal_basis.basis) })}</p>`;
  }
  const ask = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const body = note.trim() ? { basis, note } : { basis };
      const o = await api('POST', `/api/v1/referrals/${draft.id}/override`, body, { 'If-Match': etag(draft.version) });
      setErrors(NONE);
      onDraft(o.referral);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, (p) => (p === '/note' ? 'ro-note' : null)));
    }
    setBusy(false);
  };
  return html`<form onSubmit=${ask} noValidate class="stack without-consent" aria-labelledby="ro-h">
    <h4 id="ro-h">${t('refer.without_consent')}</h4>
    <p>${basis === 'duty_to_notify' ? t('refer.without_consent_adult') : t('refer.without_consent_child')}</p>
    <blockquote class="legal-basis" dir="auto">${b.basis}</blockquote>
    <p class="muted">${t('refer.basis_source', { source: b.source })}</p>
    <${ErrorSummary} ...${errors} labels=${{ 'ro-note': t('refer.override_note') }} />
    <${Field} id="ro-note" as="textarea" rows="2" label=${t('refer.override_note')} hint=${t('refer.override_note_hint')}
      value=${note} onInput=${(e) => setNote(e.currentTarget.value)} error=${errors.fields['ro-note']} dir="auto" />
    <div class="actions"><button type="submit" class="button" disabled=${busy}>${t('refer.ask_override')}</button></div>
  </form>`;
}

// Step 2: the consent a send needs, and the form to record it here (purpose and scope fixed by
// the draft); refused: the API's words about the consent (from the send) at the top.
// provider: the service's organisation, as the search named it.
function ConsentStep({ caseId, draft, provider, refused, onNext, onDraft, onSessionEnded, children }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [v, setV] = useState({ status: 'given', method: 'verbal', by: 'person', child_assent: '', given_by_name: '' });
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [retry] = useState(retryKey);
  const load = () => api('GET', `/api/v1/cases/${caseId}/consents`).then((o) => setItems(o.items), (err) => {
    if (err.status === 401) onSessionEnded();
    else setError(problemMessage(err));
  });
  useEffect(() => { load(); }, [caseId]);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    const body = { purpose: draft.on_safepath ? 'referral' : 'services', status: v.status, method: v.method, by: v.by };
    if (draft.on_safepath) body.scope_agency = draft.provider_agency_id;
    if (v.by !== 'person' && v.child_assent) body.child_assent = v.child_assent;
    if (v.by !== 'person' && v.given_by_name.trim()) body.given_by_name = v.given_by_name.trim();
    setBusy(true);
    try {
      await create(`/api/v1/cases/${caseId}/consents`, body, retry);
      setErrors(NONE);
      await load();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, (p) => CONSENT_FIELDS[p] || null));
    }
    setBusy(false);
  };
  const c = items && consentFor(items, draft);
  const labels = { 'rc-status': t('consent.status'), 'rc-method': t('consent.method'), 'rc-by': t('consent.by'),
    'rc-assent': t('consent.child_assent'), 'rc-giver': t('consent.given_by_name') };
  return html`<div class="stack">
    ${refused && html`<p class="alert" role="alert" id="refer-consent-refused">${refused}</p>`}
    <p>${draft.on_safepath ? t('refer.consent_needed', { provider }) : t('refer.consent_needed_services', { provider })}</p>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${items && html`<p class=${`consent-state ${c?.status === 'given' ? 'consent-state--given' : 'consent-state--missing'}`} role="status">${c
      ? t('refer.consent_recorded', { status: label('consent_status', c.status), by: label('by', c.by),
        method: label('method', c.method), time: formatTime(c.recorded_at) })
        + (c.child_assent ? ` ${t('refer.consent_assent', { assent: label('assent', c.child_assent) })}` : '')
      : t('refer.consent_missing')}</p>`}
    <form onSubmit=${submit} noValidate class="stack">
      <h4>${t('refer.record_consent')}</h4>
      <p class="muted">${t('refer.consent_child_hint')}</p>
      <${ErrorSummary} ...${errors} labels=${labels} />
      <div class="grid">
        <${Field} id="rc-status" label=${labels['rc-status']} as="select" options=${codeOptions('consent_status')}
          value=${v.status} onChange=${set('status')} error=${errors.fields['rc-status']} />
        <${Field} id="rc-method" label=${labels['rc-method']} as="select" options=${codeOptions('method')}
          value=${v.method} onChange=${set('method')} error=${errors.fields['rc-method']} />
        <${Field} id="rc-by" label=${labels['rc-by']} as="select" options=${codeOptions('by')}
          value=${v.by} onChange=${set('by')} error=${errors.fields['rc-by']} />
        ${v.by !== 'person' && html`<${Field} id="rc-giver" label=${labels['rc-giver']} hint=${t('consent.given_by_name_hint')}
          value=${v.given_by_name} onInput=${set('given_by_name')} error=${errors.fields['rc-giver']} dir="auto" required />`}
        ${v.by !== 'person' && html`<${Field} id="rc-assent" label=${labels['rc-assent']} as="select"
          options=${codeOptions('assent', t('form.choose'))} value=${v.child_assent} onChange=${set('child_assent')}
          error=${errors.fields['rc-assent']} />`}
      </div>
      <div class="actions"><button type="submit" class="button" disabled=${busy}>${t('refer.save_consent')}</button></div>
    </form>
    <${WithoutConsent} draft=${draft} onDraft=${onDraft} onSessionEnded=${onSessionEnded} />
    <div class="actions">
      <button type="button" class="button button--primary" onClick=${onNext}>${t('refer.continue')}</button>
      ${children}
    </div>
  </div>`;
}

// The whole flow. start: {need (a needs code), needId | screeningId + suggestion, kind?,
// serviceId? (preselected)}; onSent() after the send (the page reads its lists again).
export function ReferralFlow({ caseId, start, onSent, onClose, onSessionEnded }) {
  const [step, setStep] = useState(1);
  const [draft, setDraft] = useState(null);
  const [provider, setProvider] = useState('');
  const [person, setPerson] = useState(undefined);
  const [refused, setRefused] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const head = useRef(null);
  useLayoutEffect(() => { head.current?.focus(); }, [step]);
  useEffect(() => {
    // the preview's values: the person as the case page shows it to this reader
    api('GET', `/api/v1/cases/${caseId}`).then((c) => setPerson(c.person || null), () => setPerson(null));
  }, [caseId]);
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else setError(problemMessage(err));
  };
  const cancel = async () => {
    setBusy(true);
    try {
      await fireEvent(draft, { event: 'cancel' });
      onClose();
    } catch (err) {
      fail(err);
    }
    setBusy(false);
  };
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      setDraft(await fireEvent(draft, { event: 'send' }));
      setStep(4);
      onSent();
    } catch (err) {
      // what the send lacks: the consent, or a giver the child must be kept from
      const consent = err.errors.find((e) => e.pointer === '/consent' || e.pointer === '/given_by_name');
      if (consent) {
        setRefused(err.problem.detail || consent.reason);
        setStep(2);
      } else if (err.status === 412) {
        setDraft(await api('GET', `/api/v1/referrals/${draft.id}`));
        setError(problemMessage(err));
      } else fail(err);
    }
    setBusy(false);
  };
  const cancelButton = draft && step < 4 && html`<button type="button" class="button button--quiet" disabled=${busy}
    onClick=${cancel}>${t('refer.cancel_draft')}</button>`;
  return html`<section class="card refer" aria-labelledby="refer-h">
    <h2 id="refer-h" tabindex="-1" ref=${head}>${t('refer.title', { need: vocab('needs', start.need) })}</h2>
    <${Steps} step=${step} />
    <h3>${t('refer.step_n', { n: step, of: STEPS.length })}: ${STEPS[step - 1]()}</h3>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${step === 1 && html`<${ChooseService} start=${start} caseId=${caseId} onClose=${onClose} onSessionEnded=${onSessionEnded}
      onDrafted=${(d, org) => { setDraft(d); setProvider(org); setStep(2); }} />`}
    ${step === 2 && html`<${ConsentStep} caseId=${caseId} draft=${draft} provider=${provider} refused=${refused} onSessionEnded=${onSessionEnded}
      onNext=${() => setStep(3)} onDraft=${setDraft}>${cancelButton}<//>`}
    ${step === 3 && html`<div class="stack">
      <p>${t('refer.preview_intro', { type: typeTitle(draft.type) })}</p>
      <h4>${t('referrals.summary')}</h4>
      <${Summary} s=${draft.summary} />
      <h4>${t('refer.preview_person')}</h4>
      ${person !== undefined && html`<${ProfileFields} profile=${draft.profile} person=${person} />`}
      <p class="muted">${t('refer.never_shared')}</p>
      <div class="actions">
        <button type="button" class="button button--primary" disabled=${busy} onClick=${send}>${t('refer.send')}</button>
        <button type="button" class="button" onClick=${() => setStep(2)}>${t('wizard.back')}</button>
        ${cancelButton}
      </div>
    </div>`}
    ${step === 4 && html`<div class="stack">
      <p class="notice" role="status">${t('refer.sent')} <${Due} r=${draft} /></p>
      <div class="actions"><button type="button" class="button" onClick=${onClose}>${t('refer.close')}</button></div>
    </div>`}
  </section>`;
}
