// The caseload (GET /api/v1/cases: status and "mine" filters, a page at a time with its
// cursor) and the search (POST /api/v1/cases/search by name, case number, document or phone;
// POST, so nothing personal is ever in a URL).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { Field, Checkbox, codeOptions, errorsFrom, problemMessage } from '../lib/fields.js';
import { CaseBadges } from './badges.js';

const PAGE = 25;

export function CaseRows({ items }) {
  return html`<ul class="case-list">
    ${items.map((c) => html`<li class="case-row">
      <span class="case-row__who">
        <${Link} href=${`/cases/${c.id}`} class="case-row__link">${c.number}<//>
        ${c.name !== null
          ? html`<span class="case-row__name" dir="auto">${c.name}</span>`
          : html`<span class="case-row__name case-row__name--hidden">${t('cases.name_hidden')}</span>`}
      </span>
      <${CaseBadges} c=${c} />
    </li>`)}
  </ul>`;
}

// The search form: what to search by, then its fields.
function SearchForm({ onResults, onClear, searching }) {
  const [kind, setKind] = useState('names');
  const [v, setV] = useState({ names: '', number: '', doc_type: 'passport', doc_country: '', doc_number: '', phone: '' });
  const [errors, setErrors] = useState({ fields: {}, general: [] });
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const body = () => {
    if (kind === 'names') return { names: v.names.split(/\s+/).filter(Boolean) };
    if (kind === 'number') return { number: v.number.trim() };
    if (kind === 'phone') return { phone: v.phone.trim() };
    return { document: { type: v.doc_type, country: v.doc_country.trim().toUpperCase(), number: v.doc_number.trim() } };
  };
  const fieldOf = (p) => {
    if (p.startsWith('/names')) return 's-names';
    if (p === '/number') return 's-number';
    if (p === '/phone') return 's-phone';
    if (p === '/document/type') return 's-doc-type';
    if (p === '/document/country') return 's-doc-country';
    if (p.startsWith('/document')) return 's-doc-number';
    return null;
  };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: [] });
    try {
      const out = await api('POST', '/api/v1/cases/search', body());
      onResults(out.items);
    } catch (err) {
      setErrors(errorsFrom(err, fieldOf));
    }
    setBusy(false);
  };
  const kindOptions = [{ value: 'names', label: t('search.by_names') },
    { value: 'number', label: t('search.by_number') }, { value: 'document', label: t('search.by_document') },
    { value: 'phone', label: t('search.by_phone') }];
  const err = (id) => errors.fields[id];
  return html`<form class="card search" role="search" aria-labelledby="search-h" onSubmit=${submit} noValidate>
    <h2 id="search-h">${t('search.title')}</h2>
    <div class="search__row">
      <${Field} id="s-kind" label=${t('search.by')} as="select" options=${kindOptions} value=${kind}
        onChange=${(e) => setKind(e.currentTarget.value)} class="search__kind" />
      ${kind === 'names' && html`<${Field} id="s-names" label=${t('search.names')} hint=${t('search.names_hint')}
        value=${v.names} onInput=${set('names')} error=${err('s-names')} autocomplete="off" class="search__grow" />`}
      ${kind === 'number' && html`<${Field} id="s-number" label=${t('search.number')} value=${v.number}
        onInput=${set('number')} error=${err('s-number')} autocomplete="off" class="search__grow" />`}
      ${kind === 'phone' && html`<${Field} id="s-phone" label=${t('search.phone')} type="tel" value=${v.phone}
        onInput=${set('phone')} error=${err('s-phone')} autocomplete="off" class="search__grow" />`}
      ${kind === 'document' && html`
        <${Field} id="s-doc-type" label=${t('person.document_type')} as="select" options=${codeOptions('document_type')}
          value=${v.doc_type} onChange=${set('doc_type')} error=${err('s-doc-type')} />
        <${Field} id="s-doc-country" label=${t('person.document_country')} hint=${t('person.country_hint')}
          value=${v.doc_country} onInput=${set('doc_country')} error=${err('s-doc-country')} maxLength="3" class="field--short" />
        <${Field} id="s-doc-number" label=${t('person.document_number')} value=${v.doc_number}
          onInput=${set('doc_number')} error=${err('s-doc-number')} autocomplete="off" class="search__grow" />`}
    </div>
    ${errors.general.length > 0 && html`<p class="alert" role="alert">${errors.general.join(' ')}</p>`}
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${busy}>${t('search.submit')}</button>
      ${searching && html`<button type="button" class="button button--quiet" onClick=${onClear}>${t('search.clear')}</button>`}
    </div>
  </form>`;
}

export function CaseListPage({ onSessionEnded }) {
  usePage(t('cases.title'));
  const [status, setStatus] = useState('');
  const [mine, setMine] = useState(false);
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [loading, setLoading] = useState(false);
  const [results, setResults] = useState(null); // a search's items, or null

  const load = async (after, reset) => {
    setLoading(true);
    setError(null);
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (status) q.set('status', status);
    if (mine) q.set('mine', 'true');
    if (after) q.set('cursor', after);
    try {
      const out = await api('GET', `/api/v1/cases?${q}`);
      setItems(reset ? out.items : [...(items || []), ...out.items]);
      setCursor(out.next_cursor);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setError(problemMessage(err));
    }
    setLoading(false);
  };
  useEffect(() => { load(null, true); }, [status, mine]);

  return html`<div class="page">
    <div class="page__head">
      <h1 tabindex="-1">${t('cases.title')}</h1>
      <${Link} href="/cases/new" class="button button--primary">${t('nav.new_case')}<//>
    </div>
    <${SearchForm} searching=${results !== null} onResults=${setResults} onClear=${() => setResults(null)} />
    <div aria-live="polite" class="visually-hidden">${results !== null ? t('search.found', { n: results.length }) : ''}</div>
    ${results !== null
      ? html`<section class="card" aria-labelledby="results-h">
          <h2 id="results-h">${t('search.results')}</h2>
          ${results.length ? html`<${CaseRows} items=${results} />` : html`<p class="empty">${t('search.none')}</p>`}
        </section>`
      : html`<section class="card" aria-labelledby="caseload-h">
          <div class="section-head">
            <h2 id="caseload-h">${t('cases.caseload')}</h2>
            <div class="filters">
              <${Field} id="f-status" label=${t('cases.filter_status')} as="select"
                options=${codeOptions('status', t('cases.any_status'))} value=${status}
                onChange=${(e) => setStatus(e.currentTarget.value)} />
              <${Checkbox} id="f-mine" label=${t('cases.only_mine')} checked=${mine}
                onChange=${(e) => setMine(e.currentTarget.checked)} />
            </div>
          </div>
          ${error && html`<p class="alert" role="alert">${error}</p>`}
          ${items && (items.length ? html`<${CaseRows} items=${items} />` : html`<p class="empty">${t('cases.none')}</p>`)}
          ${loading && html`<p class="muted" role="status">${t('app.loading')}</p>`}
          ${cursor && !loading && html`<button type="button" class="button" onClick=${() => load(cursor, false)}>${t('cases.more')}</button>`}
        </section>`}
  </div>`;
}
