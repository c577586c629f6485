// The dashboard, the home page of the roles that work with cases (GET /api/v1/me/dashboard):
// the user's open cases by priority (a bar chart whose numbers are also its text), the first
// of them urgent first; tasks due within seven days, overdue ones first, each "Done" in one
// tap; the overdue deadlines on the user's cases (a supervisor's: the agency's), each "Mark
// met"; the agency's referrals awaiting a response, soonest due first. Each card links to the
// full list. A change reads the dashboard again.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, language } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link } from '../lib/router.js';
import { label, problemMessage } from '../lib/fields.js';
import { CODES } from '../lib/codes.js';
import { CaseRows } from './cases.js';
import { TaskList, markDone } from './tasks.js';
import { DeadlineList, markMet } from './deadlines.js';
import { ReferralRow, useServiceNames } from './referral_parts.js';

const BAR = { x: 112, width: 150, height: 22, gap: 8 };

// Horizontal bars, most pressing first. The SVG is one image whose name says every number;
// the numbers are drawn beside the bars too, so the chart never relies on length alone. It is
// laid out left to right in every language (its labels end where the bars start).
function PriorityChart({ counts }) {
  const order = [...CODES.priority].reverse();
  const max = Math.max(1, ...order.map((p) => counts[p] || 0));
  const said = order.map((p) => t('dash.chart_item', { priority: label('priority', p), n: counts[p] || 0 })).join(', ');
  const h = order.length * (BAR.height + BAR.gap);
  return html`<svg class="chart" viewBox=${`0 0 300 ${h}`} role="img" aria-label=${t('dash.chart', { items: said })}>
    ${order.map((p, i) => {
      const y = i * (BAR.height + BAR.gap);
      const n = counts[p] || 0;
      const w = Math.round((n / max) * BAR.width);
      return html`<g class=${`chart__row chart__row--${p}`}>
        <text class="chart__label" x=${BAR.x - 8} y=${y + 16} text-anchor="end">${label('priority', p)}</text>
        <rect class="chart__bar" x=${BAR.x} y=${y} width=${Math.max(w, 2)} height=${BAR.height} rx="3" />
        <text class="chart__value" x=${BAR.x + Math.max(w, 2) + 6} y=${y + 16}>${n}</text>
      </g>`;
    })}
  </svg>`;
}

function Card({ id, title, count, more, children }) {
  return html`<section class="card dash-card" aria-labelledby=${id}>
    <h2 id=${id}>${title} <span class="dash-count">${count}</span></h2>
    ${children}
    <p class="dash-more"><${Link} href=${more.href}>${more.text}<//></p>
  </section>`;
}

export function DashboardPage({ me, onSessionEnded }) {
  usePage(t('dash.title'));
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', `/api/v1/me/dashboard?lang=${language()}`).then((d) => {
    setData(d);
    setError(null);
  }, (err) => (err.status === 401 ? onSessionEnded() : setError(problemMessage(err))));
  useEffect(() => { load(); }, []);
  // a change made (or refused because made meanwhile: 412) reads the whole dashboard again
  const change = (run) => (x) => run(x).then(load, (err) => (err.status === 412 ? load() : setError(problemMessage(err))));
  const { cases, tasks, deadlines, referrals } = data || {};
  const names = useServiceNames((referrals?.items || []).map((r) => r.service_id));
  return html`<div class="page">
    <h1 tabindex="-1">${t('dash.title')}</h1>
    <p class="lead">${t('dash.intro', { user: me.username })}</p>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    ${!data && !error && html`<p class="muted" role="status">${t('app.loading')}</p>`}
    ${data && html`<div class="dash-grid">
      <${Card} id="dash-cases" title=${t('dash.cases')} count=${cases.open}
        more=${{ href: '/cases', text: t('dash.all_cases') }}>
        <${PriorityChart} counts=${cases.by_priority} />
        ${cases.items.length ? html`<${CaseRows} items=${cases.items} />` : html`<p class="empty">${t('dash.no_cases')}</p>`}
      <//>
      <div class="dash-side">
      ${tasks && html`<${Card} id="dash-tasks" title=${t('dash.tasks')} count=${tasks.due}
        more=${{ href: '/tasks', text: t('dash.all_tasks') }}>
        <p class="muted">${t('dash.tasks_overdue', { n: tasks.overdue })}</p>
        <${TaskList} items=${tasks.items} onDone=${change(markDone)} withCase />
      <//>`}
      ${deadlines && html`<${Card} id="dash-deadlines" title=${t('dash.deadlines')} count=${deadlines.overdue}
        more=${{ href: '/deadlines', text: t('dash.all_deadlines') }}>
        <p class="muted">${deadlines.scope === 'agency' ? t('dash.deadlines_agency') : t('dash.deadlines_mine')}</p>
        <${DeadlineList} items=${deadlines.items} onMet=${change(markMet)} withCase />
      <//>`}
      ${referrals && html`<${Card} id="dash-referrals" title=${t('dash.referrals')} count=${referrals.awaiting}
        more=${{ href: '/referrals', text: t('dash.all_referrals') }}>
        ${referrals.items.length ? html`<ul class="task-list referral-list">${referrals.items.map((r) => html`
          <${ReferralRow} r=${r} names=${names} />`)}</ul>` : html`<p class="empty">${t('dash.no_referrals')}</p>`}
      <//>`}
      </div>
    </div>`}
  </div>`;
}
