// A case's support plan (docs/api.md "Support plan"; HTCDS spl_): its goals, each with its
// support type, its text, its status and the moves the status table allows from it (PATCH
// with the goal's version as If-Match), its review date — one past while the goal is open is
// marked by a red edge and the words "Review overdue", not by colour alone —, and the form to
// add a goal.
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { Field, ErrorSummary, label } from '../lib/fields.js';
import { useList, useAddForm, useItemChange, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

// The status table of docs/api.md: the moves offered from each status.
const NEXT = {
  planned: ['in_progress', 'discontinued'],
  in_progress: ['achieved', 'discontinued', 'planned'],
  achieved: ['in_progress'],
  discontinued: ['planned'],
};
const OPEN = ['planned', 'in_progress'];
const reviewLate = (g) => OPEN.includes(g.status) && Boolean(g.review_at) && new Date(g.review_at) < new Date();

const FIELD_OF = { '/type': 'goal-type', '/goal': 'goal-text', '/review_at': 'goal-review' };

function goalBody(v) {
  const body = { type: v.type, goal: v.goal };
  if (v.review) body.review_at = v.review;
  return body;
}

function AddGoal({ caseId, onAdded, onSessionEnded }) {
  const f = useAddForm({ path: `/api/v1/cases/${caseId}/plan`, blank: { type: '', goal: '', review: '' }, body: goalBody,
    fieldOf: (p) => FIELD_OF[p] || null, onAdded, onSessionEnded });
  const labels = { 'goal-type': t('plan.type'), 'goal-text': t('plan.goal'), 'goal-review': t('plan.review') };
  return html`<form onSubmit=${f.submit} noValidate class="stack">
    <h3>${t('plan.new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <${Field} id="goal-type" label=${labels['goal-type']} as="select" options=${vocabOptions('support_types', t('form.choose'))}
      value=${f.v.type} onChange=${f.set('type')} error=${f.errors.fields['goal-type']} required />
    <${Field} id="goal-text" as="textarea" rows="2" label=${labels['goal-text']} hint=${t('plan.goal_hint')} value=${f.v.goal}
      onInput=${f.set('goal')} error=${f.errors.fields['goal-text']} dir="auto" required />
    <${Field} id="goal-review" label=${labels['goal-review']} type="date" value=${f.v.review} onInput=${f.set('review')}
      error=${f.errors.fields['goal-review']} class="field--short" />
    <div class="actions"><button type="submit" class="button button--primary" disabled=${f.busy}>${t('plan.add')}</button></div>
  </form>`;
}

function Goal({ g, onMove }) {
  const name = vocab('support_types', g.type);
  const late = reviewLate(g);
  return html`<li class=${`task${late ? ' task--overdue' : ''}`} data-goal=${g.type}>
    <span class="task__name">${name}</span>
    ${late && html`<strong class="overdue">${t('plan.review_overdue')}</strong>`}
    <span class="muted">${t('needs.status')}: <span class="goal__status">${label('goal_status', g.status)}</span>${
      g.review_at ? ` · ${t('plan.review_by', { time: formatTime(g.review_at) })}` : ''}</span>
    ${g.goal && html`<span class="need__note" dir="auto">${g.goal}</span>`}
    ${NEXT[g.status].length > 0 && html`<div class="actions" role="group" aria-label=${t('plan.change', { goal: name })}>
      ${NEXT[g.status].map((s) => html`<button type="button" class="button" data-move=${s}
        aria-label=${t('needs.move_named', { move: label('goal_move', s), need: name })}
        onClick=${() => onMove(g, s)}>${label('goal_move', s)}</button>`)}</div>`}
  </li>`;
}

export function PlanSection({ caseId, onSessionEnded }) {
  const list = useList(`/api/v1/cases/${caseId}/plan`, onSessionEnded);
  const change = useItemChange(list, onSessionEnded);
  const move = (g, status) => change.run(g, () => api('PATCH', `/api/v1/plan/${g.id}`, { status },
    { 'If-Match': etag(g.version) }));
  return html`<${Section} id="plan-h" title=${t('plan.title')} denied=${t('plan.denied')} status=${list.status}>
    ${change.error && html`<p class="alert" role="alert">${change.error}</p>`}
    ${list.items && (list.items.length
    ? html`<ul class="task-list need-list">${list.items.map((g) => html`<${Goal} g=${g} onMove=${move} />`)}</ul>`
    : html`<p class="empty">${t('plan.none')}</p>`)}
    <${AddGoal} caseId=${caseId} onAdded=${list.load} onSessionEnded=${onSessionEnded} />
  <//>`;
}
