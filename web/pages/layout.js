// The frame of every page after log-in: skip link, header with the navigation the user's
// roles allow, language, account and log-out; the main region; a footer.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { Link, navigate } from '../lib/router.js';
import { logout } from '../lib/api.js';
import { CASE_ROLES } from '../lib/codes.js';
import { label } from '../lib/fields.js';
import { LanguagePicker } from './language.js';
import { Bell } from './notifications.js';

export function Brand() {
  return html`<span class="brand">
    <svg class="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path d="M16 2 4 7v8c0 7.4 5.1 13.4 12 15 6.9-1.6 12-7.6 12-15V7L16 2z" />
      <path class="brand__path" d="M10 21c3-1 4-4 6-7s4-4 6-4" />
    </svg>
    <span class="brand__name">${t('app.name')}</span>
  </span>`;
}

// The pages of the roles without a caseload, each shown to its role (main.js routes them).
// (The texts are looked up when drawn, in the language of the moment.)
const ROLE_LINKS = [{ href: '/users', role: 'admin', text: () => t('nav.users') },
  { href: '/agencies', role: 'admin', text: () => t('nav.agencies') },
  { href: '/audit', role: 'dpo', text: () => t('nav.audit') },
  { href: '/subject-access', role: 'dpo', text: () => t('nav.subject_access') },
  { href: '/referrals', role: 'provider', text: () => t('nav.referrals') }];

// Who records tracing requests or reviews their matches (the policy's tracing.request and a
// child's case's decisions; the API decides).
const TRACING_ROLES = ['caseworker', 'focal_point', 'supervisor'];

export function Layout({ me, path, lang, onLanguage, onLoggedOut, children }) {
  const [busy, setBusy] = useState(false);
  const staff = me.roles.some((r) => CASE_ROLES.includes(r));
  const links = staff
    ? [{ href: '/', text: t('nav.dashboard'), current: path === '/' },
      { href: '/cases', text: t('nav.cases'), current: path === '/cases' || (path.startsWith('/cases/') && path !== '/cases/new') },
      { href: '/cases/new', text: t('nav.new_case'), current: path === '/cases/new' },
      { href: '/tasks', text: t('nav.tasks'), current: path === '/tasks' },
      { href: '/deadlines', text: t('nav.deadlines'), current: path === '/deadlines' },
      { href: '/services', text: t('nav.services'), current: path.startsWith('/services') },
      { href: '/focal-points', text: t('nav.focal'), current: path === '/focal-points' },
      { href: '/referrals', text: t('nav.referrals'), current: path.startsWith('/referrals') },
      ...(me.roles.some((r) => TRACING_ROLES.includes(r))
        ? [{ href: '/tracing', text: t('nav.tracing'), current: path.startsWith('/tracing') }] : []),
      ...(me.roles.includes('supervisor') ? [{ href: '/approvals', text: t('nav.approvals'), current: path === '/approvals' },
        { href: '/duplicates', text: t('nav.duplicates'), current: path === '/duplicates' }] : []),
      ...(me.roles.includes('dpo') ? [{ href: '/subject-access', text: t('nav.subject_access'), current: path === '/subject-access' }] : [])]
    : [{ href: '/', text: t('nav.home'), current: path === '/' },
      ...ROLE_LINKS.filter((l) => me.roles.includes(l.role))
        .map((l) => ({ href: l.href, text: l.text(), current: path === l.href || path.startsWith(`${l.href}/`) }))];
  const doLogout = async () => {
    setBusy(true);
    try {
      await logout();
    } catch {
      /* the session is forgotten here whatever the server said */
    }
    navigate('/login', { replace: true });
    onLoggedOut();
  };
  return html`<div class="shell">
    <a class="skip-link" href="#main">${t('app.skip')}</a>
    <header class="topbar">
      <div class="topbar__inner">
        <${Link} href="/" class="topbar__home"><${Brand} /><//>
        <nav class="nav" aria-label=${t('nav.label')}>
          <ul>
            ${links.map((l) => html`<li><${Link} href=${l.href} aria-current=${l.current ? 'page' : undefined}>${l.text}<//></li>`)}
          </ul>
        </nav>
        <div class="topbar__tools">
          <${Bell} path=${path} />
          <${LanguagePicker} lang=${lang} onLanguage=${onLanguage} />
          <div class="account">
            <span class="account__name">${me.username}</span>
            <span class="account__roles">${me.roles.map((r) => label('role', r)).join(', ')}</span>
          </div>
          <button type="button" class="button button--quiet" onClick=${doLogout} disabled=${busy}>${t('nav.logout')}</button>
        </div>
      </div>
    </header>
    <main id="main" class="main" tabindex="-1">${children}</main>
    <footer class="footer"><p>${t('app.footer')}</p></footer>
  </div>`;
}
