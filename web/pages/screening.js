// Screenings (docs/api.md "Screenings"): the case page's list with the start form, and the
// wizard at /screenings/:id — one question a screen, each answer saved at once with the
// screening's version as If-Match, the server's skip logic deciding what comes next; then
// the official's conclusion and the result (explanation, red flags, the case's needs and
// tasks, suggested referrals, each referred in one tap through the referral flow of refer.js).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime, language } from '../lib/i18n.js';
import { api, create, etag, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link, navigate } from '../lib/router.js';
import { Field, ErrorSummary, FieldError, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { vocab } from '../lib/vocab.js';
import { TasksSection } from './tasks.js';
import { ReferralFlow } from './refer.js';

const NONE = { fields: {}, general: [] };

// ---- the case page's section ----

export function ScreeningsSection({ caseId, onSessionEnded }) {
  const [items, setItems] = useState(null);
  const [denied, setDenied] = useState(false);
  const [error, setError] = useState(null);
  const [protocols, setProtocols] = useState(null);
  const [open, setOpen] = useState(false);
  const [v, setV] = useState({ protocol: '', lang: language(), interpreter: '' });
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [retry] = useState(retryKey); // this form's Idempotency-Key, kept across its retries
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else if (err.status === 403) setDenied(true);
    else setError(problemMessage(err));
  };
  useEffect(() => {
    api('GET', `/api/v1/cases/${caseId}/screenings`).then((o) => setItems(o.items), fail);
  }, [caseId]);
  const start = () => {
    setOpen(true);
    if (protocols) return;
    api('GET', `/api/v1/protocols?lang=${language()}`).then((o) => {
      setProtocols(o.items);
      const fc = o.items.find((p) => p.kind === 'first_contact') || o.items[0];
      setV((x) => ({ ...x, protocol: fc ? `${fc.id}@${fc.version}` : '' }));
    }, fail);
  };
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    const body = { protocol: v.protocol, lang: v.lang.trim() };
    if (v.interpreter.trim()) body.interpreter = v.interpreter.trim();
    try {
      const s = await create(`/api/v1/cases/${caseId}/screenings`, body, retry);
      navigate(`/screenings/${s.id}`);
      return;
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      setErrors(errorsFrom(err, (p) => ({ '/protocol': 'scr-protocol', '/lang': 'scr-lang',
        '/interpreter': 'scr-interpreter' }[p] || null)));
    }
    setBusy(false);
  };
  const labels = { 'scr-protocol': t('screenings.protocol'), 'scr-lang': t('screenings.lang'),
    'scr-interpreter': t('screenings.interpreter') };
  if (denied) {
    return html`<section class="card" aria-labelledby="screenings-h">
      <h2 id="screenings-h">${t('screenings.title')}</h2><p class="muted">${t('screenings.denied')}</p></section>`;
  }
  return html`<section class="card" aria-labelledby="screenings-h">
    <h2 id="screenings-h">${t('screenings.title')}</h2>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${items && (items.length
      ? html`<ul class="screening-list">${items.map((s) => html`<li>
          <${Link} href=${`/screenings/${s.id}`}>${s.protocol.id}@${s.protocol.version}<//>${
            ` · ${label('screening_status', s.status)} · ${formatTime(s.completed_at || s.started_at)}`}</li>`)}</ul>`
      : html`<p class="empty">${t('screenings.none')}</p>`)}
    ${!open
      ? html`<button type="button" class="button" aria-expanded="false" onClick=${start}>${t('screenings.start')}</button>`
      : html`<form onSubmit=${submit} noValidate class="stack">
          <h3>${t('screenings.new')}</h3>
          <${ErrorSummary} ...${errors} labels=${labels} />
          ${protocols && html`<${Field} id="scr-protocol" label=${labels['scr-protocol']} as="select"
            options=${protocols.map((p) => ({ value: `${p.id}@${p.version}`, label: p.title }))}
            value=${v.protocol} onChange=${set('protocol')} error=${errors.fields['scr-protocol']} required />`}
          <div class="grid">
            <${Field} id="scr-lang" label=${labels['scr-lang']} hint=${t('person.language_hint')} value=${v.lang}
              onInput=${set('lang')} error=${errors.fields['scr-lang']} required class="field--short" dir="ltr" />
            <${Field} id="scr-interpreter" label=${labels['scr-interpreter']} hint=${t('screenings.interpreter_hint')}
              value=${v.interpreter} onInput=${set('interpreter')} error=${errors.fields['scr-interpreter']}
              class="field--short" dir="ltr" />
          </div>
          <div class="actions">
            <button type="submit" class="button button--primary" disabled=${busy || !protocols}>${t('screenings.begin')}</button>
            <button type="button" class="button button--quiet" onClick=${() => { setOpen(false); setErrors(NONE); }}>${t('form.cancel')}</button>
          </div>
        </form>`}
  </section>`;
}

// ---- the wizard ----

function Guidance({ g }) {
  if (!g) return null;
  return html`<details class="details guidance">
    <summary>${t('wizard.guidance')}</summary>
    <dl class="facts facts--stacked">
      ${g.look_for && html`<div><dt>${t('wizard.look_for')}</dt><dd>${g.look_for}</dd></div>`}
      ${g.how_to_ask && html`<div><dt>${t('wizard.how_to_ask')}</dt><dd>${g.how_to_ask}</dd></div>`}
      ${g.never_ask && html`<div><dt>${t('wizard.never_ask')}</dt><dd>${g.never_ask}</dd></div>`}
    </dl>
  </details>`;
}

// The answer control of one question by its type; save(answer) records it.
function Answer({ q, value, save, busy, error }) {
  const [draft, setDraft] = useState(value === undefined || value === 'unknown' ? null : value);
  const errId = `q-${q.id}`;
  const err = html`<${FieldError} id=${errId} error=${error} />`;
  const described = error ? `${errId}-error` : undefined;
  if (q.type === 'yes_no') {
    return html`<div class="answer-buttons" role="group" aria-labelledby="q-text" aria-describedby=${described}>
      ${['yes', 'no'].map((a) => html`<button type="button" class=${`button button--answer ${value === a ? 'button--chosen' : ''}`}
        aria-pressed=${value === a ? 'true' : 'false'} disabled=${busy} onClick=${() => save(a)}>${label('answer', a)}</button>`)}
      ${err}
    </div>`;
  }
  const submit = (e) => {
    e.preventDefault();
    if (q.type === 'number') save(draft === null || draft === '' ? null : Number(draft));
    else if (q.type === 'multi') save(draft || []);
    else save(draft === '' ? null : draft);
  };
  let control;
  if (q.type === 'choice' || q.type === 'multi') {
    const multi = q.type === 'multi';
    const on = (id) => (multi ? (draft || []).includes(id) : draft === id);
    const toggle = (id) => (e) => {
      if (!multi) setDraft(id);
      else setDraft(e.currentTarget.checked ? [...(draft || []), id] : (draft || []).filter((x) => x !== id));
    };
    control = html`<fieldset class="choices" aria-describedby=${described}>
      <legend class="visually-hidden">${q.text}</legend>
      ${q.options.map((o) => html`<div class="check">
        <input type=${multi ? 'checkbox' : 'radio'} name=${errId} id=${`${errId}-${o.id}`} checked=${on(o.id)}
          aria-invalid=${error ? 'true' : undefined} onChange=${toggle(o.id)} />
        <label for=${`${errId}-${o.id}`}>${o.text}</label></div>`)}
    </fieldset>${err}`;
  } else {
    const kind = { number: { inputmode: 'numeric' }, partial_date: { inputmode: 'numeric', placeholder: 'YYYY-MM-DD' } }[q.type];
    control = html`<${Field} id=${errId} label=${t('wizard.your_answer')} as=${q.type === 'text' ? 'textarea' : 'input'}
      hint=${q.type === 'partial_date' ? t('wizard.date_hint') : q.type === 'number' && q.min !== null ? t('wizard.number_hint', { min: q.min, max: q.max }) : null}
      value=${draft ?? ''} onInput=${(e) => setDraft(e.currentTarget.value)} error=${error} dir=${q.type === 'text' ? 'auto' : 'ltr'}
      rows=${q.type === 'text' ? 4 : undefined} class=${q.type === 'text' ? '' : 'field--short'} ...${kind || {}} />`;
  }
  return html`<form onSubmit=${submit} noValidate class="stack">
    ${control}
    <div class="actions"><button type="submit" class="button button--primary" disabled=${busy}>${t('wizard.save_next')}</button></div>
  </form>`;
}

function Question({ q, s, proto, position, onSave, onBack, onNext, onFinish, busy, error }) {
  const heading = useRef(null);
  useEffect(() => { heading.current?.focus(); }, [q.id]);
  const value = s.answers[q.id];
  const genderQ = proto.questions.find((x) => x.id === 'interviewer_gender');
  const chosen = genderQ?.options.find((o) => o.id === s.answers.interviewer_gender);
  return html`<section class="card question" aria-labelledby="q-text" data-question=${q.id}>
    <p class="muted progress">${position.n
      ? t('wizard.progress', { n: position.n, total: position.total }) : ''} · ${q.section}</p>
    <h2 id="q-text" tabindex="-1" ref=${heading} dir="auto">${q.text}</h2>
    ${q.sensitive && html`<p class="notice sensitive">${chosen && s.answers.interviewer_gender !== 'no_preference'
      ? t('wizard.sensitive_chosen', { choice: chosen.text }) : t('wizard.sensitive')}</p>`}
    <${Guidance} g=${q.guidance} />
    <${Answer} key=${`${q.id}:${JSON.stringify(value)}`} q=${q} value=${value} save=${onSave} busy=${busy} error=${error} />
    <div class="actions wizard-nav">
      ${q.type !== 'text' && html`<button type="button" class=${`button ${value === 'unknown' ? 'button--chosen' : ''}`}
        aria-pressed=${value === 'unknown' ? 'true' : 'false'} disabled=${busy} onClick=${() => onSave('unknown')}>${t('wizard.unknown')}</button>`}
      <button type="button" class="button" disabled=${busy || !onBack} onClick=${onBack}>${t('wizard.back')}</button>
      ${(value !== undefined || q.type === 'text') && html`<button type="button" class="button" disabled=${busy} onClick=${onNext}>${t('wizard.next')}</button>`}
      <button type="button" class="button button--quiet" disabled=${busy} onClick=${onFinish}>${t('wizard.finish')}</button>
    </div>
  </section>`;
}

const CONCLUSION = [
  { id: 'possible_trafficking', options: () => ['yes', 'no', 'undetermined'].map((x) => [x, label('trafficking', x)]) },
  { id: 'intervention_level', options: () => ['low', 'medium', 'high'].map((x) => [x, vocab('intervention_levels', x)]) },
  { id: 'priority', options: () => ['routine', 'soon', 'urgent', 'immediate'].map((x) => [x, vocab('priorities', x)]) },
  { id: 'child', options: () => [[true, label('answer', 'yes')], [false, label('answer', 'no')]] },
];

function Conclusion({ s, onDone, onBack, onSessionEnded }) {
  const [v, setV] = useState({});
  const [reason, setReason] = useState('');
  const [askReason, setAskReason] = useState(false);
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const labels = { 'conc-reason': t('conclusion.reason'), 'conc-possible_trafficking': t('conclusion.possible_trafficking'),
    'conc-intervention_level': t('conclusion.intervention_level'), 'conc-priority': t('conclusion.priority'),
    'conc-child': t('conclusion.child') };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    const body = { conclusion: v };
    if (askReason && reason.trim()) body.reason = reason;
    try {
      onDone(await api('POST', `/api/v1/screenings/${s.id}/complete`, body, { 'If-Match': etag(s.version) }));
      return;
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      if (err.errors.some((x) => x.pointer === '/reason')) setAskReason(true);
      setErrors(errorsFrom(err, (p) => (p === '/reason' ? 'conc-reason'
        : p.startsWith('/conclusion/') ? `conc-${p.split('/')[2]}` : null)));
    }
    setBusy(false);
  };
  return html`<section class="card" aria-labelledby="conc-h">
    <h2 id="conc-h" tabindex="-1">${t('conclusion.title')}</h2>
    <p class="muted">${t('conclusion.intro')}</p>
    <form onSubmit=${submit} noValidate class="stack">
      <${ErrorSummary} ...${errors} labels=${labels} />
      ${CONCLUSION.map((c) => {
        const id = `conc-${c.id}`;
        const error = errors.fields[id];
        return html`<fieldset class="choices" aria-describedby=${error ? `${id}-error` : undefined}>
          <legend>${labels[id]}</legend>
          <div class="choices__row">${c.options().map(([val, text], i) => html`<div class="check">
            <input type="radio" name=${id} id=${i === 0 ? id : `${id}-${i}`} checked=${v[c.id] === val}
              aria-invalid=${error ? 'true' : undefined} onChange=${() => setV({ ...v, [c.id]: val })} />
            <label for=${i === 0 ? id : `${id}-${i}`}>${text}</label></div>`)}</div>
          <${FieldError} id=${id} error=${error} />
        </fieldset>`;
      })}
      ${askReason && html`<${Field} id="conc-reason" as="textarea" rows="4" label=${labels['conc-reason']}
        hint=${t('conclusion.reason_hint')} value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}
        error=${errors.fields['conc-reason']} dir="auto" required />`}
      <div class="actions">
        <button type="submit" class="button button--primary" disabled=${busy}>${t('conclusion.complete')}</button>
        <button type="button" class="button" disabled=${busy} onClick=${onBack}>${t('wizard.back')}</button>
      </div>
    </form>
  </section>`;
}

function Result({ s, onSessionEnded }) {
  const r = s.result;
  const [needs, setNeeds] = useState(null);
  const [referring, setReferring] = useState(null); // the suggestion being referred (refer.js)
  useEffect(() => {
    api('GET', `/api/v1/cases/${s.case_id}/needs`).then((o) => setNeeds(o.items), (err) => {
      if (err.status === 401) onSessionEnded();
      else setNeeds([]);
    });
  }, [s.id]);
  const child = r.person?.presumed_child ? t('result.presumed_child') : r.person?.age_group === 'child' ? t('result.child') : null;
  return html`
    ${child && html`<section class="card card--warning presumption" aria-labelledby="child-h">
      <h2 id="child-h">${child}</h2><p>${t('result.child_hint')}</p></section>`}
    <section class="card" aria-labelledby="summary-h">
      <h2 id="summary-h">${t('result.summary')}</h2>
      <dl class="facts">
        <div><dt>${t('result.priority')}</dt><dd>${r.priority ? vocab('priorities', r.priority) : '—'}</dd></div>
        <div><dt>${t('result.intervention_level')}</dt><dd>${r.intervention_level ? vocab('intervention_levels', r.intervention_level) : '—'}</dd></div>
        ${s.conclusion && html`<div><dt>${t('conclusion.possible_trafficking')}</dt>
          <dd>${label('trafficking', s.conclusion.possible_trafficking)}</dd></div>`}
      </dl>
      ${s.differs && html`<p class="notice">${t('result.differs')}</p>`}
      <h3>${t('result.explanation')}</h3>
      <ol class="bullets explanation">${(r.explanation || []).map((x) => html`<li>${x}</li>`)}</ol>
    </section>
    <section class="card" aria-labelledby="flags-h">
      <h2 id="flags-h">${t('result.red_flags')}</h2>
      ${r.red_flags?.length ? html`<ul class="bullets red-flags">${r.red_flags.map((f) => html`<li>${vocab('red_flags', f)}</li>`)}</ul>`
        : html`<p class="empty">${t('result.none')}</p>`}
    </section>
    <section class="card" aria-labelledby="needs-h">
      <h2 id="needs-h">${t('result.needs')}</h2>
      ${needs && (needs.length ? html`<ul class="bullets needs">${needs.map((n) => html`<li>${vocab('needs', n.kind)}
        · ${label('need_status', n.status)}</li>`)}</ul>` : html`<p class="empty">${t('result.none')}</p>`)}
    </section>
    <${TasksSection} caseId=${s.case_id} onSessionEnded=${onSessionEnded} />
    <section class="card" aria-labelledby="referrals-h">
      <h2 id="referrals-h">${t('result.referrals')}</h2>
      ${r.referrals?.length ? html`<ul class="task-list referrals">${r.referrals.map((x, i) => html`<li class="task" data-service=${x.service}>
        <span>${t('result.referral', { need: vocab('needs', x.need), service: vocab('services', x.service) })}</span>
        <button type="button" class="button" onClick=${() => setReferring({ need: x.need, kind: x.service, screeningId: s.id, suggestion: i })}
          aria-label=${t('result.refer_named', { need: vocab('needs', x.need) })}>${t('needs.refer')}</button></li>`)}</ul>`
        : html`<p class="empty">${t('result.none')}</p>`}
    </section>
    ${referring && html`<${ReferralFlow} key=${referring.suggestion} caseId=${s.case_id} start=${referring} onSent=${() => {}}
      onClose=${() => setReferring(null)} onSessionEnded=${onSessionEnded} />`}`;
}

export function ScreeningPage({ id, onSessionEnded }) {
  const [s, setS] = useState(null);
  const [proto, setProto] = useState(null);
  const [cur, setCur] = useState(null); // the question shown, or 'conclude'
  const [error, setError] = useState(null);
  const [answerError, setAnswerError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const title = proto ? proto.title : t('wizard.loading');
  usePage(title, Boolean(proto || error));
  const fail = (err) => {
    if (err.status === 401) onSessionEnded();
    else setError(problemMessage(err));
  };
  const load = () => api('GET', `/api/v1/screenings/${id}?lang=${language()}`).then((x) => {
    setS(x);
    setCur(x.questions.next || 'conclude');
    return x;
  });
  useEffect(() => {
    load().then((x) => api('GET', `/api/v1/protocols/${x.protocol.id}@${x.protocol.version}?lang=${language()}`))
      .then((p) => setProto({ ...p, questions: p.sections.flatMap((sec) => sec.questions.map((q) => ({ ...q, section: sec.title }))) }), fail);
  }, [id]);
  if (error) {
    return html`<div class="page"><h1 tabindex="-1">${t('wizard.unavailable')}</h1>
      <p class="alert" role="alert">${error}</p></div>`;
  }
  if (!s || !proto) return html`<div class="page"><h1 tabindex="-1">${t('wizard.loading')}</h1></div>`;
  const asked = s.questions.asked;
  const idx = asked.indexOf(cur);
  const save = async (answer) => {
    setBusy(true);
    setNotice('');
    try {
      const x = await api('PATCH', `/api/v1/screenings/${id}`, { answers: { [cur]: answer } }, { 'If-Match': etag(s.version) });
      setS(x);
      setAnswerError(null);
      // the server's skip logic: the first asked question without an answer
      setCur(x.questions.next || 'conclude');
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else if (err.status === 412) {
        await load().catch(fail);
        setNotice(t('wizard.reloaded'));
      } else if (err.status === 400) setAnswerError(err.errors[0]?.reason || problemMessage(err));
      else setAnswerError(problemMessage(err));
    }
    setBusy(false);
  };
  const go = (q) => { setAnswerError(null); setCur(q); };
  const q = proto.questions.find((x) => x.id === cur);
  const back = cur === 'conclude' ? asked[asked.length - 1] : idx > 0 ? asked[idx - 1] : null;
  let body;
  if (s.status === 'completed') body = html`<${Result} s=${s} onSessionEnded=${onSessionEnded} />`;
  else if (cur === 'conclude' || !q) {
    body = html`<${Conclusion} s=${s} onSessionEnded=${onSessionEnded} onBack=${() => back && go(back)}
      onDone=${() => load().catch(fail)} />`;
  } else {
    body = html`<${Question} q=${q} s=${s} proto=${proto} busy=${busy} error=${answerError}
      position=${{ n: idx + 1, total: asked.length }} onSave=${save} onBack=${back ? () => go(back) : null}
      onNext=${() => go(asked[idx + 1] || 'conclude')} onFinish=${() => go('conclude')} />`;
  }
  return html`<div class="page wizard">
    <p class="breadcrumb"><${Link} href=${`/cases/${s.case_id}`}>${t('wizard.back_to_case')}<//></p>
    <h1 tabindex="-1">${proto.title}</h1>
    ${proto.status === 'provisional' && html`<p class="notice provisional">${t('wizard.provisional')}</p>`}
    <p class="muted">${t('wizard.interview', { lang: s.lang })}${s.interpreter ? ` · ${t('wizard.interpreter', { lang: s.interpreter })}` : ''}</p>
    <p class="muted" role="status">${notice}</p>
    ${body}
  </div>`;
}
