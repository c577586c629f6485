// What the referral pages share (docs/referrals.md): firing an event with the referral's
// version as If-Match, a service's name (GET /api/v1/services/:id, read once a page), the
// summary the provider sees before accepting, the profile's person fields, the due date with
// "Overdue", and a referral as a row of a list.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime, language, languageName } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { Link } from '../lib/router.js';
import { label } from '../lib/fields.js';
import { vocab } from '../lib/vocab.js';
import types from '../../config/referrals.json';

// POST /api/v1/referrals/:id/events with If-Match; the answer is the referral as changed.
export const fireEvent = (ref, body) => api('POST', `/api/v1/referrals/${ref.id}/events`, body,
  { 'If-Match': etag(ref.version) });

// A referral type's title in the reader's language, else English; `incoming`: one received
// from a hotline or an organisation and registered as a case.
export function typeTitle(id) {
  if (id === 'incoming') return t('referrals.type_incoming');
  const x = types.types.find((y) => y.id === id);
  return x ? x.title[language()] || x.title.en : id;
}

// Waiting for the provider past the due instant: overdue (said in words, with a red edge).
export const isOverdue = (r) => ['sent', 'acknowledged'].includes(r.status) && Boolean(r.due_at)
  && new Date(r.due_at) < new Date();

// The names of the services of ids (null ones skipped), each read once: {id: {name, organization}}.
export function useServiceNames(ids) {
  const [names, setNames] = useState({});
  const key = [...new Set(ids.filter(Boolean))].sort().join(',');
  useEffect(() => {
    for (const id of key ? key.split(',') : []) {
      if (names[id]) continue;
      api('GET', `/api/v1/services/${id}`).then((s) => setNames((n) => ({ ...n,
        [id]: { name: s.name, organization: s.organization?.[0]?.name } })), () => {
        setNames((n) => ({ ...n, [id]: { name: t('referrals.service_unknown') } }));
      });
    }
  }, [key]);
  return names;
}

export function serviceName(names, r) {
  if (!r.service_id) return t('referrals.no_service');
  const s = names[r.service_id];
  if (!s) return t('app.loading');
  return s.organization ? `${s.name} (${s.organization})` : s.name;
}

export function Due({ r }) {
  if (!r.due_at) return null;
  return html`<span>${t('referrals.due', { time: formatTime(r.due_at) })}</span>`;
}

// The summary: need, urgency, age band, sex and first language.
export function Summary({ s }) {
  return html`<dl class="facts summary">
    <div><dt>${t('referrals.need')}</dt><dd>${s.need ? vocab('needs', s.need) : '—'}</dd></div>
    <div><dt>${t('referrals.urgency')}</dt><dd>${vocab('priorities', s.urgency)}</dd></div>
    <div><dt>${t('referrals.age_band')}</dt><dd>${label('age_band', s.age_band)}</dd></div>
    <div><dt>${t('person.sex')}</dt><dd>${s.sex ? label('sex', s.sex) : t('person.unknown')}</dd></div>
    <div><dt>${t('referrals.language')}</dt><dd>${s.language ? languageName(s.language) : '—'}</dd></div>
  </dl>`;
}

const joined = (xs) => (xs || []).join(', ') || '—';

// One person field as text (the API's shapes: docs/api.md "Cases").
function fieldText(field, p) {
  const v = p[field];
  if (v === undefined || v === null) return '—';
  switch (field) {
  case 'names': return v.map((n) => [n.original, n.romanised].filter(Boolean).join(' / ')).join(' ') || '—';
  case 'date_of_birth': return v.date || '—';
  case 'sex': return label('sex', v);
  case 'contacts': return v.map((c) => `${label('contact_kind', c.kind)}: ${c.value}`).join(', ') || '—';
  case 'documents': return v.map((d) => `${label('document_type', d.type)} ${d.country || ''} ${d.number}`).join(', ') || '—';
  default: return joined(v);
  }
}

// The profile's fields (profile: their names) with the person's values; person null: the
// reader may not see them, said for each.
export function ProfileFields({ profile, person }) {
  if (!profile.length) return html`<p class="muted">${t('referrals.profile_empty')}</p>`;
  return html`<dl class="facts facts--stacked profile">${profile.map((f) => html`<div data-field=${f}>
    <dt>${label('referral_field', f)}</dt>
    <dd dir="auto">${person ? fieldText(f, person) : t('referrals.not_visible')}</dd></div>`)}</dl>`;
}

// A referral as a row: its need, status, urgency, service, due date (overdue marked), and a
// link to its page; children: more under it.
export function ReferralRow({ r, names, children }) {
  const late = isOverdue(r);
  const need = r.summary?.need ? vocab('needs', r.summary.need) : typeTitle(r.type);
  return html`<li class=${`task referral${late ? ' task--overdue' : ''}`} data-referral=${r.id} data-status=${r.status}>
    <span class="task__name">${need} · ${serviceName(names, r)}</span>
    ${late && html`<strong class="overdue">${t('tasks.overdue')}</strong>`}
    <span class="muted"><span class="referral__status">${label('referral_status', r.status)}</span>${
  ` · ${vocab('priorities', r.urgency)}`}${r.due_at ? html` · <${Due} r=${r} />` : ''}</span>
    ${children}
    <${Link} href=${`/referrals/${r.id}`} aria-label=${t('referrals.open_named', { need })}>${t('referrals.open')}<//>
  </li>`;
}
