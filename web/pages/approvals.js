// A case's life (docs/casework.md): on the case page, its requests and their status, with
// "Request closure" (a closure reason and a follow-up date), "Reopen" (a reason) and, for a
// supervisor, "Transfer", "Reassign" (within the agency) and the legal hold; "Break glass"
// where the person is not shown; and the supervisors' Approvals page (/approvals): what waits for the agency, pending first, each approved or
// rejected (a rejection with its note) with its version as If-Match. The API decides who may;
// a refusal is said in its words.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, ErrorSummary, label, problemMessage } from '../lib/fields.js';
import { useList, useAddForm, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';
import { CODES } from '../lib/codes.js';

// One approval's facts: what, its status, the reason, when asked and decided, the notes the
// reader may see.
function ApprovalFacts({ a }) {
  return html`
    <span class="task__name">${label('approval_kind', a.kind)}</span>
    <strong class="approval__status">${label('approval_status', a.status)}</strong>
    <span class="muted">${[a.reason && (a.kind === 'closure' ? vocab('closure_reasons', a.reason)
      : a.kind === 'consent_override' ? label('legal_basis', a.reason) : a.reason),
      a.payload?.follow_up && t('approvals.follow_up', { date: a.payload.follow_up }),
      t('approvals.requested', { time: formatTime(a.requested_at) }),
      a.decided_at && t('approvals.decided', { time: formatTime(a.decided_at) })].filter(Boolean).join(' · ')}</span>
    ${a.kind === 'consent_override' && a.object && html`<${Link} href=${`/referrals/${a.object}`}>${t('approvals.referral')}<//>`}
    ${a.request_note && html`<span class="approval__note" dir="auto">${t('approvals.request_note', { note: a.request_note })}</span>`}
    ${a.decision_note && html`<span class="approval__note" dir="auto">${t('approvals.decision_note', { note: a.decision_note })}</span>`}`;
}

// A form of the case's section: one field or more, sent as a create, then onDone().
// request(body), when given, sends instead of a create.
function LifeForm({ id, title, path, blank, body, fields, send, onDone, onSessionEnded, request, children }) {
  const f = useAddForm({ path, blank, body, fieldOf: (p) => (fields[p] ? `${id}-${p.slice(1)}` : null),
    onAdded: onDone, onSessionEnded, request });
  const labels = Object.fromEntries(Object.entries(fields).map(([p, l]) => [`${id}-${p.slice(1)}`, l]));
  if (!f.open) {
    return html`<button type="button" class="button" aria-expanded="false" onClick=${f.show}>${title}</button>`;
  }
  return html`<form onSubmit=${f.submit} noValidate class="stack">
    <h3>${title}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    ${children(f, (name) => f.errors.fields[`${id}-${name}`])}
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${f.busy}>${send}</button>
      <button type="button" class="button button--quiet" onClick=${f.cancel}>${t('form.cancel')}</button>
    </div>
  </form>`;
}

function closureBody(v) {
  const b = { reason: v.reason };
  if (v.follow_up) b.follow_up = v.follow_up;
  if (v.note.trim()) b.note = v.note;
  return b;
}

function transferBody(v) {
  return v.note.trim() ? { to_agency: v.to_agency, note: v.note } : { to_agency: v.to_agency };
}

// A choice among the items of a list of the API (path) that keep(item) holds, each shown as
// text(item). The API decides what the choice may be: a refusal comes back by the field.
function ApiSelect({ id, label: text, path, keep, option, value, onChange, error }) {
  const [items, setItems] = useState([]);
  useEffect(() => {
    api('GET', path).then((o) => setItems(o.items.filter(keep)), () => setItems([]));
  }, [path]);
  return html`<${Field} id=${id} label=${text} as="select" required value=${value}
    onChange=${onChange} error=${error} options=${[{ value: '', label: t('form.choose') },
      ...items.map((i) => ({ value: i.id, label: option(i) }))]} />`;
}

// A supervisor's legal hold: put on with a reason while proceedings are open, lifted in one tap.
function LegalHold({ c, onChanged, onSessionEnded }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!c.flags.includes('legal_hold')) {
    return html`<${LifeForm} id="hold" title=${t('lifecycle.hold')} path=${`/api/v1/cases/${c.id}/legal-hold`}
      blank=${{ reason: '' }} body=${(v) => ({ reason: v.reason })} fields=${{ '/reason': t('lifecycle.hold_reason') }}
      send=${t('lifecycle.hold_send')} onDone=${onChanged} onSessionEnded=${onSessionEnded}
      request=${(b) => api('POST', `/api/v1/cases/${c.id}/legal-hold`, b)}>
      ${(f, err) => html`<${Field} id="hold-reason" label=${t('lifecycle.hold_reason')} hint=${t('lifecycle.hold_hint')}
        as="select" required value=${f.v.reason} onChange=${f.set('reason')} error=${err('reason')}
        options=${[{ value: '', label: t('form.choose') }, ...CODES.hold_reason.map((r) => ({ value: r, label: label('hold_reason', r) }))]} />`}
    <//>`;
  }
  const lift = async () => {
    setBusy(true);
    try {
      await api('DELETE', `/api/v1/cases/${c.id}/legal-hold`);
      onChanged();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
      setBusy(false);
    }
  };
  return html`<p>${t('lifecycle.held')}</p>
    <button type="button" class="button" disabled=${busy} onClick=${lift}>${t('lifecycle.hold_lift')}</button>
    ${error && html`<p class="alert" role="alert">${error}</p>`}`;
}

// c: the case as read; onChanged(): read it again (reopened).
export function LifecycleSection({ c, me, onChanged, onSessionEnded }) {
  const list = useList(`/api/v1/cases/${c.id}/approvals`, onSessionEnded);
  const [said, setSaid] = useState('');
  const supervisor = me.roles.includes('supervisor');
  const done = (sentence) => async () => {
    setSaid(sentence);
    await list.load();
  };
  return html`<${Section} id="lifecycle-h" title=${t('lifecycle.title')} denied=${t('lifecycle.denied')} status=${list.status}>
    ${list.items && (list.items.length
      ? html`<ul class="task-list approval-list">${list.items.map((a) => html`<li class="task approval" data-kind=${a.kind}
          data-status=${a.status}><${ApprovalFacts} a=${a} /></li>`)}</ul>`
      : html`<p class="empty">${t('lifecycle.none')}</p>`)}
    <p class="muted" role="status">${said}</p>
    ${c.status !== 'closed' && html`<${LifeForm} id="closure" title=${t('lifecycle.request_closure')}
      path=${`/api/v1/cases/${c.id}/closure`} blank=${{ reason: '', follow_up: '', note: '' }} body=${closureBody}
      fields=${{ '/reason': t('lifecycle.reason'), '/follow_up': t('lifecycle.follow_up'), '/note': t('lifecycle.note') }}
      send=${t('lifecycle.send')} onDone=${done(t('lifecycle.requested'))} onSessionEnded=${onSessionEnded}>
      ${(f, err) => html`
        <${Field} id="closure-reason" label=${t('lifecycle.reason')} as="select" required
          options=${vocabOptions('closure_reasons', t('form.choose'))} value=${f.v.reason} onChange=${f.set('reason')}
          error=${err('reason')} />
        <${Field} id="closure-follow_up" type="date" label=${t('lifecycle.follow_up')} hint=${t('lifecycle.follow_up_hint')}
          value=${f.v.follow_up} onInput=${f.set('follow_up')} error=${err('follow_up')} class="field--short" />
        <${Field} id="closure-note" as="textarea" rows="3" label=${t('lifecycle.note')} value=${f.v.note}
          onInput=${f.set('note')} error=${err('note')} dir="auto" />`}
    <//>`}
    ${c.status === 'closed' && html`<${LifeForm} id="reopen" title=${t('lifecycle.reopen')}
      path=${`/api/v1/cases/${c.id}/reopen`} blank=${{ reason: '' }} body=${(v) => ({ reason: v.reason })}
      fields=${{ '/reason': t('lifecycle.reopen_reason') }} send=${t('lifecycle.reopen_send')}
      onDone=${async () => { await done(t('lifecycle.reopen_done'))(); onChanged(); }} onSessionEnded=${onSessionEnded}>
      ${(f, err) => html`<${Field} id="reopen-reason" as="textarea" rows="3" label=${t('lifecycle.reopen_reason')} required
        value=${f.v.reason} onInput=${f.set('reason')} error=${err('reason')} dir="auto" />`}
    <//>`}
    ${supervisor && c.status !== 'closed' && html`<${LifeForm} id="transfer" title=${t('lifecycle.transfer')}
      path=${`/api/v1/cases/${c.id}/transfer`} blank=${{ to_agency: '', note: '' }} body=${transferBody}
      fields=${{ '/to_agency': t('lifecycle.transfer_to'), '/note': t('lifecycle.note') }} send=${t('lifecycle.transfer_send')}
      onDone=${done(t('lifecycle.transferred'))} onSessionEnded=${onSessionEnded}>
      ${(f, err) => html`
        <${ApiSelect} id="transfer-to_agency" label=${t('lifecycle.transfer_to')} path="/api/v1/agencies?limit=100"
          keep=${(a) => a.id !== c.agency} option=${(a) => `${a.name} (${label('agency_kind', a.kind)})`}
          value=${f.v.to_agency} onChange=${f.set('to_agency')} error=${err('to_agency')} />
        <${Field} id="transfer-note" as="textarea" rows="2" label=${t('lifecycle.note')} value=${f.v.note}
          onInput=${f.set('note')} error=${err('note')} dir="auto" />`}
    <//>`}
    ${supervisor && c.status !== 'closed' && html`<${LifeForm} id="reassign" title=${t('lifecycle.reassign')}
      path=${`/api/v1/cases/${c.id}/reassign`} blank=${{ assigned: '' }} body=${(v) => ({ assigned: v.assigned })}
      fields=${{ '/assigned': t('lifecycle.reassign_to') }} send=${t('lifecycle.reassign_send')}
      request=${(b) => api('POST', `/api/v1/cases/${c.id}/reassign`, b, { 'If-Match': etag(c.version) })}
      onDone=${onChanged} onSessionEnded=${onSessionEnded}>
      ${(f, err) => html`<p class="muted">${t('lifecycle.reassign_hint')}</p>
        <${ApiSelect} id="reassign-assigned" label=${t('lifecycle.reassign_to')}
          path="/api/v1/me/colleagues?role=caseworker" keep=${(u) => u.id !== c.assigned} option=${(u) => u.username}
          value=${f.v.assigned} onChange=${f.set('assigned')} error=${err('assigned')} />`}
    <//>`}
    ${supervisor && html`<${LegalHold} c=${c} onChanged=${onChanged} onSessionEnded=${onSessionEnded} />`}
  <//>`;
}

// Where the person is not shown: break-glass, with a required reason; onOpened() reads the
// case again.
export function BreakGlass({ caseId, onOpened, onSessionEnded }) {
  return html`<section class="card card--warning" aria-labelledby="glass-h">
    <h2 id="glass-h">${t('glass.title')}</h2>
    <p>${t('glass.intro')}</p>
    <${LifeForm} id="glass" title=${t('glass.open')} path=${`/api/v1/cases/${caseId}/break-glass`} blank=${{ reason: '' }}
      body=${(v) => ({ reason: v.reason })} fields=${{ '/reason': t('glass.reason') }} send=${t('glass.send')}
      onDone=${onOpened} onSessionEnded=${onSessionEnded}>
      ${(f, err) => html`<${Field} id="glass-reason" as="textarea" rows="3" label=${t('glass.reason')} hint=${t('glass.hint')}
        required value=${f.v.reason} onInput=${f.set('reason')} error=${err('reason')} dir="auto" />`}
    <//>
  </section>`;
}

function Decide({ a, me, onDecided, onSessionEnded }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = `decide-${a.id}`;
  if (a.requested_by === me.id) return html`<p class="muted">${t('approvals.own')}</p>`;
  const named = { kind: label('approval_kind', a.kind), number: a.case_number };
  const send = async (decision) => {
    if (decision === 'reject' && !note.trim()) {
      setError(t('approvals.reject_needs_note'));
      return;
    }
    setBusy(true);
    try {
      const body = note.trim() ? { decision, note } : { decision };
      onDecided(await api('POST', `/api/v1/approvals/${a.id}/decision`, body, { 'If-Match': etag(a.version) }));
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    }
    setBusy(false);
  };
  return html`<div class="stack">
    <${Field} id=${`${id}-note`} as="textarea" rows="2" label=${t('approvals.note')} value=${note}
      onInput=${(e) => setNote(e.currentTarget.value)} error=${error} dir="auto" />
    <div class="actions">
      <button type="button" class="button button--primary" disabled=${busy} onClick=${() => send('approve')}
        aria-label=${t('approvals.approve_named', named)}>${t('approvals.approve')}</button>
      <button type="button" class="button" disabled=${busy} onClick=${() => send('reject')}
        aria-label=${t('approvals.reject_named', named)}>${t('approvals.reject')}</button>
    </div>
  </div>`;
}

export function ApprovalsPage({ me, onSessionEnded }) {
  usePage(t('approvals.title'));
  const list = useList('/api/v1/approvals', onSessionEnded);
  const [said, setSaid] = useState('');
  const decided = (a) => {
    list.replace(a);
    setSaid(t('approvals.done'));
  };
  return html`<div class="page">
    <h1 tabindex="-1">${t('approvals.title')}</h1>
    <p class="lead">${t('approvals.intro')}</p>
    <p class="muted" role="status">${said}</p>
    <${Section} id="queue-h" title=${t('approvals.queue')} denied=${t('approvals.denied')} status=${list.status}>
      ${list.items && (list.items.length
        ? html`<ul class="task-list approval-list">${list.items.map((a) => html`<li class="task approval" data-kind=${a.kind}
            data-status=${a.status} data-case=${a.case}>
            <${Link} href=${`/cases/${a.case}`}>${t('approvals.case', { number: a.case_number })}<//>
            <${ApprovalFacts} a=${a} />
            ${a.status === 'pending' && html`<${Decide} a=${a} me=${me} onDecided=${decided} onSessionEnded=${onSessionEnded} />`}
          </li>`)}</ul>`
        : html`<p class="empty">${t('approvals.none')}</p>`)}
    <//>
  </div>`;
}
