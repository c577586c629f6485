// Referrals (docs/referrals.md, docs/web.md "Referrals"): the case page's section (each
// referral's status, service, urgency and due date; the provider's outcome and feedback once
// completed; a declined one's reason and the next services, each with "Refer to this one"),
// the inbox at /referrals (the provider's incoming box, the referring side's outgoing one, both
// for a focal point, overdue first), one referral at /referrals/:id with the moves its reader
// may make (the provider's; the caseworker's, and the provider's answers by hand for a
// provider not on safepath), and the printable referral at /referrals/:id/print. What each
// reader sees is the API's decision: the pages show what it sends.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, ErrorSummary, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { useList, Section } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';
import { fireEvent, isOverdue, typeTitle, useServiceNames, serviceName, Due, Summary, ProfileFields,
  ReferralRow } from './referral_parts.js';

const NONE = { fields: {}, general: [] };
// the states after which the referring side reads the referral again for what the list lacks
const ANSWERED = ['declined', 'completed', 'closed'];

// The details the list does not carry (feedback, next services) of the answered referrals.
function useDetails(items) {
  const [details, setDetails] = useState({});
  const key = (items || []).filter((r) => ANSWERED.includes(r.status)).map((r) => `${r.id}@${r.version}`).join(',');
  useEffect(() => {
    for (const r of (items || []).filter((x) => ANSWERED.includes(x.status))) {
      api('GET', `/api/v1/referrals/${r.id}`).then((d) => setDetails((x) => ({ ...x, [r.id]: d })), () => {});
    }
  }, [key]);
  return details;
}

function Answer({ r, d, onRefer }) {
  return html`
    ${r.outcome && html`<span class="referral__outcome">${t('referrals.outcome')}: ${label('referral_outcome', r.outcome)}</span>`}
    ${d?.feedback && html`<span class="referral__feedback" dir="auto">${t('referrals.feedback')}: ${d.feedback}</span>`}
    ${r.status === 'declined' && html`<span class="referral__reason">${t('referrals.declined_because', { reason: vocab('decline_reasons', r.reason) })}</span>`}
    ${d?.next_services && html`<div class="referral__next">
      <h4>${t('referrals.next_services')}</h4>
      ${d.next_services.length ? html`<ul class="task-list">${d.next_services.map((s) => html`<li class="task" data-service=${s.id}>
        <span>${s.name}${s.organization ? ` (${s.organization})` : ''}</span>
        <button type="button" class="button" onClick=${() => onRefer({ need: r.summary.need, needId: r.need_id, serviceId: s.id })}
          aria-label=${t('referrals.refer_to_named', { service: s.name })}>${t('referrals.refer_to')}</button></li>`)}</ul>`
        : html`<p class="muted">${t('referrals.no_next')}</p>`}
    </div>`}`;
}

// The case page's section; onRefer(start) opens the flow (refer.js) for a next service.
export function ReferralsSection({ caseId, onRefer, onSessionEnded }) {
  const list = useList(`/api/v1/cases/${caseId}/referrals`, onSessionEnded);
  const names = useServiceNames((list.items || []).map((r) => r.service_id));
  const details = useDetails(list.items);
  return html`<${Section} id="referrals-h" title=${t('referrals.title')} denied=${t('referrals.denied')} status=${list.status}>
    ${list.items && (list.items.length ? html`<ul class="task-list referral-list">${list.items.map((r) => html`
      <${ReferralRow} r=${r} names=${names}><${Answer} r=${r} d=${details[r.id]} onRefer=${onRefer} /><//>`)}</ul>`
      : html`<p class="empty">${t('referrals.none')}</p>`)}
    <p class="muted">${t('referrals.how')}</p>
  <//>`;
}

// One box of the inbox, overdue first.
function Box({ box, status, heading, onSessionEnded }) {
  const list = usePaged('/api/v1/referrals', { box, status }, 50, onSessionEnded);
  const names = useServiceNames((list.items || []).map((r) => r.service_id));
  const items = list.items && [...list.items.filter(isOverdue), ...list.items.filter((r) => !isOverdue(r))];
  return html`<section class="card" aria-labelledby=${`box-${box}-h`}>
    <h2 id=${`box-${box}-h`}>${heading}</h2>
    ${items && (items.length ? html`<ul class="task-list referral-list" data-box=${box}>${items.map((r) => html`
      <${ReferralRow} r=${r} names=${names} />`)}</ul>` : html`<p class="empty">${t('referrals.box_empty')}</p>`)}
    <${PagedFooter} list=${list} moreLabel=${t('referrals.more')} />
  </section>`;
}

// A supervisor's expiry of the agency's referrals nobody answered by their due date (POST
// /api/v1/referrals/expiry): how many it expired, said in a live region; onExpired() reads the
// outgoing box again.
function Expiry({ onExpired, onSessionEnded }) {
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const r = await api('POST', '/api/v1/referrals/expiry');
      setSaid(t('referrals.expired', { count: r.expired }));
      onExpired();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setSaid(problemMessage(err));
    }
    setBusy(false);
  };
  return html`<section class="card" aria-labelledby="expiry-h">
    <h2 id="expiry-h">${t('referrals.expiry')}</h2>
    <p>${t('referrals.expiry_intro')}</p>
    <button type="button" class="button" disabled=${busy} onClick=${run}>${t('referrals.expire')}</button>
    <p class="muted" role="status">${said}</p>
  </section>`;
}

// The boxes a reader's roles give: a provider the incoming one, the referring roles the
// outgoing one, a focal point both (its board); a supervisor's expiry of the overdue ones.
export function ReferralsPage({ me, onSessionEnded }) {
  usePage(t('referrals.inbox'));
  const [status, setStatus] = useState('');
  const [expired, setExpired] = useState(0); // each expiry reads the outgoing box again
  const incoming = me.roles.includes('provider') || me.roles.includes('focal_point');
  const outgoing = me.roles.some((r) => ['caseworker', 'identifier', 'focal_point', 'supervisor'].includes(r));
  return html`<div class="page">
    <h1 tabindex="-1">${t('referrals.inbox')}</h1>
    <p class="lead">${incoming && outgoing ? t('referrals.board_intro') : incoming ? t('referrals.incoming_intro') : t('referrals.outgoing_intro')}</p>
    ${outgoing && html`<p><${Link} href="/referrals/incoming/new" class="button">${t('incoming.register')}<//></p>`}
    <${Field} id="referrals-status" label=${t('referrals.status_filter')} as="select" class="field--short"
      options=${codeOptions('referral_status', t('referrals.any_status'))} value=${status}
      onChange=${(e) => setStatus(e.currentTarget.value)} />
    ${incoming && html`<${Box} box="incoming" status=${status} heading=${t('referrals.incoming')} onSessionEnded=${onSessionEnded} />`}
    ${outgoing && html`<${Box} key=${`outgoing-${expired}`} box="outgoing" status=${status} heading=${t('referrals.outgoing')}
      onSessionEnded=${onSessionEnded} />`}
    ${me.roles.includes('supervisor') && html`<${Expiry} onExpired=${() => setExpired((n) => n + 1)}
      onSessionEnded=${onSessionEnded} />`}
  </div>`;
}

// The provider's moves from each state (docs/referrals.md); a caseworker records them by hand
// for a provider not on safepath.
const ANSWERS = { sent: ['acknowledge'], acknowledged: ['accept', 'decline'], accepted: ['start'], in_progress: ['complete'] };
const SENDER = { completed: ['close'], draft: ['cancel'], sent: ['cancel'], acknowledged: ['cancel'],
  accepted: ['cancel'], in_progress: ['cancel'] };
const EVENT_FIELDS = { '/reason': 'ref-reason', '/outcome': 'ref-outcome', '/feedback': 'ref-feedback' };

function Moves({ r, onFire, busy, errors }) {
  const [v, setV] = useState({ reason: '', outcome: '', feedback: '' });
  // a provider not on safepath, or a referral received from outside (type incoming): the
  // caseworker's agency records the moves by hand
  const manual = r.view === 'sender' && !r.on_safepath;
  const received = r.type === 'incoming';
  const answers = r.view === 'receiver' || manual ? ANSWERS[r.status] || [] : [];
  // a draft to be sent without consent: sent from here once a supervisor approved it
  const own = r.view !== 'sender' ? [] : r.status === 'draft' && r.legal_basis ? ['send', 'cancel'] : SENDER[r.status] || [];
  if (!answers.length && !own.length) return null;
  const go = (event, extra = {}) => (e) => {
    e.preventDefault();
    onFire({ event, ...extra, ...(manual && answers.includes(event) ? { manual: true } : {}) });
  };
  const labels = { 'ref-reason': t('referrals.decline_reason'), 'ref-outcome': t('referrals.outcome'),
    'ref-feedback': t('referrals.feedback') };
  const simple = [...answers, ...own].filter((e) => e !== 'decline' && e !== 'complete');
  // the errors' summary inside the form they belong to (it moves the focus to the first bad field)
  const f = errors.fields;
  const at = f['ref-reason'] ? 'decline' : f['ref-outcome'] || f['ref-feedback'] ? 'complete' : 'top';
  const summary = (where) => at === where && html`<${ErrorSummary} ...${errors} labels=${labels} />`;
  return html`<section class="card" aria-labelledby="moves-h">
    <h2 id="moves-h">${manual && !received ? t('referrals.manual_title') : t('referrals.moves')}</h2>
    ${manual && !received && html`<p class="muted">${t('referrals.manual_intro')}</p>`}
    ${summary('top')}
    ${simple.length > 0 && html`<div class="actions">${simple.map((e) => html`<button type="button" data-event=${e}
      class=${`button ${e === 'cancel' ? 'button--quiet' : 'button--primary'}`} disabled=${busy} onClick=${go(e)}>${label('referral_event', e)}</button>`)}</div>`}
    ${answers.includes('decline') && html`<form class="stack" noValidate onSubmit=${go('decline', { reason: v.reason })}>
      ${summary('decline')}
      <${Field} id="ref-reason" label=${labels['ref-reason']} as="select" options=${vocabOptions('decline_reasons', t('form.choose'))}
        value=${v.reason} onChange=${(e) => setV({ ...v, reason: e.currentTarget.value })} error=${errors.fields['ref-reason']} />
      <div class="actions"><button type="submit" class="button" data-event="decline" disabled=${busy}>${label('referral_event', 'decline')}</button></div>
    </form>`}
    ${answers.includes('complete') && html`<form class="stack" noValidate onSubmit=${go('complete',
      { outcome: v.outcome, ...(v.feedback.trim() ? { feedback: v.feedback.trim() } : {}) })}>
      ${summary('complete')}
      <${Field} id="ref-outcome" label=${labels['ref-outcome']} as="select" options=${codeOptions('referral_outcome', t('form.choose'))}
        value=${v.outcome} onChange=${(e) => setV({ ...v, outcome: e.currentTarget.value })} error=${errors.fields['ref-outcome']} />
      <${Field} id="ref-feedback" as="textarea" rows="3" label=${labels['ref-feedback']} hint=${t('referrals.feedback_hint')}
        value=${v.feedback} onInput=${(e) => setV({ ...v, feedback: e.currentTarget.value })} error=${errors.fields['ref-feedback']} dir="auto" />
      <div class="actions"><button type="submit" class="button button--primary" data-event="complete" disabled=${busy}>${label('referral_event', 'complete')}</button></div>
    </form>`}
  </section>`;
}

function Events({ events }) {
  const parts = (e) => [label('referral_event', e.event), label('referral_side', e.side),
    e.manual && t('referrals.by_hand'), formatTime(e.at), e.reason && vocab('decline_reasons', e.reason)];
  return html`<ol class="bullets referral-events">${events.map((e) => html`<li>${parts(e).filter(Boolean).join(' · ')}</li>`)}</ol>`;
}

// Read one referral; ended: the provider's 403 no_referral.
function useReferral(id, onSessionEnded) {
  const [r, setR] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', `/api/v1/referrals/${id}`).then(setR, (err) => {
    if (err.status === 401) onSessionEnded();
    else if (err.status === 403 && err.problem.reason === 'no_referral') setError(t('referrals.ended'));
    else setError(problemMessage(err));
  });
  useEffect(() => { load(); }, [id]);
  return { r, error, load };
}

export function ReferralPage({ id, onSessionEnded }) {
  const { r, error, load } = useReferral(id, onSessionEnded);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState(NONE);
  const [said, setSaid] = useState('');
  const names = useServiceNames(r ? [r.service_id] : []);
  const need = r?.summary?.need ? vocab('needs', r.summary.need) : r ? typeTitle(r.type) : '';
  usePage(r ? t('referrals.page_title', { need }) : t('referrals.one'), Boolean(r || error));
  const fire = async (body) => {
    setBusy(true);
    try {
      await fireEvent(r, body);
      setErrors(NONE);
      setSaid(t('referrals.done', { event: label('referral_event', body.event) }));
      await load(); // the answer to an event carries no person: read what the reader now sees
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else {
        setErrors(errorsFrom(err, (p) => EVENT_FIELDS[p] || null));
        if (err.status === 409 || err.status === 412) await load();
      }
    }
    setBusy(false);
  };
  if (error) {
    return html`<div class="page"><h1 tabindex="-1">${t('referrals.one')}</h1>
      <p class="alert referral-ended" role="alert">${error}</p><p><${Link} href="/referrals">${t('referrals.back')}<//></p></div>`;
  }
  if (!r) return html`<div class="page"><h1 tabindex="-1">${t('referrals.one')}</h1></div>`;
  const late = isOverdue(r);
  const printable = r.view === 'sender' && !r.on_safepath && r.type !== 'incoming' && !['draft', 'declined', 'closed', 'cancelled', 'expired'].includes(r.status);
  return html`<div class="page">
    <p class="breadcrumb"><${Link} href="/referrals">${t('referrals.back')}<//>${r.view === 'sender' && html` · <${Link}
      href=${`/cases/${r.case_id}`}>${t('referrals.to_case')}<//>`}</p>
    <h1 tabindex="-1">${t('referrals.page_title', { need })}</h1>
    <section class=${`card${late ? ' task--overdue' : ''}`} aria-labelledby="ref-h">
      <h2 id="ref-h">${t('referrals.workflow')}</h2>
      ${late && html`<p><strong class="overdue">${t('tasks.overdue')}</strong></p>`}
      <dl class="facts">
        <div><dt>${t('referrals.status')}</dt><dd class="referral__status">${label('referral_status', r.status)}</dd></div>
        <div><dt>${t('refer.service')}</dt><dd>${serviceName(names, r)}</dd></div>
        <div><dt>${t('referrals.type')}</dt><dd>${typeTitle(r.type)}</dd></div>
        <div><dt>${t('referrals.due_at')}</dt><dd>${r.due_at ? formatTime(r.due_at) : '—'}</dd></div>
        ${r.legal_basis && html`<div><dt>${t('referrals.legal_basis')}</dt><dd class="referral__basis">${
  t('referrals.legal_basis_value', { basis: label('legal_basis', r.legal_basis.basis), jurisdiction: r.legal_basis.jurisdiction,
    version: r.legal_basis.version })}</dd></div>`}
        ${r.source && html`<div><dt>${t('referrals.source')}</dt><dd>${label('referral_source', r.source)}</dd></div>`}
        ${!r.on_safepath && r.type !== 'incoming' && html`<div><dt>${t('referrals.provider')}</dt><dd>${t('referrals.not_on_safepath')}</dd></div>`}
        ${r.outcome && html`<div><dt>${t('referrals.outcome')}</dt><dd class="referral__outcome">${label('referral_outcome', r.outcome)}</dd></div>`}
        ${r.reason && html`<div><dt>${t('referrals.decline_reason')}</dt><dd>${vocab('decline_reasons', r.reason)}</dd></div>`}
      </dl>
      ${r.feedback && html`<p class="referral__feedback" dir="auto"><strong>${t('referrals.feedback')}:</strong> ${r.feedback}</p>`}
      ${printable && html`<p><${Link} href=${`/referrals/${r.id}/print`} class="button">${t('referrals.print')}<//></p>`}
    </section>
    ${r.summary && html`<section class="card" aria-labelledby="ref-summary-h">
      <h2 id="ref-summary-h">${t('referrals.summary')}</h2><${Summary} s=${r.summary} /></section>`}
    ${r.person && html`<section class="card" aria-labelledby="ref-person-h">
      <h2 id="ref-person-h">${t('referrals.person')}</h2><${ProfileFields} profile=${r.profile} person=${r.person} /></section>`}
    ${r.view === 'receiver' && !r.person && html`<p class="notice">${t('referrals.summary_only')}</p>`}
    <p class="visually-hidden" role="status">${said}</p>
    <${Moves} key=${r.status} r=${r} onFire=${fire} busy=${busy} errors=${errors} />
    ${r.events?.length > 0 && html`<section class="card" aria-labelledby="ref-events-h">
      <h2 id="ref-events-h">${t('referrals.history')}</h2><${Events} events=${r.events} /></section>`}
  </div>`;
}

// GET /api/v1/referrals/:id/print, laid out for paper (app.css @media print).
export function ReferralPrintPage({ id, onSessionEnded }) {
  const [p, setP] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', `/api/v1/referrals/${id}/print`).then(setP, (err) => {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    });
  }, [id]);
  const names = useServiceNames(p ? [p.service_id] : []);
  usePage(t('referrals.print_title'), Boolean(p || error));
  if (error) {
    return html`<div class="page"><h1 tabindex="-1">${t('referrals.print_title')}</h1>
      <p class="alert" role="alert">${error}</p></div>`;
  }
  if (!p) return html`<div class="page"><h1 tabindex="-1">${t('referrals.print_title')}</h1></div>`;
  return html`<div class="page printable">
    <p class="no-print breadcrumb"><${Link} href=${`/referrals/${id}`}>${t('referrals.back_to_one')}<//></p>
    <h1 tabindex="-1">${t('referrals.print_title')}</h1>
    <div class="actions no-print"><button type="button" class="button button--primary" onClick=${() => window.print()}>${t('referrals.print_now')}</button></div>
    <section class="print-block" aria-labelledby="print-ref-h">
      <h2 id="print-ref-h">${typeTitle(p.type)} · ${serviceName(names, p)}</h2>
      <dl class="facts">
        <div><dt>${t('referrals.reference')}</dt><dd>${p.id}</dd></div>
        <div><dt>${t('referrals.sent_at')}</dt><dd>${formatTime(p.events?.find((e) => e.event === 'send')?.at || p.updated_at)}</dd></div>
        <div><dt>${t('referrals.due_at')}</dt><dd>${p.due_at ? formatTime(p.due_at) : '—'}</dd></div>
      </dl>
    </section>
    ${p.summary && html`<section class="print-block" aria-labelledby="print-summary-h">
      <h2 id="print-summary-h">${t('referrals.summary')}</h2><${Summary} s=${p.summary} /></section>`}
    <section class="print-block" aria-labelledby="print-person-h">
      <h2 id="print-person-h">${t('referrals.person')}</h2>
      <${ProfileFields} profile=${p.profile} person=${p.person || {}} />
    </section>
    <section class="print-block" aria-labelledby="print-reply-h">
      <h2 id="print-reply-h">${t('referrals.reply')}</h2>
      <p>${t('referrals.reply_intro')}</p>
      <dl class="facts facts--stacked print-lines">
        <div><dt>${t('referrals.reply_answer')}</dt><dd></dd></div>
        <div><dt>${t('referrals.reply_by')}</dt><dd></dd></div>
        <div><dt>${t('referrals.reply_date')}</dt><dd></dd></div>
      </dl>
    </section>
  </div>`;
}
