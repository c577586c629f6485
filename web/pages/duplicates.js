// Possible duplicates (docs/registry-matching.md#dedup): the review queue `safepath dedup`
// fills — pairs of registered persons likely to be one person, each with how sure the model
// is, every comparison's level and what it added, and both persons side by side as far as
// the user may read them (the API shows only pairs whose two persons the user may read).
// "Same person" links them, "Not the same" keeps them apart for good; either can be undone.
// Every decision sends If-Match with the version read.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { label, problemMessage } from '../lib/fields.js';
import { usePaged, PagedFooter } from '../lib/paged.js';
import { fullName, BirthDate } from './case.js';

// The words of each state, written out so that the catalogs' check finds every key.
const STATE_WORDS = () => ({
  proposed: { option: t('duplicates.state_proposed'), done: t('duplicates.done_proposed') },
  confirmed: { option: t('duplicates.state_confirmed'), done: t('duplicates.done_confirmed'),
    decided: t('duplicates.decided_confirmed') },
  rejected: { option: t('duplicates.state_rejected'), done: t('duplicates.done_rejected'),
    decided: t('duplicates.decided_rejected') },
});

function Side({ side }) {
  const p = side.person || {};
  const original = fullName(p.names, 'original');
  const romanised = fullName(p.names, 'romanised');
  return html`<div class="pair__side">
    <p><${Link} href=${`/cases/${side.case_id}`}>${side.case_number}<//></p>
    <p class="person-name" dir="auto">${original || romanised}</p>
    ${original && romanised && html`<p class="person-name__alt" dir="auto">${romanised}</p>`}
    <dl class="facts">
      <div><dt>${t('person.date_of_birth')}</dt><dd><${BirthDate} dob=${p.date_of_birth} /></dd></div>
      <div><dt>${t('person.sex')}</dt><dd>${p.sex ? label('sex', p.sex) : t('person.unknown')}</dd></div>
      <div><dt>${t('person.nationalities')}</dt><dd>${(p.nationalities || []).join(', ') || '—'}</dd></div>
    </dl>
  </div>`;
}

const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

function Pair({ pair, busy, onDecide }) {
  const percent = (pair.probability * 100).toFixed(pair.probability > 0.999 ? 2 : 1);
  const heading = t('duplicates.pair', { a: pair.a.case_number, b: pair.b.case_number });
  return html`<li class="card pair" data-state=${pair.state}>
    <h2>${heading}</h2>
    <p class="lead">${t('duplicates.probability', { percent })}</p>
    <div class="pair__sides">
      <${Side} side=${pair.a} />
      <${Side} side=${pair.b} />
    </div>
    <table class="table">
      <caption class="visually-hidden">${t('duplicates.comparisons', { pair: heading })}</caption>
      <thead><tr><th scope="col">${t('duplicates.comparison')}</th><th scope="col">${t('duplicates.level')}</th>
        <th scope="col">${t('duplicates.contribution')}</th></tr></thead>
      <tbody>${pair.fields.map((f) => html`<tr>
        <th scope="row">${f.comparison.replace(/_/g, ' ')}</th><td>${f.level}</td><td class="num">${signed(f.contribution)}</td></tr>`)}</tbody>
    </table>
    <p class="actions">${pair.state === 'proposed'
      ? html`<button type="button" class="button" disabled=${busy} onClick=${() => onDecide(pair, 'confirmed')}
            aria-label=${t('duplicates.confirm_named', { pair: heading })}>${t('duplicates.confirm')}</button>
          <button type="button" class="button button--quiet" disabled=${busy} onClick=${() => onDecide(pair, 'rejected')}
            aria-label=${t('duplicates.reject_named', { pair: heading })}>${t('duplicates.reject')}</button>`
      : html`<span>${STATE_WORDS()[pair.state].decided}</span>
          <button type="button" class="button button--quiet" disabled=${busy} onClick=${() => onDecide(pair, 'proposed')}
            aria-label=${t('duplicates.undo_named', { pair: heading })}>${t('duplicates.undo')}</button>`}
    </p>
  </li>`;
}

export function DuplicatesPage({ onSessionEnded }) {
  usePage(t('duplicates.title'));
  const [state, setState] = useState('proposed');
  const list = usePaged('/api/v1/match-pairs', { state }, 10, onSessionEnded);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [said, setSaid] = useState('');
  const decide = async (pair, to) => {
    setBusy(true);
    setError(null);
    try {
      const out = await api('POST', `/api/v1/match-pairs/${pair.id}/decision`, { state: to },
        { 'If-Match': etag(pair.version) });
      // the pair keeps its persons on the page until the list is read again
      list.replace({ ...out, a: { ...out.a, person: pair.a.person }, b: { ...out.b, person: pair.b.person } });
      setSaid(STATE_WORDS()[to].done);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setError(err.status === 412 || err.status === 409 ? t('duplicates.moved_on') : problemMessage(err));
    }
    setBusy(false);
  };
  return html`<div class="page">
    <h1 tabindex="-1">${t('duplicates.title')}</h1>
    <p class="lead">${t('duplicates.intro')}</p>
    <p><label for="dup-state">${t('duplicates.show')}</label>
      <select id="dup-state" value=${state} onChange=${(e) => setState(e.target.value)}>
        ${Object.entries(STATE_WORDS()).map(([s, w]) => html`<option value=${s}>${w.option}</option>`)}
      </select></p>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    <p id="dup-said" class="visually-hidden" role="status" aria-live="polite">${said}</p>
    ${list.items && !list.items.length && html`<p class="empty">${t('duplicates.empty')}</p>`}
    ${list.items && html`<ul class="pair-list">${list.items.map((p) => html`<${Pair} pair=${p} busy=${busy} onDecide=${decide} />`)}</ul>`}
    <${PagedFooter} list=${list} moreLabel=${t('duplicates.more')} />
  </div>`;
}
