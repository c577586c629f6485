// A case's needs (docs/api.md "Needs and tasks"): the list with each need's status and the
// moves the status table allows from it (PATCH with the need's version as If-Match; the API
// decides, a move it refuses is said), and the form to add one by kind with an optional note.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { Field, ErrorSummary, label, problemMessage } from '../lib/fields.js';
import { useList, useAddForm, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

// The status table of docs/api.md: the moves offered from each status.
const MOVES = {
  unmet: ['referred', 'no_longer_needed'],
  referred: ['met', 'unmet', 'no_longer_needed'],
  met: ['unmet', 'no_longer_needed'],
  no_longer_needed: [],
};

function needBody(v) {
  return v.note.trim() ? { kind: v.kind, note: v.note } : { kind: v.kind };
}

function AddNeed({ caseId, onAdded, onSessionEnded }) {
  const f = useAddForm({ path: `/api/v1/cases/${caseId}/needs`, blank: { kind: '', note: '' }, body: needBody,
    fieldOf: (p) => ({ '/kind': 'need-kind', '/note': 'need-note' }[p] || null), onAdded, onSessionEnded });
  const labels = { 'need-kind': t('needs.kind'), 'need-note': t('needs.note') };
  return html`<form onSubmit=${f.submit} noValidate class="stack">
    <h3>${t('needs.new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <${Field} id="need-kind" label=${labels['need-kind']} as="select" options=${vocabOptions('needs', t('form.choose'))}
      value=${f.v.kind} onChange=${f.set('kind')} error=${f.errors.fields['need-kind']} required />
    <${Field} id="need-note" as="textarea" rows="2" label=${labels['need-note']} hint=${t('needs.note_hint')} value=${f.v.note}
      onInput=${f.set('note')} error=${f.errors.fields['need-note']} dir="auto" />
    <div class="actions"><button type="submit" class="button button--primary" disabled=${f.busy}>${t('needs.add')}</button></div>
  </form>`;
}

// onRefer(start): "Refer" on an unmet need opens the referral flow (refer.js).
export function NeedsSection({ caseId, onSessionEnded, onRefer }) {
  const list = useList(`/api/v1/cases/${caseId}/needs`, onSessionEnded);
  const [error, setError] = useState(null);
  const move = (need, status) => api('PATCH', `/api/v1/needs/${need.id}`, { status }, { 'If-Match': etag(need.version) })
    .then((n) => {
      setError(null);
      list.replace(n);
    }, (err) => {
      if (err.status === 401) onSessionEnded();
      else {
        // changed meanwhile (412) or a move the table refuses (409): said, and read again
        setError(problemMessage(err));
        list.load();
      }
    });
  return html`<${Section} id="needs-h" title=${t('needs.title')} denied=${t('needs.denied')} status=${list.status}>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${list.items && (list.items.length ? html`<ul class="task-list need-list">${list.items.map((n) => {
      const name = vocab('needs', n.kind);
      return html`<li class="task" data-need=${n.kind}>
        <span class="task__name">${name}</span>
        <span class="muted">${t('needs.status')}: <span class="need__status">${label('need_status', n.status)}</span>${
          n.source === 'screening' ? ` · ${t('needs.from_screening')}` : ''}</span>
        ${n.note && html`<span class="need__note" dir="auto">${n.note}</span>`}
        ${MOVES[n.status]?.length > 0 && html`<div class="actions" role="group" aria-label=${t('needs.change', { need: name })}>
          ${MOVES[n.status].map((s) => html`<button type="button" class="button" data-move=${s}
            aria-label=${t('needs.move_named', { move: label('need_move', s), need: name })}
            onClick=${() => move(n, s)}>${label('need_move', s)}</button>`)}
          ${n.status === 'unmet' && onRefer && html`<button type="button" class="button button--primary" data-refer=${n.kind}
            aria-label=${t('needs.refer_named', { need: name })} onClick=${() => onRefer({ need: n.kind, needId: n.id })}>${t('needs.refer')}</button>`}</div>`}
      </li>`;
    })}</ul>` : html`<p class="empty">${t('needs.none')}</p>`)}
    <${AddNeed} caseId=${caseId} onAdded=${list.load} onSessionEnded=${onSessionEnded} />
  <//>`;
}
