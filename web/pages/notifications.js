// Notifications (docs/notifications.md): the bell in the header with the unread count (GET
// /api/v1/me/notifications/count, read on every page change and every half minute, said in a
// polite live region), and the /notifications page listing them newest first, each worded
// from the catalogs by its kind and linking to its object; opening one marks it read first;
// "Mark all read". The API sends ids and kinds only: no name or case data to show.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t, formatTime } from '../lib/i18n.js';
import { api } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Link, navigate } from '../lib/router.js';
import { label, problemMessage } from '../lib/fields.js';
import { usePaged, PagedFooter } from '../lib/paged.js';

// Sent on window when this page changed what is read: the bell counts again.
const CHANGED = 'safepath:notifications';
const changed = () => window.dispatchEvent(new Event(CHANGED));

export function Bell({ path }) {
  const [count, setCount] = useState(null);
  useEffect(() => {
    let live = true;
    const load = () => api('GET', '/api/v1/me/notifications/count')
      .then((x) => live && setCount(x.unread), () => {}); // a lost session is the page's to say
    load();
    const timer = setInterval(load, 30000);
    window.addEventListener(CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(CHANGED, load);
    };
  }, [path]);
  const n = count || 0;
  return html`<${Link} href="/notifications" class="bell" aria-current=${path === '/notifications' ? 'page' : undefined}
      aria-label=${t('notifications.bell', { count: n })}>
    <svg class="bell__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
    </svg>
    ${n > 0 && html`<span class="bell__count" aria-hidden="true">${n}</span>`}
  <//>
  <span class="visually-hidden" role="status" aria-live="polite">${count === null ? '' : t('notifications.unread', { count: n })}</span>`;
}

const markRead = (n) => api('POST', `/api/v1/me/notifications/${n.id}/read`);

function NotificationList({ items, onOpen, onRead }) {
  if (!items.length) return html`<p class="empty">${t('notifications.empty')}</p>`;
  return html`<ul class="notice-list">${items.map((n) => {
    const text = label('notification', n.kind);
    const unread = !n.read_at;
    return html`<li class=${`notice${unread ? ' notice--unread' : ''}`} data-kind=${n.kind}>
      ${unread && html`<strong class="notice__new">${t('notifications.new')}</strong>`}
      ${n.link
        ? html`<a class="notice__text" href=${n.link} onClick=${(e) => onOpen(e, n)}>${text}</a>`
        : html`<span class="notice__text">${text}</span>`}
      <span class="muted">${formatTime(n.created_at)}${n.for_role ? ` · ${t('notifications.for_role')}` : ''}</span>
      ${unread && !n.link && html`<button type="button" class="button button--quiet" onClick=${() => onRead(n)}
        aria-label=${t('notifications.mark_read_named', { what: text })}>${t('notifications.mark_read')}</button>`}
    </li>`;
  })}</ul>`;
}

export function NotificationsPage({ onSessionEnded }) {
  usePage(t('notifications.title'));
  const list = usePaged('/api/v1/me/notifications', {}, 20, onSessionEnded);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const fail = (err) => (err.status === 401 ? onSessionEnded() : setError(problemMessage(err)));
  const read = (n) => markRead(n).then((x) => {
    list.replace(x);
    changed();
  }, fail);
  // Opening one marks it read, then follows its link (read or not: the object is what counts).
  const open = (e, n) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const go = () => navigate(n.link);
    if (n.read_at) go();
    else markRead(n).then(() => { changed(); go(); }, (err) => (err.status === 401 ? onSessionEnded() : go()));
  };
  const readAll = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/v1/me/notifications/read-all');
      const now = new Date().toISOString();
      (list.items || []).filter((n) => !n.read_at).forEach((n) => list.replace({ ...n, read_at: now }));
      changed();
    } catch (err) {
      fail(err);
    }
    setBusy(false);
  };
  const anyUnread = (list.items || []).some((n) => !n.read_at);
  return html`<div class="page">
    <h1 tabindex="-1">${t('notifications.title')}</h1>
    <p class="lead">${t('notifications.intro')}</p>
    ${error && html`<p class="alert" role="alert">${error}</p>`}
    <section class="card" aria-label=${t('notifications.title')}>
      ${anyUnread && html`<p><button type="button" class="button" onClick=${readAll} disabled=${busy}>${t('notifications.mark_all')}</button></p>`}
      ${list.items && html`<${NotificationList} items=${list.items} onOpen=${open} onRead=${read} />`}
      <${PagedFooter} list=${list} moreLabel=${t('notifications.more')} />
    </section>
  </div>`;
}
