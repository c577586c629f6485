// A case's decisions (docs/api.md "Decisions"): age assessment, reasonable and conclusive
// grounds, best interests. The list (the current one of each type marked; how many the
// policy withholds from the reader), and "Record a decision" with only the types the
// jurisdiction lets this user record (GET /api/v1/jurisdiction: decisions.TYPE.may_record),
// the fields of the chosen type and the grounds. The API decides and checks everything; its
// reasons appear beside the fields.
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { Field, ErrorSummary, codeOptions, label } from '../lib/fields.js';
import { CODES } from '../lib/codes.js';
import { useList, useAddForm, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

// The outcomes of each type: codes of the catalog's decision_outcome, or (best interests) of
// the vocabulary's best_interests_outcomes.
const OUTCOMES = { age_assessment: ['child', 'adult'], reasonable_grounds: ['positive', 'negative'],
  conclusive_grounds: ['positive', 'negative'] };

function outcomeName(type, outcome) {
  return OUTCOMES[type] ? label('decision_outcome', outcome) : vocab('best_interests_outcomes', outcome);
}

function outcomeOptions(type) {
  const blank = t('form.choose');
  if (!OUTCOMES[type]) return vocabOptions('best_interests_outcomes', blank);
  return [{ value: '', label: blank }, ...OUTCOMES[type].map((o) => ({ value: o, label: label('decision_outcome', o) }))];
}

// An RFC 3339 time in UTC from a datetime-local value (the reader's clock), to the second.
const utc = (local) => new Date(local).toISOString().replace(/\.\d{3}Z$/, 'Z');

const DECISION_FIELDS = ['type', 'outcome', 'decided_at', 'grounds', 'method', 'benefit_of_doubt', 'assessed_age'];

function decisionBody(v) {
  const b = { type: v.type, outcome: v.outcome, grounds: v.grounds };
  if (v.decided_at) b.decided_at = utc(v.decided_at);
  if (v.type === 'age_assessment') {
    if (v.method) b.method = v.method;
    if (v.benefit_of_doubt) b.benefit_of_doubt = v.benefit_of_doubt === 'yes';
    if (v.assessed_age !== '') b.assessed_age = Number(v.assessed_age);
  }
  return b;
}

function fieldOf(pointer) {
  const name = pointer.slice(1).split('/')[0];
  return DECISION_FIELDS.includes(name) ? `dec-${name}` : null;
}

function RecordDecision({ caseId, types, onAdded, onSessionEnded }) {
  const blank = { type: types[0], outcome: '', decided_at: '', grounds: '', method: '', benefit_of_doubt: '', assessed_age: '' };
  const f = useAddForm({ path: `/api/v1/cases/${caseId}/decisions`, blank, body: decisionBody, fieldOf, onAdded, onSessionEnded });
  const { v, set } = f;
  const age = v.type === 'age_assessment';
  const labels = { 'dec-type': t('decisions.type'), 'dec-outcome': t('decisions.outcome'),
    'dec-decided_at': t('decisions.decided_at'), 'dec-grounds': t('decisions.grounds'), 'dec-method': t('decisions.method'),
    'dec-benefit_of_doubt': t('decisions.benefit_of_doubt'), 'dec-assessed_age': t('decisions.assessed_age') };
  const err = (name) => f.errors.fields[`dec-${name}`];
  if (!f.open) {
    return html`<button type="button" class="button" aria-expanded="false" onClick=${f.show}>${t('decisions.record')}</button>`;
  }
  // another type: its own outcome and fields, the grounds and the date kept
  const retype = (e) => f.setV({ ...blank, grounds: v.grounds, decided_at: v.decided_at, type: e.currentTarget.value });
  return html`<form onSubmit=${f.submit} noValidate class="stack">
    <h3>${t('decisions.new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <div class="grid">
      <${Field} id="dec-type" label=${labels['dec-type']} as="select" required
        options=${types.map((x) => ({ value: x, label: label('decision_type', x) }))}
        value=${v.type} onChange=${retype} error=${err('type')} />
      <${Field} id="dec-outcome" label=${labels['dec-outcome']} as="select" required options=${outcomeOptions(v.type)}
        value=${v.outcome} onChange=${set('outcome')} error=${err('outcome')} />
      ${age && html`
        <${Field} id="dec-method" label=${labels['dec-method']} as="select" required
          options=${vocabOptions('age_methods', t('form.choose'))} value=${v.method} onChange=${set('method')} error=${err('method')} />
        <${Field} id="dec-benefit_of_doubt" label=${labels['dec-benefit_of_doubt']} as="select" required
          hint=${t('decisions.benefit_hint')} options=${codeOptions('answer', t('form.choose')).filter((o) => o.value !== 'unknown')}
          value=${v.benefit_of_doubt} onChange=${set('benefit_of_doubt')} error=${err('benefit_of_doubt')} />
        <${Field} id="dec-assessed_age" label=${labels['dec-assessed_age']} type="number" inputmode="numeric" min="0" max="120"
          value=${v.assessed_age} onInput=${set('assessed_age')} error=${err('assessed_age')} class="field--short" />`}
      <${Field} id="dec-decided_at" label=${labels['dec-decided_at']} hint=${t('decisions.decided_at_hint')} type="datetime-local"
        value=${v.decided_at} onInput=${set('decided_at')} error=${err('decided_at')} />
    </div>
    <${Field} id="dec-grounds" as="textarea" rows="4" label=${labels['dec-grounds']} hint=${t('decisions.grounds_hint')}
      value=${v.grounds} onInput=${set('grounds')} error=${err('grounds')} dir="auto" required />
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${f.busy}>${t('decisions.save')}</button>
      <button type="button" class="button button--quiet" onClick=${f.cancel}>${t('form.cancel')}</button>
    </div>
  </form>`;
}

function Decision({ d }) {
  const yesNo = (b) => label('answer', b ? 'yes' : 'no');
  return html`<li class=${`decision${d.current ? ' decision--current' : ''}`} data-type=${d.type}>
    <p class="decision__head"><strong>${label('decision_type', d.type)}: ${outcomeName(d.type, d.outcome)}</strong>
      ${d.current && html` <span class="badge badge--current">${t('decisions.current')}</span>`}</p>
    <p class="muted">${t('decisions.decided', { time: formatTime(d.decided_at), name: d.recorded_by?.name || '—' })}</p>
    ${d.type === 'age_assessment' && html`<p class="muted">${[
      d.method && `${t('decisions.method')}: ${vocab('age_methods', d.method)}`,
      typeof d.benefit_of_doubt === 'boolean' && `${t('decisions.benefit_of_doubt')}: ${yesNo(d.benefit_of_doubt)}`,
      d.assessed_age !== null && d.assessed_age !== undefined && `${t('decisions.assessed_age')}: ${d.assessed_age}`,
    ].filter(Boolean).join(' · ')}</p>`}
    ${d.grounds && html`<p class="decision__grounds" dir="auto">${d.grounds}</p>`}
  </li>`;
}

// onRecorded: after a decision is recorded (it is an event for the case's deadlines).
export function DecisionsSection({ caseId, onSessionEnded, onRecorded }) {
  const jurisdiction = useList('/api/v1/jurisdiction', onSessionEnded);
  const list = useList(`/api/v1/cases/${caseId}/decisions`, onSessionEnded);
  const rules = jurisdiction.data?.decisions || {};
  const types = CODES.decision_type.filter((x) => rules[x]?.may_record);
  const withheld = list.data?.withheld || 0;
  return html`<${Section} id="decisions-h" title=${t('decisions.title')} denied=${t('decisions.denied')} status=${list.status}>
    ${list.items && (list.items.length
      ? html`<ul class="decision-list">${list.items.map((d) => html`<${Decision} d=${d} />`)}</ul>`
      : html`<p class="empty">${t('decisions.none')}</p>`)}
    ${withheld > 0 && html`<p class="muted">${t('decisions.withheld', { n: withheld })}</p>`}
    ${list.items && types.length > 0 && html`<${RecordDecision} key=${types.join()} caseId=${caseId} types=${types}
      onAdded=${() => list.load().then(onRecorded)} onSessionEnded=${onSessionEnded} />`}
  <//>`;
}
