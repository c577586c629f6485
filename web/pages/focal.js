// Focal points and routing (docs/focal-points.md): the agency's protection focal points and
// its routing rules (GET /api/v1/focal-points, /api/v1/routing-rules), where a need goes
// first and why (GET /api/v1/routing), and — for supervisors and focal points, who keep the
// referral pathways (the API decides; a refusal is said) — the forms to name and remove them.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Field, Checkbox, ErrorSummary, problemMessage } from '../lib/fields.js';
import { useSubmit } from '../lib/section.js';
import { vocab, vocabOptions } from '../lib/vocab.js';

const MANAGERS = ['supervisor', 'focal_point'];

function scopeText(p) {
  return p.scope === 'country' ? t('focal.scope_country', { country: p.country }) : t('focal.scope_agency');
}

function needsText(p) {
  return p.needs.length ? p.needs.map((n) => vocab('needs', n)).join(', ') : t('focal.every_need');
}

function AddFocalPoint({ onAdded, onSessionEnded }) {
  const blank = { user: '', scope: 'agency', country: '', needs: [], default: false };
  const [v, setV] = useState(blank);
  const [people, setPeople] = useState([]);
  useEffect(() => {
    api('GET', '/api/v1/me/colleagues?role=focal_point').then((r) => setPeople(r.items), () => setPeople([]));
  }, []);
  const body = () => {
    const b = { user: v.user, scope: v.scope, needs: v.needs, default: v.default };
    if (v.scope === 'country') b.country = v.country;
    return b;
  };
  const ids = { '/user': 'fp-user', '/scope': 'fp-scope', '/country': 'fp-country', '/needs': 'fp-needs' };
  const f = useSubmit(() => api('POST', '/api/v1/focal-points', body()),
    (p) => ids[p] || (p.startsWith('/needs/') ? 'fp-needs' : null), (res) => {
      setV(blank);
      onAdded(res);
    }, onSessionEnded);
  const labels = { 'fp-user': t('focal.user'), 'fp-scope': t('focal.scope'), 'fp-country': t('focal.country'),
    'fp-needs': t('focal.needs') };
  const err = (id) => f.errors.fields[id];
  const pickNeeds = (e) => setV({ ...v, needs: [...e.currentTarget.selectedOptions].map((o) => o.value) });
  return html`<form class="stack" onSubmit=${f.submit} noValidate aria-labelledby="fp-new-h">
    <h3 id="fp-new-h">${t('focal.new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <div class="grid">
      <${Field} id="fp-user" label=${labels['fp-user']} as="select" hint=${t('focal.user_hint')} required
        options=${[{ value: '', label: t('form.choose') }, ...people.map((u) => ({ value: u.id, label: u.username }))]}
        value=${v.user} onChange=${(e) => setV({ ...v, user: e.currentTarget.value })} error=${err('fp-user')} />
      <${Field} id="fp-scope" label=${labels['fp-scope']} as="select" value=${v.scope} error=${err('fp-scope')}
        options=${[{ value: 'agency', label: t('focal.scope_agency') }, { value: 'country', label: t('focal.scope_country_pick') }]}
        onChange=${(e) => setV({ ...v, scope: e.currentTarget.value })} />
      ${v.scope === 'country' && html`<${Field} id="fp-country" label=${labels['fp-country']}
        hint=${t('focal.country_hint')} value=${v.country} error=${err('fp-country')} maxLength="2" dir="ltr"
        class="field--short" autocomplete="off" onInput=${(e) => setV({ ...v, country: e.currentTarget.value })} />`}
      <${Field} id="fp-needs" label=${labels['fp-needs']} as="select" multiple size="6" hint=${t('focal.needs_hint')}
        options=${vocabOptions('needs')} onChange=${pickNeeds} error=${err('fp-needs')} />
    </div>
    <${Checkbox} id="fp-default" label=${t('focal.default_hint')} checked=${v.default}
      onChange=${(e) => setV({ ...v, default: e.currentTarget.checked })} />
    <div class="actions"><button type="submit" class="button button--primary" disabled=${f.busy}>${t('focal.add')}</button></div>
  </form>`;
}

function AddRule({ points, onAdded, onSessionEnded }) {
  const blank = { need: '', target: 'service', service: '', focal: '' };
  const [v, setV] = useState(blank);
  const [services, setServices] = useState([]);
  useEffect(() => {
    if (!v.need || v.target !== 'service') return;
    api('GET', `/api/v1/services?need=${encodeURIComponent(v.need)}`)
      .then((r) => setServices(r.items), () => setServices([]));
  }, [v.need, v.target]);
  const focals = points.filter((p) => p.scope === 'agency' && (!p.needs.length || p.needs.includes(v.need)));
  const body = () => (v.target === 'service' ? { need: v.need, service: v.service } : { need: v.need, focal_point: v.focal });
  const ids = { '/need': 'rule-need', '/service': 'rule-service', '/focal_point': 'rule-focal', '': 'rule-target' };
  const f = useSubmit(() => api('POST', '/api/v1/routing-rules', body()), (p) => ids[p] || null, (res) => {
    setV(blank);
    onAdded(res);
  }, onSessionEnded);
  const labels = { 'rule-need': t('focal.need'), 'rule-target': t('focal.target'), 'rule-service': t('focal.service'),
    'rule-focal': t('focal.focal_point') };
  const err = (id) => f.errors.fields[id];
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  return html`<form class="stack" onSubmit=${f.submit} noValidate aria-labelledby="rule-new-h">
    <h3 id="rule-new-h">${t('focal.rule_new')}</h3>
    <${ErrorSummary} ...${f.errors} labels=${labels} />
    <div class="grid">
      <${Field} id="rule-need" label=${labels['rule-need']} as="select" required options=${vocabOptions('needs', t('form.choose'))}
        value=${v.need} onChange=${set('need')} error=${err('rule-need')} />
      <${Field} id="rule-target" label=${labels['rule-target']} as="select" value=${v.target} onChange=${set('target')}
        error=${err('rule-target')}
        options=${[{ value: 'service', label: t('focal.to_service') }, { value: 'focal_point', label: t('focal.to_focal_point') }]} />
      ${v.target === 'service'
        ? html`<${Field} id="rule-service" label=${labels['rule-service']} as="select" required value=${v.service}
            onChange=${set('service')} error=${err('rule-service')} hint=${t('focal.service_hint')}
            options=${[{ value: '', label: t('form.choose') }, ...services.map((s) => ({ value: s.id, label: s.name }))]} />`
        : html`<${Field} id="rule-focal" label=${labels['rule-focal']} as="select" required value=${v.focal}
            onChange=${set('focal')} error=${err('rule-focal')}
            options=${[{ value: '', label: t('form.choose') }, ...focals.map((p) => ({ value: p.user, label: p.username }))]} />`}
    </div>
    <div class="actions"><button type="submit" class="button button--primary" disabled=${f.busy}>${t('focal.rule_add')}</button></div>
  </form>`;
}

function WhereItGoes({ onSessionEnded }) {
  const [need, setNeed] = useState('');
  const [route, setRoute] = useState(null);
  const [error, setError] = useState(null);
  const ask = (code) => {
    setNeed(code);
    setRoute(null);
    if (!code) return;
    api('GET', `/api/v1/routing?need=${encodeURIComponent(code)}`).then((r) => {
      setError(null);
      setRoute(r);
    }, (err) => (err.status === 401 ? onSessionEnded() : setError(problemMessage(err))));
  };
  return html`<section class="card" aria-labelledby="route-h">
    <h2 id="route-h">${t('focal.where')}</h2>
    <${Field} id="route-need" label=${t('focal.need')} as="select" options=${vocabOptions('needs', t('form.choose'))}
      value=${need} onChange=${(e) => ask(e.currentTarget.value)} />
    <div aria-live="polite">
      ${error && html`<p class="alert" role="alert">${error}</p>`}
      ${route && html`<div class="route" data-route=${route.route}>
        <p><strong>${{ service: t('focal.route_service'), focal_point: t('focal.route_focal_point'),
          none: t('focal.route_none') }[route.route]}</strong>${route.service ? html` <bdi>${route.service.name}</bdi>` : ''}${
          route.focal_point && (route.service ? html` · ${t('focal.through')} <bdi>${route.focal_point.username}</bdi>`
            : html` <bdi>${route.focal_point.username}</bdi>`)}</p>
        <p class="muted">${route.why}</p>
      </div>`}
    </div>
  </section>`;
}

export function FocalPointsPage({ me, onSessionEnded }) {
  usePage(t('focal.title'));
  const manage = me.roles.some((r) => MANAGERS.includes(r));
  const [points, setPoints] = useState(null);
  const [rules, setRules] = useState(null);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const failed = (err) => (err.status === 401 ? onSessionEnded() : setError(problemMessage(err)));
  const load = () => {
    api('GET', '/api/v1/focal-points').then((r) => setPoints(r.items), failed);
    api('GET', '/api/v1/routing-rules').then((r) => setRules(r.items), failed);
  };
  useEffect(load, []);
  const remove = (path, text) => api('DELETE', path).then(() => {
    setError(null);
    setNotice(text);
    load();
  }, failed);
  return html`<div class="page">
    <h1 tabindex="-1">${t('focal.title')}</h1>
    <p class="lead">${t('focal.intro')}</p>
    <div aria-live="polite">
      ${notice && html`<p class="notice">${notice}</p>`}
      ${error && html`<p class="alert" role="alert">${error}</p>`}
    </div>
    <section class="card" aria-labelledby="fp-h">
      <h2 id="fp-h">${t('focal.points')}</h2>
      ${points && (points.length ? html`<div class="table-wrap"><table class="table">
        <thead><tr><th scope="col">${t('focal.user')}</th><th scope="col">${t('focal.scope')}</th>
          ${manage && html`<th scope="col"><span class="visually-hidden">${t('focal.actions')}</span></th>`}</tr></thead>
        <tbody>${points.map((p) => html`<tr key=${p.id}>
          <td><strong><bdi>${p.username}</bdi></strong>${p.default ? html` <span class="badge">${t('focal.default')}</span>` : ''}</td>
          <td>${scopeText(p)}<br /><span class="muted">${needsText(p)}</span></td>
          ${manage && html`<td><button type="button" class="button button--quiet"
            aria-label=${t('focal.remove_named', { name: p.username })}
            onClick=${() => remove(`/api/v1/focal-points/${p.id}`, t('focal.removed', { name: p.username }))}>${t('focal.remove')}</button></td>`}
        </tr>`)}</tbody></table></div>`
        : html`<p class="empty">${t('focal.none')}</p>`)}
      ${manage && html`<${AddFocalPoint} onSessionEnded=${onSessionEnded}
        onAdded=${(p) => { setNotice(t('focal.added', { name: p.username })); load(); }} />`}
    </section>
    <section class="card" aria-labelledby="rules-h">
      <h2 id="rules-h">${t('focal.rules')}</h2>
      <p class="muted">${t('focal.rules_intro')}</p>
      ${rules && (rules.length ? html`<div class="table-wrap"><table class="table">
        <thead><tr><th scope="col">${t('focal.need')}</th><th scope="col">${t('focal.target')}</th>
          ${manage && html`<th scope="col"><span class="visually-hidden">${t('focal.actions')}</span></th>`}</tr></thead>
        <tbody>${rules.map((r) => html`<tr key=${r.id}>
          <td>${vocab('needs', r.need)}</td>
          <td>${r.target === 'service' ? t('focal.to_service') : t('focal.to_focal_point')}: <bdi>${r.target_name}</bdi></td>
          ${manage && html`<td><button type="button" class="button button--quiet"
            aria-label=${t('focal.rule_remove_named', { need: vocab('needs', r.need) })}
            onClick=${() => remove(`/api/v1/routing-rules/${r.id}`, t('focal.rule_removed'))}>${t('focal.remove')}</button></td>`}
        </tr>`)}</tbody></table></div>`
        : html`<p class="empty">${t('focal.no_rules')}</p>`)}
      ${manage && points && html`<${AddRule} points=${points} onSessionEnded=${onSessionEnded}
        onAdded=${() => { setNotice(t('focal.rule_added')); load(); }} />`}
    </section>
    <${WhereItGoes} onSessionEnded=${onSessionEnded} />
  </div>`;
}
