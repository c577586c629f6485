// An incoming referral (POST /api/v1/referrals/incoming; docs/referrals.md): a hotline's or
// another organisation's referral registered as a new case with its source — where it came
// from, the need, the urgency, the case's flags and the person's basics as the caller gave
// them (names, sex, an estimated year of birth, nationalities, languages, a phone). The API
// checks everything: its problem's pointers put each reason beside its field. Once registered,
// the case's page opens.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { create, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link, navigate } from '../lib/router.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label } from '../lib/fields.js';
import { vocabOptions } from '../lib/vocab.js';
import { FLAGS } from './newcase.js';

const NONE = { fields: {}, general: [] };
const BLANK = { source: '', need: '', urgency: 'routine', given: '', family: '', sex: '', year: '',
  nationalities: '', languages: '', phone: '', flags: [] };
const list = (s) => s.split(/[\s,]+/).filter(Boolean);
// The names sent, [role, text] in order: an empty one is not sent.
const sentNames = (v) => [['given', v.given], ['family', v.family]].filter(([, s]) => s.trim());

function toBody(v) {
  const names = sentNames(v).map(([role, s]) => ({ role, original: s.trim() }));
  const person = { names };
  if (v.sex) person.sex = v.sex;
  if (v.year.trim()) person.date_of_birth = { date: v.year.trim(), estimated: true };
  if (v.nationalities.trim()) person.nationalities = list(v.nationalities).map((c) => c.toUpperCase());
  if (v.languages.trim()) person.languages = list(v.languages).map((c) => c.toLowerCase());
  if (v.phone.trim()) person.contacts = [{ kind: 'phone', value: v.phone.trim() }];
  const body = { source: v.source, need: v.need, urgency: v.urgency, person };
  if (v.flags.length) body.flags = v.flags;
  return body;
}

// The field that owns a pointer of the API's answer, or null (then said above the form).
function fieldOf(pointer, v) {
  const p = pointer.split('/').slice(1);
  if (['source', 'need', 'urgency'].includes(p[0])) return `inc-${p[0]}`;
  if (p[0] === 'flags') return `inc-flag-${v.flags[Number(p[1])] || FLAGS[0]}`;
  if (p[0] !== 'person') return null;
  switch (p[1]) {
  case undefined:
  case 'names': return p[2] !== undefined && sentNames(v)[Number(p[2])]?.[0] === 'family' ? 'inc-family' : 'inc-given';
  case 'sex': return 'inc-sex';
  case 'date_of_birth': return 'inc-year';
  case 'nationalities': return 'inc-nationalities';
  case 'languages': return 'inc-languages';
  case 'contacts': return 'inc-phone';
  default: return null;
  }
}

export function IncomingReferralPage({ onSessionEnded }) {
  usePage(t('incoming.title'));
  const [v, setV] = useState(BLANK);
  const [retry] = useState(retryKey);
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const err = (id) => errors.fields[id];
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const toggle = (flag) => (e) => setV({
    ...v, flags: e.currentTarget.checked ? [...v.flags, flag] : v.flags.filter((x) => x !== flag),
  });
  const labels = {
    'inc-source': t('incoming.source'), 'inc-need': t('incoming.need'), 'inc-urgency': t('referrals.urgency'),
    'inc-given': t('incoming.given'), 'inc-family': t('incoming.family'), 'inc-sex': t('person.sex'),
    'inc-year': t('incoming.year'), 'inc-nationalities': t('person.nationalities'),
    'inc-languages': t('person.languages'), 'inc-phone': t('person.phone'),
  };
  FLAGS.forEach((x) => { labels[`inc-flag-${x}`] = label('flag', x); });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const ref = await create('/api/v1/referrals/incoming', toBody(v), retry);
      navigate(`/cases/${ref.case_id}`);
    } catch (ex) {
      if (ex.status === 401) onSessionEnded();
      setErrors(errorsFrom(ex, (p) => fieldOf(p, v)));
      setBusy(false);
    }
  };
  return html`<div class="page page--narrow">
    <p class="breadcrumb"><${Link} href="/referrals">${t('referrals.back')}<//></p>
    <h1 tabindex="-1">${t('incoming.title')}</h1>
    <p class="lead">${t('incoming.intro')}</p>
    <form onSubmit=${submit} noValidate class="stack">
      <${ErrorSummary} ...${errors} labels=${labels} />
      <fieldset class="card">
        <legend>${t('incoming.referral')}</legend>
        <div class="grid">
          <${Field} id="inc-source" label=${labels['inc-source']} as="select" required
            options=${codeOptions('referral_source', t('form.choose'))} value=${v.source} onChange=${set('source')}
            error=${err('inc-source')} />
          <${Field} id="inc-need" label=${labels['inc-need']} hint=${t('incoming.need_hint')} as="select" required
            options=${vocabOptions('needs', t('form.choose'))} value=${v.need} onChange=${set('need')} error=${err('inc-need')} />
          <${Field} id="inc-urgency" label=${labels['inc-urgency']} as="select" options=${vocabOptions('priorities')}
            value=${v.urgency} onChange=${set('urgency')} error=${err('inc-urgency')} />
        </div>
        <fieldset class="checks">
          <legend>${t('case.flags')}</legend>
          ${FLAGS.map((x) => html`<${Checkbox} id=${`inc-flag-${x}`} label=${label('flag', x)}
            checked=${v.flags.includes(x)} onChange=${toggle(x)} error=${err(`inc-flag-${x}`)} />`)}
        </fieldset>
      </fieldset>
      <fieldset class="card">
        <legend>${t('incoming.person')}</legend>
        <p class="hint">${t('incoming.person_hint')}</p>
        <div class="grid">
          <${Field} id="inc-given" label=${labels['inc-given']} value=${v.given} onInput=${set('given')}
            error=${err('inc-given')} dir="auto" autocomplete="off" />
          <${Field} id="inc-family" label=${labels['inc-family']} value=${v.family} onInput=${set('family')}
            error=${err('inc-family')} dir="auto" autocomplete="off" />
          <${Field} id="inc-sex" label=${labels['inc-sex']} as="select" options=${codeOptions('sex', t('form.not_recorded'))}
            value=${v.sex} onChange=${set('sex')} error=${err('inc-sex')} />
          <${Field} id="inc-year" label=${labels['inc-year']} hint=${t('incoming.year_hint')} inputmode="numeric"
            maxLength="4" value=${v.year} onInput=${set('year')} error=${err('inc-year')} class="field--short" autocomplete="off" />
          <${Field} id="inc-nationalities" label=${labels['inc-nationalities']} hint=${t('person.nationalities_hint')}
            value=${v.nationalities} onInput=${set('nationalities')} error=${err('inc-nationalities')} autocomplete="off" />
          <${Field} id="inc-languages" label=${labels['inc-languages']} hint=${t('person.languages_hint')}
            value=${v.languages} onInput=${set('languages')} error=${err('inc-languages')} autocomplete="off" />
          <${Field} id="inc-phone" label=${labels['inc-phone']} type="tel" value=${v.phone} dir="ltr"
            onInput=${set('phone')} error=${err('inc-phone')} autocomplete="off" />
        </div>
      </fieldset>
      <div class="actions">
        <button type="submit" class="button button--primary" disabled=${busy}>${t('incoming.submit')}</button>
      </div>
    </form>
  </div>`;
}
