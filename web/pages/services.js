// The service directory (docs/services.md, docs/api.md "Services"): the search at /services
// (GET /api/v1/services by need, kind, area, language, age, sex and free places, each hit with
// the reasons it matched, in the API's words); a service at /services/:id (its details; a
// confidential location's address is withheld by the server for other agencies, and the page
// says so) with, for supervisors and focal points (service.manage), the capacity and status
// form sent with If-Match; and the import of an HSDS JSON file at /services/import, every
// error shown at its JSON pointer.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

const NONE = { fields: {}, general: [] };
// who may change the directory (the policy's service.manage: the server decides)
const manages = (me) => me.roles.includes('supervisor') || me.roles.includes('focal_point');

const SEARCH_FIELDS = { '/need': 'sv-need', '/kind': 'sv-kind', '/area': 'sv-area', '/language': 'sv-language',
  '/age': 'sv-age', '/sex': 'sv-sex', '/with_capacity': 'sv-capacity' };

function ServiceHits({ items }) {
  if (!items.length) return html`<p class="empty">${t('services.none')}</p>`;
  return html`<ul class="service-list">${items.map((s) => html`<li class="service-hit">
    <${Link} href=${`/services/${s.id}`} class="service-hit__name">${s.name}<//>
    <span class="muted">${s.organization}</span>
    ${s.referral_route === 'focal_point_only' && html`<span class="badge badge--route">${t('services.focal_only')}</span>`}
    <ul class="service-hit__why">${s.why.map((w) => html`<li>${w}</li>`)}</ul>
  </li>`)}</ul>`;
}

export function ServicesPage({ me, onSessionEnded }) {
  usePage(t('services.title'));
  const [v, setV] = useState({ need: '', kind: '', area: '', language: '', age: '', sex: '', capacity: false });
  const [errors, setErrors] = useState(NONE);
  const [hits, setHits] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e?.preventDefault();
    setBusy(true);
    setErrors(NONE);
    const q = new URLSearchParams();
    for (const k of ['need', 'kind', 'area', 'language', 'age', 'sex']) if (v[k].trim()) q.set(k, v[k].trim());
    if (v.capacity) q.set('with_capacity', 'true');
    try {
      setHits((await api('GET', `/api/v1/services?${q}`)).items);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setErrors(errorsFrom(err, (p) => SEARCH_FIELDS[p] || null));
    }
    setBusy(false);
  };
  useEffect(() => { submit(); }, []);
  const labels = { 'sv-need': t('services.need'), 'sv-kind': t('services.kind'), 'sv-area': t('services.area'),
    'sv-language': t('services.language'), 'sv-age': t('services.age'), 'sv-sex': t('services.sex'),
    'sv-capacity': t('services.with_capacity') };
  const err = (id) => errors.fields[id];
  const sexes = codeOptions('sex', t('services.any')).filter((o) => o.value !== 'unknown');
  return html`<div class="page">
    <h1 tabindex="-1">${t('services.title')}</h1>
    <p class="lead">${t('services.intro')}</p>
    ${manages(me) && html`<p><${Link} href="/services/import">${t('services.import_link')}<//></p>`}
    <form class="card stack" role="search" aria-labelledby="sv-search-h" onSubmit=${submit} noValidate>
      <h2 id="sv-search-h">${t('services.search')}</h2>
      <${ErrorSummary} ...${errors} labels=${labels} />
      <div class="grid">
        <${Field} id="sv-need" label=${labels['sv-need']} as="select" options=${vocabOptions('needs', t('services.any'))}
          value=${v.need} onChange=${set('need')} error=${err('sv-need')} />
        <${Field} id="sv-kind" label=${labels['sv-kind']} as="select" options=${vocabOptions('services', t('services.any'))}
          value=${v.kind} onChange=${set('kind')} error=${err('sv-kind')} />
        <${Field} id="sv-area" label=${labels['sv-area']} hint=${t('services.area_hint')} value=${v.area}
          onInput=${set('area')} error=${err('sv-area')} autocomplete="off" />
        <${Field} id="sv-language" label=${labels['sv-language']} hint=${t('services.language_hint')} value=${v.language}
          onInput=${set('language')} error=${err('sv-language')} autocomplete="off" class="field--short" />
        <${Field} id="sv-age" label=${labels['sv-age']} type="number" inputmode="numeric" value=${v.age}
          onInput=${set('age')} error=${err('sv-age')} class="field--short" />
        <${Field} id="sv-sex" label=${labels['sv-sex']} as="select" options=${sexes} value=${v.sex}
          onChange=${set('sex')} error=${err('sv-sex')} />
      </div>
      <${Checkbox} id="sv-capacity" label=${labels['sv-capacity']} checked=${v.capacity}
        onChange=${(e) => setV({ ...v, capacity: e.currentTarget.checked })} error=${err('sv-capacity')} />
      <div class="actions"><button type="submit" class="button button--primary" disabled=${busy}>${t('services.submit')}</button></div>
    </form>
    <section class="card" aria-labelledby="sv-results-h">
      <h2 id="sv-results-h">${t('services.results')}</h2>
      ${hits && html`<${ServiceHits} items=${hits} />`}
    </section>
  </div>`;
}

// The capacity and status form of a service (PATCH with If-Match); onSaved(service).
function CapacityForm({ service, onSaved, onSessionEnded }) {
  const [v, setV] = useState({ total: `${service.x_capacity_total ?? ''}`, available: `${service.x_capacity_available ?? ''}`,
    status: service.status });
  const [errors, setErrors] = useState(NONE);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const fieldOf = (p) => ({ '/capacity_total': 'sc-total', '/capacity_available': 'sc-available', '/status': 'sc-status' }[p] || null);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors(NONE);
    setSaid('');
    const body = { status: v.status };
    if (v.total.trim()) body.capacity_total = Number(v.total);
    if (v.available.trim()) body.capacity_available = Number(v.available);
    try {
      const out = await api('PATCH', `/api/v1/services/${service.id}`, body, { 'If-Match': etag(service.version) });
      setSaid(t('services.saved'));
      onSaved(out);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else if (err.status === 412) {
        setErrors({ fields: {}, general: [t('services.changed_meanwhile')] });
        onSaved(await api('GET', `/api/v1/services/${service.id}`));
      } else setErrors(errorsFrom(err, fieldOf));
    }
    setBusy(false);
  };
  const labels = { 'sc-total': t('services.capacity_total'), 'sc-available': t('services.capacity_available'),
    'sc-status': t('services.status') };
  const statuses = codeOptions('service_status');
  return html`<form class="card stack" aria-labelledby="sc-h" onSubmit=${submit} noValidate>
    <h2 id="sc-h">${t('services.manage')}</h2>
    <${ErrorSummary} ...${errors} labels=${labels} />
    <div class="grid">
      <${Field} id="sc-total" label=${labels['sc-total']} type="number" inputmode="numeric" value=${v.total}
        onInput=${set('total')} error=${errors.fields['sc-total']} class="field--short" />
      <${Field} id="sc-available" label=${labels['sc-available']} type="number" inputmode="numeric" value=${v.available}
        onInput=${set('available')} error=${errors.fields['sc-available']} class="field--short" />
      <${Field} id="sc-status" label=${labels['sc-status']} as="select" options=${statuses} value=${v.status}
        onChange=${set('status')} error=${errors.fields['sc-status']} />
    </div>
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${busy}>${t('services.save')}</button>
      <span class="muted" role="status">${said}</span>
    </div>
  </form>`;
}

const fact = (term, value) => (value === undefined || value === null || value === '' ? null
  : html`<div><dt>${term}</dt><dd>${value}</dd></div>`);

export function ServicePage({ id, me, onSessionEnded }) {
  const [s, setS] = useState(null);
  const [error, setError] = useState(null);
  usePage(s ? s.name : t('services.title'), Boolean(s || error));
  useEffect(() => {
    api('GET', `/api/v1/services/${id}`).then(setS, (err) => (err.status === 401 ? onSessionEnded() : setError(problemMessage(err))));
  }, [id]);
  if (error) return html`<div class="page"><h1 tabindex="-1">${t('services.title')}</h1><p class="alert" role="alert">${error}</p></div>`;
  if (!s) return html`<p class="muted" role="status">${t('app.loading')}</p>`;
  const org = s.organization[0] || {};
  const ages = s.minimum_age !== undefined || s.maximum_age !== undefined
    ? t('services.ages', { min: s.minimum_age ?? 0, max: s.maximum_age ?? '–' }) : null;
  return html`<div class="page">
    <p><${Link} href="/services">${t('services.back')}<//></p>
    <h1 tabindex="-1" dir="auto">${s.name}</h1>
    ${s.description && html`<p class="lead" dir="auto">${s.description}</p>`}
    ${s.x_referral_route === 'focal_point_only' && html`<p class="notice">${t('services.focal_only_long')}</p>`}
    <section class="card" aria-labelledby="sd-h">
      <h2 id="sd-h">${t('services.details')}</h2>
      <dl class="facts">
        ${fact(t('services.organization'), org.name)}
        ${fact(t('services.status'), label('service_status', s.status))}
        ${fact(t('services.kind'), (s.x_kinds || []).map((k) => vocab('services', k)).join(', '))}
        ${fact(t('services.need'), (s.x_needs || []).map((k) => vocab('needs', k)).join(', '))}
        ${fact(t('services.age'), ages)}
        ${fact(t('services.sex'), (s.x_sexes || []).map((x) => label('sex', x)).join(', '))}
        ${fact(t('services.language'), s.language.map((l) => l.code).join(', '))}
        ${fact(t('services.capacity'), s.x_capacity_total === undefined ? null
          : t('services.places', { available: s.x_capacity_available ?? 0, total: s.x_capacity_total }))}
        ${fact(t('services.email'), s.email)}
        ${fact(t('services.phone'), s.phone.map((p) => p.number).join(', '))}
        ${fact(t('services.hours'), s.schedule.map((h) => `${h.byday} ${h.opens_at}–${h.closes_at}`).join(', '))}
      </dl>
    </section>
    <section class="card" aria-labelledby="sl-h">
      <h2 id="sl-h">${t('services.locations')}</h2>
      ${s.location.length ? html`<ul class="bullets">${s.location.map((l) => html`<li class="service-location">
        <strong dir="auto">${l.name}</strong>${l.x_area ? ` · ${l.x_area}` : ''}
        ${l.x_withheld ? html`<p class="muted">${t('services.withheld')}</p>`
          : l.x_address && html`<p dir="auto">${l.x_address}</p>`}
      </li>`)}</ul>` : html`<p class="empty">${t('services.no_location')}</p>`}
    </section>
    ${manages(me) && html`<${CapacityForm} key=${s.version} service=${s} onSaved=${setS} onSessionEnded=${onSessionEnded} />`}
  </div>`;
}

export function ServicesImportPage({ me, onSessionEnded }) {
  usePage(t('services.import_title'));
  const [errors, setErrors] = useState([]);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setErrors([]);
    setDone('');
    const file = e.currentTarget.elements['si-file'].files[0];
    if (!file) {
      setErrors([{ pointer: '', reason: t('services.import_choose') }]);
      return;
    }
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch {
      setErrors([{ pointer: '', reason: t('services.import_not_json') }]);
      return;
    }
    setBusy(true);
    try {
      const out = await api('POST', '/api/v1/services', doc);
      setDone(t('services.imported', { n: out.imported }));
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setErrors(err.errors.length ? err.errors : [{ pointer: '', reason: problemMessage(err) }]);
    }
    setBusy(false);
  };
  if (!manages(me)) return html`<div class="page"><h1 tabindex="-1">${t('services.import_title')}</h1><p>${t('services.import_denied')}</p></div>`;
  return html`<div class="page">
    <p><${Link} href="/services">${t('services.back')}<//></p>
    <h1 tabindex="-1">${t('services.import_title')}</h1>
    <p class="lead">${t('services.import_intro')}</p>
    <form class="card stack" onSubmit=${submit} noValidate>
      <div class="field">
        <label for="si-file">${t('services.import_file')}</label>
        <input type="file" id="si-file" name="si-file" accept=".json,application/json" />
      </div>
      <div class="actions"><button type="submit" class="button button--primary" disabled=${busy}>${t('services.import_submit')}</button></div>
    </form>
    ${done && html`<p class="notice" role="status">${done}</p>`}
    ${errors.length > 0 && html`<section class="card" aria-labelledby="si-errors-h" role="alert">
      <h2 id="si-errors-h">${t('services.import_errors', { n: errors.length })}</h2>
      <ul class="import-errors">${errors.map((x) => html`<li><code>${x.pointer || '/'}</code> ${x.reason}</li>`)}</ul>
    </section>`}
  </div>`;
}
