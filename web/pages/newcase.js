// The new-case form (POST /api/v1/cases): the person with name parts as the document has
// them, a partial date of birth in the document's calendar, nationality, a document, a phone,
// safety information; priority and flags. Nothing is checked here that the API checks: its
// problem document's pointers put each reason beside its field, and the first bad field
// takes the focus. Before saving, the registration check runs on the person: when it finds
// possible matches they are shown (matchcheck.js) and the user opens the case anyway or not.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, create, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { navigate } from '../lib/router.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label } from '../lib/fields.js';
import { CODES } from '../lib/codes.js';
import { MatchPanel } from './matchcheck.js';

const NONE = { fields: {}, general: [] };
// synthetic is the demo's; legal_hold and anonymised are set by their own operations (the
// incoming referral's form offers the same)
export const FLAGS = CODES.flag.filter((f) => !['synthetic', 'legal_hold', 'anonymised'].includes(f));

function blankForm() {
  return {
    names: [{ role: 'given', original: '', romanised: '' }, { role: 'family', original: '', romanised: '' }],
    sex: '', gender: '',
    dob: { calendar: 'gregorian', precision: '', year: '', month: '', day: '', estimated: false },
    nationalities: '', languages: '',
    doc: { type: 'passport', country: '', number: '' },
    phone: '',
    safety: { safe_contact: '', never_use: '', people_to_avoid: '' },
    priority: 'normal', flags: [],
  };
}

const codes = (s) => s.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase());
const int = (s) => Number.parseInt(s, 10);
const pad = (s, n) => String(s).trim().padStart(n, '0');

// The request body, and which form row each sent name part came from.
function toBody(f) {
  const rows = [];
  const names = [];
  f.names.forEach((n, i) => {
    if (!n.original.trim() && !n.romanised.trim()) return;
    const part = { role: n.role };
    if (n.original.trim()) part.original = n.original.trim();
    if (n.romanised.trim()) part.romanised = n.romanised.trim();
    rows.push(i);
    names.push(part);
  });
  const person = { names };
  if (f.sex) person.sex = f.sex;
  if (f.gender) person.gender_identity = f.gender;
  const d = f.dob;
  if (d.precision) {
    const dob = {};
    if (d.calendar === 'gregorian') {
      let iso = pad(d.year, 4);
      if (d.precision !== 'year') iso += `-${pad(d.month, 2)}`;
      if (d.precision === 'day') iso += `-${pad(d.day, 2)}`;
      dob.date = iso;
    } else {
      dob.calendar = d.calendar;
      dob.year = int(d.year) || 0;
      if (d.precision !== 'year') dob.month = int(d.month) || 0;
      if (d.precision === 'day') dob.day = int(d.day) || 0;
    }
    if (d.estimated) dob.estimated = true;
    person.date_of_birth = dob;
  }
  if (f.nationalities.trim()) person.nationalities = codes(f.nationalities);
  if (f.languages.trim()) person.languages = f.languages.split(/[\s,]+/).filter(Boolean).map((c) => c.toLowerCase());
  if (f.doc.number.trim() || f.doc.country.trim()) {
    person.documents = [{ type: f.doc.type, country: f.doc.country.trim().toUpperCase(), number: f.doc.number.trim() }];
  }
  if (f.phone.trim()) person.contacts = [{ kind: 'phone', value: f.phone.trim() }];
  const safety = Object.fromEntries(Object.entries(f.safety).filter(([, v]) => v.trim()));
  if (Object.keys(safety).length) person.safety = safety;
  const body = { person, priority: f.priority };
  if (f.flags.length) body.flags = f.flags;
  return { body, rows };
}

// The field that owns a JSON pointer of the API's answer, or null.
function fieldOf(pointer, f, rows) {
  const p = pointer.split('/').slice(1);
  if (p[0] === 'priority') return 'priority';
  if (p[0] === 'flags') return f.flags[int(p[1])] ? `flag-${f.flags[int(p[1])]}` : `flag-${FLAGS[0]}`;
  if (p[0] !== 'person') return null;
  switch (p[1]) {
  case 'names': {
    const row = p[2] === undefined ? 0 : rows[int(p[2])] ?? 0;
    const part = ['role', 'romanised'].includes(p[3]) ? p[3] : 'original';
    return `name-${row}-${part}`;
  }
  case 'sex': return 'sex';
  case 'gender_identity': return 'gender';
  case 'date_of_birth': {
    const which = { year: 'year', month: 'month', day: 'day', calendar: 'calendar' }[p[2]];
    if (which) return `dob-${which}`;
    const precise = { year: 'year', month: 'month', day: 'day' }[f.dob.precision];
    return `dob-${precise || 'precision'}`;
  }
  case 'nationalities': return 'nationalities';
  case 'languages': return 'languages';
  case 'documents': return `doc-${['type', 'country'].includes(p[4]) ? p[4] : 'number'}`;
  case 'contacts': return 'phone';
  case 'safety': return ['safe_contact', 'never_use', 'people_to_avoid'].includes(p[2]) ? `safety-${p[2]}` : 'safety-safe_contact';
  default: return null;
  }
}

export function NewCasePage({ onSessionEnded }) {
  usePage(t('newcase.title'));
  const [f, setF] = useState(blankForm);
  const [retry] = useState(retryKey); // this form's Idempotency-Key, kept across its retries
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  // the last check's answer, and the person it was about (a change checks again)
  const [match, setMatch] = useState(null);
  const [matched, setMatched] = useState('');
  useEffect(() => { if (match) document.getElementById('match-h')?.focus(); }, [match]);
  const err = (id) => errors.fields[id];
  const setTop = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const setIn = (group, k) => (e) => setF({ ...f, [group]: { ...f[group], [k]: e.currentTarget.value } });
  const setName = (i, k) => (e) => {
    const names = f.names.slice();
    names[i] = { ...names[i], [k]: e.currentTarget.value };
    setF({ ...f, names });
  };
  const addName = () => setF({ ...f, names: [...f.names, { role: 'other', original: '', romanised: '' }] });
  const removeName = (i) => setF({ ...f, names: f.names.filter((_, j) => j !== i) });
  const toggleFlag = (flag) => (e) => setF({
    ...f, flags: e.currentTarget.checked ? [...f.flags, flag] : f.flags.filter((x) => x !== flag),
  });

  const labels = {
    sex: t('person.sex'), gender: t('person.gender'), nationalities: t('person.nationalities'),
    languages: t('person.languages'), 'doc-type': t('person.document_type'),
    'doc-country': t('person.document_country'), 'doc-number': t('person.document_number'),
    phone: t('person.phone'), 'dob-calendar': t('dob.calendar'), 'dob-precision': t('dob.precision'),
    'dob-year': t('dob.year'), 'dob-month': t('dob.month'), 'dob-day': t('dob.day'),
    'safety-safe_contact': t('safety.safe_contact'), 'safety-never_use': t('safety.never_use'),
    'safety-people_to_avoid': t('safety.people_to_avoid'), priority: t('case.priority'),
  };
  f.names.forEach((_, i) => {
    labels[`name-${i}-role`] = t('newcase.name_n_role', { n: i + 1 });
    labels[`name-${i}-original`] = t('newcase.name_n_original', { n: i + 1 });
    labels[`name-${i}-romanised`] = t('newcase.name_n_romanised', { n: i + 1 });
  });
  FLAGS.forEach((x) => { labels[`flag-${x}`] = label('flag', x); });

  const fail = (ex, rows) => {
    if (ex.status === 401) onSessionEnded();
    setErrors(errorsFrom(ex, (p) => fieldOf(p, f, rows)));
    setBusy(false);
  };

  // The registration check: true when it found possible matches not shown yet. A check that
  // cannot run never stands in the way of saving: a bad field is the create's to name beside
  // it, and the server busy or without matching parameters leaves the check out.
  const checkFirst = async (person) => {
    const key = JSON.stringify(person);
    if (match && key === matched) return false;
    try {
      const r = await api('POST', '/api/v1/persons/match-check', { person });
      setMatched(key);
      setMatch(r.candidates.length ? r : null);
      return r.candidates.length > 0;
    } catch (ex) {
      if (ex.status === 401) throw ex;
      setMatch(null);
      return false;
    }
  };

  const unchanged = match && JSON.stringify(toBody(f).body.person) === matched;

  const submit = async (e) => {
    e.preventDefault();
    const { body, rows } = toBody(f);
    setBusy(true);
    try {
      if (await checkFirst(body.person)) {
        setErrors(NONE);
        setBusy(false);
        return;
      }
    } catch (ex) {
      fail(ex, rows);
      return;
    }
    try {
      const c = await create('/api/v1/cases', body, retry);
      navigate(`/cases/${c.id}`);
    } catch (ex) {
      fail(ex, rows);
    }
  };

  const d = f.dob;
  const precisionOptions = [{ value: '', label: t('dob.unknown') }, { value: 'year', label: t('dob.year_only') },
    { value: 'month', label: t('dob.year_month') }, { value: 'day', label: t('dob.full') }];
  return html`<div class="page page--narrow">
    <h1 tabindex="-1">${t('newcase.title')}</h1>
    <p class="lead">${t('newcase.intro')}</p>
    <form onSubmit=${submit} noValidate class="stack">
      <${ErrorSummary} ...${errors} labels=${labels} />

      <fieldset class="card">
        <legend>${t('newcase.names')}</legend>
        <p class="hint">${t('newcase.names_hint')}</p>
        ${f.names.map((n, i) => html`<div class="name-row" key=${i}>
          <${Field} id=${`name-${i}-role`} label=${t('person.name_role')} as="select" options=${codeOptions('name_role')}
            value=${n.role} onChange=${setName(i, 'role')} error=${err(`name-${i}-role`)} />
          <${Field} id=${`name-${i}-original`} label=${t('person.original')} value=${n.original} dir="auto"
            onInput=${setName(i, 'original')} error=${err(`name-${i}-original`)} autocomplete="off" />
          <${Field} id=${`name-${i}-romanised`} label=${t('person.romanised')} value=${n.romanised} dir="ltr"
            onInput=${setName(i, 'romanised')} error=${err(`name-${i}-romanised`)} autocomplete="off" />
          ${f.names.length > 1 && html`<button type="button" class="button button--quiet name-row__remove"
            onClick=${() => removeName(i)} aria-label=${t('newcase.remove_name_n', { n: i + 1 })}>${t('newcase.remove')}</button>`}
        </div>`)}
        <button type="button" class="button" onClick=${addName}>${t('newcase.add_name')}</button>
      </fieldset>

      <fieldset class="card">
        <legend>${t('newcase.about')}</legend>
        <div class="grid">
          <${Field} id="sex" label=${labels.sex} as="select" options=${codeOptions('sex', t('form.not_recorded'))}
            value=${f.sex} onChange=${setTop('sex')} error=${err('sex')} />
          <${Field} id="gender" label=${labels.gender} as="select" options=${codeOptions('gender', t('form.not_recorded'))}
            value=${f.gender} onChange=${setTop('gender')} error=${err('gender')} />
          <${Field} id="nationalities" label=${labels.nationalities} hint=${t('person.nationalities_hint')}
            value=${f.nationalities} onInput=${setTop('nationalities')} error=${err('nationalities')} autocomplete="off" />
          <${Field} id="languages" label=${labels.languages} hint=${t('person.languages_hint')}
            value=${f.languages} onInput=${setTop('languages')} error=${err('languages')} autocomplete="off" />
        </div>
      </fieldset>

      <fieldset class="card" aria-describedby="dob-hint">
        <legend>${t('person.date_of_birth')}</legend>
        <p class="hint" id="dob-hint">${t('dob.hint')}</p>
        <div class="grid">
          <${Field} id="dob-calendar" label=${labels['dob-calendar']} as="select" options=${codeOptions('calendar')}
            value=${d.calendar} onChange=${setIn('dob', 'calendar')} error=${err('dob-calendar')} />
          <${Field} id="dob-precision" label=${labels['dob-precision']} as="select" options=${precisionOptions}
            value=${d.precision} onChange=${setIn('dob', 'precision')} error=${err('dob-precision')} />
        </div>
        ${d.precision && html`<div class="date-row">
          <${Field} id="dob-year" label=${labels['dob-year']} inputmode="numeric" value=${d.year} maxLength="4"
            onInput=${setIn('dob', 'year')} error=${err('dob-year')} class="field--short" autocomplete="off" />
          ${d.precision !== 'year' && html`<${Field} id="dob-month" label=${labels['dob-month']} inputmode="numeric"
            value=${d.month} maxLength="2" onInput=${setIn('dob', 'month')} error=${err('dob-month')} class="field--short" autocomplete="off" />`}
          ${d.precision === 'day' && html`<${Field} id="dob-day" label=${labels['dob-day']} inputmode="numeric"
            value=${d.day} maxLength="2" onInput=${setIn('dob', 'day')} error=${err('dob-day')} class="field--short" autocomplete="off" />`}
        </div>
        <${Checkbox} id="dob-estimated" label=${t('dob.estimated')} checked=${d.estimated}
          onChange=${(e) => setF({ ...f, dob: { ...d, estimated: e.currentTarget.checked } })} />`}
      </fieldset>

      <fieldset class="card">
        <legend>${t('newcase.document_contact')}</legend>
        <div class="grid">
          <${Field} id="doc-type" label=${labels['doc-type']} as="select" options=${codeOptions('document_type')}
            value=${f.doc.type} onChange=${setIn('doc', 'type')} error=${err('doc-type')} />
          <${Field} id="doc-country" label=${labels['doc-country']} hint=${t('person.country_hint')} value=${f.doc.country}
            onInput=${setIn('doc', 'country')} error=${err('doc-country')} maxLength="3" autocomplete="off" />
          <${Field} id="doc-number" label=${labels['doc-number']} value=${f.doc.number} dir="ltr"
            onInput=${setIn('doc', 'number')} error=${err('doc-number')} autocomplete="off" />
          <${Field} id="phone" label=${labels.phone} type="tel" value=${f.phone} dir="ltr"
            onInput=${setTop('phone')} error=${err('phone')} autocomplete="off" />
        </div>
      </fieldset>

      <details class="card details" open=${Object.keys(errors.fields).some((k) => k.startsWith('safety-'))}>
        <summary>${t('safety.title')}</summary>
        <p class="hint">${t('safety.form_hint')}</p>
        <${Field} id="safety-safe_contact" as="textarea" rows="2" label=${labels['safety-safe_contact']} dir="auto"
          value=${f.safety.safe_contact} onInput=${setIn('safety', 'safe_contact')} error=${err('safety-safe_contact')} />
        <${Field} id="safety-never_use" as="textarea" rows="2" label=${labels['safety-never_use']} dir="auto"
          value=${f.safety.never_use} onInput=${setIn('safety', 'never_use')} error=${err('safety-never_use')} />
        <${Field} id="safety-people_to_avoid" as="textarea" rows="2" label=${labels['safety-people_to_avoid']} dir="auto"
          value=${f.safety.people_to_avoid} onInput=${setIn('safety', 'people_to_avoid')} error=${err('safety-people_to_avoid')} />
      </details>

      <fieldset class="card">
        <legend>${t('newcase.case')}</legend>
        <${Field} id="priority" label=${labels.priority} as="select" options=${codeOptions('priority')}
          value=${f.priority} onChange=${setTop('priority')} error=${err('priority')} class="field--medium" />
        <fieldset class="checks">
          <legend>${t('case.flags')}</legend>
          ${FLAGS.map((x) => html`<${Checkbox} id=${`flag-${x}`} label=${label('flag', x)}
            checked=${f.flags.includes(x)} onChange=${toggleFlag(x)} error=${err(`flag-${x}`)} />`)}
        </fieldset>
      </fieldset>

      ${match && html`<${MatchPanel} result=${match} />`}
      <div class="actions">
        <button type="submit" class="button button--primary" disabled=${busy}>
          ${unchanged ? t('match.save_anyway') : t('newcase.submit')}</button>
      </div>
    </form>
  </div>`;
}
