// Deadlines (docs/api.md "Deadlines"): the time limits the jurisdiction's rules start from a
// case's events and decisions — targets to meet by a date, minimum periods to wait out. The
// case page's section (each deadline's title in the reader's language where the file has
// it, due time in the reader's language and the jurisdiction's time zone, its state in
// words, "Mark met" for an open target, and "Record referral to the national referral
// mechanism") and the agency's open deadlines at /deadlines, overdue first. Overdue is a red
// edge and the word, never colour alone.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime, language } from '../lib/i18n.js';
import { api, create, etag, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Checkbox, label, problemMessage } from '../lib/fields.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { useList, useItemChange, Section } from '../lib/section.js';

// The due time in the jurisdiction's time zone (the deadline's time_zone), named;
// "open-ended" without one.
function due(d) {
  if (!d.due_at) return t('deadlines.open_ended');
  return t('deadlines.due', { time: formatTime(d.due_at, d.time_zone || 'UTC'), zone: d.time_zone || 'UTC' });
}

// onMet(d): PATCH the target met; withCase: the deadline names and links its case.
export function DeadlineList({ items, onMet, withCase }) {
  if (!items.length) return html`<p class="empty">${t('deadlines.none')}</p>`;
  return html`<ul class="task-list deadline-list">${items.map((d) => html`<li
      class=${`task deadline deadline--${d.state}${d.overdue ? ' task--overdue' : ''}`} data-rule=${d.rule}>
    <span class="task__name" dir="auto">${d.title}</span>
    <strong class=${d.overdue ? 'overdue' : 'deadline__state'}>${label('deadline_state', d.state)}</strong>
    <span class="muted">${label('deadline_kind', d.kind)} · ${due(d)}${Number.isInteger(d.working_days_left) && d.working_days_left >= 0 && !d.overdue
      ? ` · ${t('deadlines.days_left', { n: d.working_days_left })}` : ''}</span>
    ${d.text && html`<span class="deadline__text" dir="auto">${d.text}</span>`}
    ${d.problem && html`<span class="deadline__problem">${d.problem}</span>`}
    ${withCase && html`<${Link} href=${`/cases/${d.case_id}`}>${t('tasks.case', { number: d.case_number })}<//>`}
    ${d.kind === 'target' && d.status === 'open' && html`<button type="button" class="button" onClick=${() => onMet(d)}
      aria-label=${t('deadlines.mark_met_named', { deadline: d.title })}>${t('deadlines.mark_met')}</button>`}
  </li>`)}</ul>`;
}

export const markMet = (d) => api('PATCH', `/api/v1/deadlines/${d.id}`, { status: 'met' }, { 'If-Match': etag(d.version) });

export function DeadlinesSection({ caseId, onSessionEnded }) {
  const list = useList(`/api/v1/cases/${caseId}/deadlines?lang=${language()}`, onSessionEnded);
  const [retry] = useState(retryKey); // the event's Idempotency-Key, kept across its retries
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState({ error: null, done: '' });
  const met = (d) => markMet(d).then(list.replace, (err) => (err.status === 412 ? list.load() : list.fail(err)));
  const referral = async () => {
    setBusy(true);
    try {
      const out = await create(`/api/v1/cases/${caseId}/events`, { event: 'referral' }, retry);
      setSaid({ error: null, done: t('deadlines.referral_recorded', { n: out.started.length }) });
      await list.load();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setSaid({ error: problemMessage(err), done: '' });
    }
    setBusy(false);
  };
  return html`<${Section} id="deadlines-h" title=${t('deadlines.title')} denied=${t('deadlines.denied')} status=${list.status}>
    ${list.items && html`<${DeadlineList} items=${list.items} onMet=${met} />`}
    ${list.data?.withheld > 0 && html`<p class="muted">${t('deadlines.withheld', { n: list.data.withheld })}</p>`}
    ${said.error && html`<p class="alert" role="alert">${said.error}</p>`}
    <div class="actions">
      <button type="button" class="button" disabled=${busy || !list.items} onClick=${referral}>${t('deadlines.record_referral')}</button>
      <span class="muted" role="status">${said.done}</span>
    </div>
  <//>`;
}

export function DeadlinesPage({ onSessionEnded }) {
  usePage(t('deadlines.title'));
  const [overdueOnly, setOverdueOnly] = useState(false);
  const list = usePaged('/api/v1/deadlines', { state: overdueOnly ? 'overdue' : 'open', lang: language() }, 50, onSessionEnded);
  const change = useItemChange(list, onSessionEnded);
  // overdue first, then as the API orders them (soonest first)
  const items = list.items && [...list.items.filter((d) => d.overdue), ...list.items.filter((d) => !d.overdue)];
  const unavailable = list.failure && [404, 503].includes(list.failure.status);
  return html`<div class="page">
    <h1 tabindex="-1">${t('deadlines.title')}</h1>
    <p class="lead">${t('deadlines.intro')}</p>
    <${Checkbox} id="deadlines-overdue" label=${t('deadlines.overdue_only')} checked=${overdueOnly}
      onChange=${(e) => setOverdueOnly(e.currentTarget.checked)} />
    ${change.error && html`<p class="alert" role="alert">${change.error}</p>`}
    <section class="card" aria-label=${t('deadlines.title')}>
      ${unavailable ? html`<p class="muted">${t('section.unavailable')}</p>` : html`
        ${items && html`<${DeadlineList} items=${items} onMet=${(d) => change.run(d, markMet)} withCase />`}
        <${PagedFooter} list=${list} moreLabel=${t('deadlines.more')} />`}
    </section>
  </div>`;
}
