// The data protection officer's subject-access page (/subject-access; docs/retention.md):
// ask for the export of a case (its number, and who asked on what authority), review what was
// written — its sections and the members to redact before release, grouped by reason — and
// download the document; the agency's earlier exports, each to review again. The export is
// sealed on the server; the review shows member names, never their values; every step is
// recorded in the audit trail and flagged to the DPO.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Field, ErrorSummary, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { CODES } from '../lib/codes.js';

const FIELD_OF = { '/case': 'sar-case', '/requester': 'sar-requester' };
const NONE = { fields: {}, general: [] };

function Review({ e }) {
  const groups = CODES.redaction_reason.map((reason) => ({ reason, items: e.redactions.filter((m) => m.reason === reason) }))
    .filter((g) => g.items.length);
  return html`<section class="card stack" aria-labelledby="sar-review-h" data-export=${e.id}>
    <h2 id="sar-review-h" tabindex="-1">${t('subject.review_title', { number: e.case_number })}</h2>
    <dl class="facts">
      <div><dt>${t('subject.requester')}</dt><dd dir="auto">${e.requester}</dd></div>
      <div><dt>${t('subject.exported')}</dt><dd>${t('subject.exported_by', { time: formatTime(e.exported_at), user: e.exported_by })}</dd></div>
    </dl>
    <h3>${t('subject.sections')}</h3>
    <ul class="subject-sections">${e.sections.map((s) => html`<li data-section=${s}>${label('subject_section', s)}</li>`)}</ul>
    <h3>${t('subject.redactions', { n: e.redactions.length })}</h3>
    <p class="muted">${t('subject.redactions_intro')}</p>
    ${groups.length ? groups.map((g) => html`<div class="subject-group" data-reason=${g.reason}>
      <h4>${label('redaction_reason', g.reason)} (${g.items.length})</h4>
      <p class="hint">${label('redaction_hint', g.reason)}</p>
      <ul>${g.items.map((m) => html`<li><code dir="ltr" translate="no">${m.pointer}</code></li>`)}</ul>
    </div>`) : html`<p class="empty">${t('subject.no_redactions')}</p>`}
    <div class="actions">
      <a class="button button--primary" href=${`/api/v1/subject-exports/${e.id}/document`}
        download=${`subject-access-${e.case_number}.json`}>${t('subject.download')}</a>
    </div>
    <p class="hint">${t('subject.download_hint')}</p>
  </section>`;
}

export function SubjectAccessPage({ onSessionEnded }) {
  usePage(t('subject.title'));
  const [v, setV] = useState({ case: new URLSearchParams(location.search).get('case') || '', requester: '' });
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [review, setReview] = useState(null);
  const [list, setList] = useState(null);
  const [status, setStatus] = useState('');
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else setStatus(problemMessage(err));
  };
  const load = () => api('GET', '/api/v1/subject-exports').then((o) => setList(o.items), fail);
  useEffect(() => { load(); }, []);
  const show = (e) => {
    setReview(e);
    setTimeout(() => document.getElementById('sar-review-h')?.focus(), 0);
  };
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NONE);
    try {
      const out = await api('POST', '/api/v1/subject-exports', { case: v.case.trim(), requester: v.requester });
      setV({ case: '', requester: '' });
      show(out);
      await load();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setErrors(errorsFrom(err, (p) => FIELD_OF[p] || null));
    }
    setBusy(false);
  };
  const open = async (id) => {
    try {
      show(await api('GET', `/api/v1/subject-exports/${id}`));
    } catch (err) {
      fail(err);
    }
  };
  const labels = { 'sar-case': t('subject.case'), 'sar-requester': t('subject.requester') };
  return html`<div class="page">
    <h1 tabindex="-1">${t('subject.title')}</h1>
    <p class="lead">${t('subject.intro')}</p>
    <form class="card stack" aria-labelledby="sar-new-h" onSubmit=${submit} noValidate>
      <h2 id="sar-new-h">${t('subject.new')}</h2>
      <${ErrorSummary} ...${errors} labels=${labels} />
      <${Field} id="sar-case" label=${t('subject.case')} hint=${t('subject.case_hint')} required value=${v.case}
        onInput=${set('case')} error=${errors.fields['sar-case']} class="field--short" autocomplete="off" />
      <${Field} id="sar-requester" label=${t('subject.requester')} hint=${t('subject.requester_hint')} required
        value=${v.requester} onInput=${set('requester')} error=${errors.fields['sar-requester']} maxLength="400"
        dir="auto" autocomplete="off" />
      <div class="actions"><button type="submit" class="button button--primary" disabled=${busy}>${t('subject.submit')}</button></div>
    </form>
    ${review && html`<${Review} e=${review} />`}
    <section class="card" aria-labelledby="sar-list-h">
      <h2 id="sar-list-h">${t('subject.list')}</h2>
      ${status && html`<p class="alert" role="alert">${status}</p>`}
      ${list && (list.length ? html`<ul class="task-list">${list.map((e) => html`<li class="task" data-export=${e.id}>
          <span class="task__name">${e.case_number}</span>
          <span class="muted">${t('subject.exported_by', { time: formatTime(e.exported_at), user: e.exported_by })}</span>
          <button type="button" class="button button--quiet" onClick=${() => open(e.id)}
            aria-label=${t('subject.review_named', { number: e.case_number, time: formatTime(e.exported_at) })}>${t('subject.review')}</button>
        </li>`)}</ul>` : html`<p class="empty">${t('subject.none')}</p>`)}
    </section>
  </div>`;
}
