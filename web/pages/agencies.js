// The administrator's agencies page: the agencies in code order (GET /api/v1/agencies, a page
// at a time) and the new-agency form (POST /api/v1/agencies: code, name, kind, country), the
// API's reasons beside the fields. Agencies are organisations, never persons.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { create, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { Field, ErrorSummary, codeOptions, errorsFrom, label } from '../lib/fields.js';

const NONE = { fields: {}, general: [] };
const BLANK = { code: '', name: '', kind: '', country: '' };
const FIELD_OF = { '/code': 'ag-code', '/name': 'ag-name', '/kind': 'ag-kind', '/country': 'ag-country' };

function NewAgencyForm({ onCreated, onSessionEnded }) {
  const [v, setV] = useState(BLANK);
  const [retry] = useState(retryKey); // this form's Idempotency-Key, kept across its retries
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const labels = { 'ag-code': t('agencies.code'), 'ag-name': t('agencies.name'), 'ag-kind': t('agencies.kind'),
    'ag-country': t('agencies.country') };
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const a = await create('/api/v1/agencies', v, retry);
      setErrors(NONE);
      setV(BLANK);
      onCreated(a);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else if (err.status === 409) setErrors({ fields: { 'ag-code': t('agencies.code_taken') }, general: [] });
      else setErrors(errorsFrom(err, (p) => FIELD_OF[p] || null));
    }
    setBusy(false);
  };
  const err = (id) => errors.fields[id];
  return html`<form class="card" aria-labelledby="new-agency-h" onSubmit=${submit} noValidate>
    <h2 id="new-agency-h">${t('agencies.new')}</h2>
    <${ErrorSummary} ...${errors} labels=${labels} />
    <div class="grid">
      <${Field} id="ag-code" label=${labels['ag-code']} hint=${t('agencies.code_hint')} value=${v.code}
        onInput=${set('code')} error=${err('ag-code')} required maxLength="6" autocomplete="off" dir="ltr"
        autocapitalize="characters" class="field--short" />
      <${Field} id="ag-name" label=${labels['ag-name']} value=${v.name} onInput=${set('name')} error=${err('ag-name')}
        required autocomplete="off" dir="auto" />
      <${Field} id="ag-kind" label=${labels['ag-kind']} as="select" options=${codeOptions('agency_kind', t('form.choose'))}
        value=${v.kind} onChange=${set('kind')} error=${err('ag-kind')} required />
      <${Field} id="ag-country" label=${labels['ag-country']} hint=${t('agencies.country_hint')} value=${v.country}
        onInput=${set('country')} error=${err('ag-country')} required maxLength="2" autocomplete="off" dir="ltr"
        class="field--short" />
    </div>
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${busy}>${t('agencies.create')}</button>
    </div>
  </form>`;
}

export function AgenciesPage({ onSessionEnded }) {
  usePage(t('agencies.title'));
  const list = usePaged('/api/v1/agencies', {}, 50, onSessionEnded);
  return html`<div class="page">
    <h1 tabindex="-1">${t('agencies.title')}</h1>
    <p class="lead">${t('agencies.intro')}</p>
    <div aria-live="polite">
      ${list.added && html`<p class="notice">${t('agencies.created', { code: list.added.code })}</p>`}
    </div>
    <${NewAgencyForm} onCreated=${list.add} onSessionEnded=${onSessionEnded} />
    <section class="card" aria-labelledby="agencies-h">
      <h2 id="agencies-h">${t('agencies.list')}</h2>
      ${list.items && (list.items.length
        ? html`<div class="table-wrap"><table class="table">
            <thead><tr>
              <th scope="col">${t('agencies.code')}</th><th scope="col">${t('agencies.name')}</th>
              <th scope="col">${t('agencies.kind')}</th><th scope="col">${t('agencies.country')}</th>
            </tr></thead>
            <tbody>${list.items.map((a) => html`<tr key=${a.id}>
              <td class="table__nowrap"><strong><bdi>${a.code}</bdi></strong></td><td><bdi>${a.name}</bdi></td>
              <td>${label('agency_kind', a.kind)}</td><td class="table__nowrap"><bdi>${a.country}</bdi></td>
            </tr>`)}</tbody>
          </table></div>`
        : html`<p class="empty">${t('agencies.none')}</p>`)}
      <${PagedFooter} list=${list} moreLabel=${t('agencies.more')} />
    </section>
  </div>`;
}
