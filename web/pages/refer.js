// Referring a need to a service (docs/web.md "Referrals"), in four steps on a phone: 1 the
// services that meet the need (GET /api/v1/services?need=&case=, with why each matched) and
// the urgency, which drafts the referral (Idempotency-Key); 2 the person's consent to refer to
// the provider's agency (GET /api/v1/cases/:id/consents), recorded here when missing; 3 the
// preview of exactly the fields the provider will see (the draft's profile, with the person's
// values where the caseworker may see them); 4 send (If-Match). The server decides: a send
// without the consent it needs is refused at /consent, and its words are shown at step 2.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, create, retryKey } from '../lib/api.js';
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

const CONSENT_FIELDS = { '/status': 'rc-status', '/method': 'rc-method', '/by': 'rc-by', '/child_assent': 'rc-assent' };

// Step 2: the consent a send needs, and the form to record it here (purpose and scope fixed by
// the draft); refused: the API's words about the consent (from the send) at the top.
// provider: the service's organisation, as the search named it.
function ConsentStep({ caseId, draft, provider, refused, onNext, onSessionEnded, children }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [v, setV] = useState({ status: 'given', method: 'verbal', by: 'person', child_assent: '' });
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
    'rc-assent': t('consent.child_assent') };
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
        ${v.by !== 'person' && html`<${Field} id="rc-assent" label=${labels['rc-assent']} as="select"
          options=${codeOptions('assent', t('form.choose'))} value=${v.child_assent} onChange=${set('child_assent')}
          error=${errors.fields['rc-assent']} />`}
      </div>
      <div class="actions"><button type="submit" class="button" disabled=${busy}>${t('refer.save_consent')}</button></div>
    </form>
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
      const consent = err.errors.find((e) => e.pointer === '/consent');
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
      onNext=${() => setStep(3)}>${cancelButton}<//>`}
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
