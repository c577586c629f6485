// The home page of users whose roles work with no caseload (provider, DPO, coordinator,
// administrator): their account, and what the web shell offers them so far.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { usePage } from '../lib/page.js';
import { label } from '../lib/fields.js';

export function HomePage({ me }) {
  usePage(t('home.title'));
  const tasks = [];
  if (me.roles.includes('coordinator')) tasks.push(t('home.coordinator'));
  if (me.roles.includes('admin')) tasks.push(t('home.admin'));
  if (me.roles.includes('dpo')) tasks.push(t('home.dpo'));
  if (me.roles.includes('provider')) tasks.push(t('home.provider'));
  return html`<div class="page">
    <h1 tabindex="-1">${t('home.title')}</h1>
    <section class="card" aria-labelledby="account-h">
      <h2 id="account-h">${t('home.account')}</h2>
      <dl class="facts">
        <div><dt>${t('home.username')}</dt><dd>${me.username}</dd></div>
        <div><dt>${t('home.roles')}</dt><dd>${me.roles.map((r) => label('role', r)).join(', ')}</dd></div>
        <div><dt>${t('home.agency_kind')}</dt><dd>${label('agency_kind', me.agency_kind)}</dd></div>
      </dl>
    </section>
    <section class="card" aria-labelledby="tasks-h">
      <h2 id="tasks-h">${t('home.tasks')}</h2>
      <p>${t('home.no_caseload')}</p>
      <ul class="bullets">${tasks.map((x) => html`<li>${x}</li>`)}</ul>
    </section>
  </div>`;
}
