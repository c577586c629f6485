// The data protection officer's audit page: the trail a page at a time (GET /api/v1/audit,
// newest last as the API gives it) filtered by action, object id and dates, each record with
// its time, actor, action, object, field tokens and flags (a refusal, a DPO flag or a
// break-glass access stands out); and the check of the whole chain (GET /api/v1/audit/verify).
// Records hold ids and field-name tokens only, never values. Reading the trail is itself
// recorded.
import { useMemo, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { Field, ErrorSummary, errorsFrom, problemMessage } from '../lib/fields.js';

const PAGE = 50;
const BLANK = { action: '', object: '', from: '', to: '' };
const FIELD_OF = { '/action': 'a-action', '/object': 'a-object', '/from': 'a-from', '/to': 'a-to' };

// The API's `to` is exclusive; the form's date is the last day shown.
function dayAfter(date) {
  const d = new Date(`${date}T00:00:00Z`);
  if (!date || Number.isNaN(d.getTime())) return date;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// What makes a record stand out, as badges: a refusal, the DPO's flag, break-glass.
function marks(rec) {
  const out = [];
  if ((rec.reason || '').startsWith('denied:')) out.push({ cls: 'refused', text: t('audit.refused', { reason: rec.reason.slice(7) }) });
  if ((rec.flags || []).includes('dpo')) out.push({ cls: 'dpo', text: t('audit.flag_dpo') });
  if ((rec.flags || []).includes('break_glass')) out.push({ cls: 'break-glass', text: t('audit.flag_break_glass') });
  return out;
}

function Record({ rec }) {
  const m = marks(rec);
  const code = (s) => html`<code dir="ltr" translate="no">${s}</code>`;
  return html`<li class=${`audit-row ${m.length ? 'audit-row--marked' : ''}`}>
    <div class="audit-row__head">
      <span class="audit-row__action">${code(rec.action)}</span>
      <span class="muted"><time datetime=${rec.at}>${formatTime(rec.at)}</time> · ${t('audit.seq', { seq: rec.seq })}</span>
      ${m.length > 0 && html`<span class="badges">${m.map((x) => html`<span class=${`badge badge--audit-${x.cls}`}>${x.text}</span>`)}</span>`}
    </div>
    <dl class="audit-row__facts">
      <div><dt>${t('audit.actor')}</dt><dd>${rec.actor ? code(rec.actor) : t('audit.system')}
        ${rec.roles && html` <span class="muted">${rec.roles}</span>`}</dd></div>
      ${rec.object_id && html`<div><dt>${t('audit.object')}</dt><dd>${code(`${rec.object_type || ''} ${rec.object_id}`.trim())}</dd></div>`}
      ${rec.objects?.length > 0 && html`<div><dt>${t('audit.objects')}</dt><dd>${t('audit.n_objects', { n: rec.objects.length })}</dd></div>`}
      ${rec.fields && html`<div><dt>${t('audit.fields')}</dt><dd>${code(rec.fields)}</dd></div>`}
      ${rec.reason && !rec.reason.startsWith('denied:') && html`<div><dt>${t('audit.reason')}</dt><dd>${code(rec.reason)}</dd></div>`}
    </dl>
  </li>`;
}

function VerifyPanel({ onSessionEnded }) {
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api('GET', '/api/v1/audit/verify'));
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    }
    setBusy(false);
  };
  return html`<section class="card" aria-labelledby="verify-h">
    <h2 id="verify-h">${t('audit.verify_title')}</h2>
    <p class="hint">${t('audit.verify_hint')}</p>
    <div class="actions">
      <button type="button" class="button" onClick=${verify} disabled=${busy}>${t('audit.verify')}</button>
    </div>
    <div aria-live="polite">
      ${busy && html`<p class="muted">${t('audit.verifying')}</p>`}
      ${report && html`<div class=${`verdict ${report.ok ? 'verdict--ok' : 'verdict--bad'}`}>
        <p class="verdict__title">${report.ok ? t('audit.intact') : t('audit.broken')}</p>
        <p>${t('audit.verify_counts', { records: report.records, checkpoints: report.checkpoints, last: report.last_seq })}</p>
        ${!report.ok && html`<ul class="bullets">${(report.findings || []).map((f) => html`<li>
          ${t('audit.finding', { seq: f.seq, line: f.line })} ${html`<code dir="ltr">${f.kind}</code>`}</li>`)}</ul>`}
      </div>`}
    </div>
    <div aria-live="assertive">${error && html`<p class="alert">${error}</p>`}</div>
  </section>`;
}

export function AuditPage({ onSessionEnded }) {
  usePage(t('audit.title'));
  const [v, setV] = useState(BLANK);
  const [query, setQuery] = useState(BLANK);
  const list = usePaged('/api/v1/audit', query, PAGE, onSessionEnded);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  // (made once per failure: the summary takes the focus each time its errors change)
  const errors = useMemo(() => (list.failure?.errors.length ? errorsFrom(list.failure, (p) => FIELD_OF[p] || null)
    : { fields: {}, general: [] }), [list.failure]);
  const labels = { 'a-action': t('audit.action'), 'a-object': t('audit.object_id'), 'a-from': t('audit.from'),
    'a-to': t('audit.to') };
  const submit = (e) => {
    e.preventDefault();
    setQuery({ action: v.action.trim(), object: v.object.trim(), from: v.from, to: dayAfter(v.to) });
  };
  const clear = () => {
    setV(BLANK);
    setQuery(BLANK);
  };
  const err = (id) => errors.fields[id];
  return html`<div class="page">
    <h1 tabindex="-1">${t('audit.title')}</h1>
    <p class="lead">${t('audit.intro')}</p>
    <${VerifyPanel} onSessionEnded=${onSessionEnded} />
    <form class="card" aria-labelledby="filter-h" onSubmit=${submit} noValidate>
      <h2 id="filter-h">${t('audit.filter')}</h2>
      <${ErrorSummary} ...${errors} labels=${labels} />
      <div class="grid">
        <${Field} id="a-action" label=${labels['a-action']} hint=${t('audit.action_hint')} value=${v.action}
          onInput=${set('action')} error=${err('a-action')} autocomplete="off" spellcheck="false" dir="ltr" />
        <${Field} id="a-object" label=${labels['a-object']} hint=${t('audit.object_hint')} value=${v.object}
          onInput=${set('object')} error=${err('a-object')} autocomplete="off" spellcheck="false" dir="ltr" />
        <${Field} id="a-from" label=${labels['a-from']} type="date" value=${v.from} onInput=${set('from')} error=${err('a-from')} />
        <${Field} id="a-to" label=${labels['a-to']} type="date" value=${v.to} onInput=${set('to')} error=${err('a-to')} />
      </div>
      <div class="actions">
        <button type="submit" class="button button--primary">${t('audit.apply')}</button>
        <button type="button" class="button button--quiet" onClick=${clear}>${t('audit.clear')}</button>
      </div>
    </form>
    <section class="card" aria-labelledby="trail-h">
      <h2 id="trail-h">${t('audit.trail')}</h2>
      ${list.items && (list.items.length
        ? html`<ol class="audit-list">${list.items.map((r) => html`<${Record} key=${r.seq} rec=${r} />`)}</ol>`
        : html`<p class="empty">${t('audit.none')}</p>`)}
      <${PagedFooter} list=${errors.general.length || Object.keys(errors.fields).length ? { ...list, error: null } : list}
        moreLabel=${t('audit.more')} />
    </section>
  </div>`;
}
