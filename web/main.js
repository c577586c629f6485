// The web shell's entry: who is logged in (GET /api/v1/me), which page the path names, and
// the language. Everything else is in pages/.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { api, ApiError, hasSession, forgetSession } from './lib/api.js';
import { initialLanguage, setLanguage, t } from './lib/i18n.js';
import { navigate, usePath } from './lib/router.js';
import { CASE_ROLES } from './lib/codes.js';
import { Layout } from './pages/layout.js';
import { LoginPage } from './pages/login.js';
import { PasswordPage } from './pages/password.js';
import { HomePage } from './pages/home.js';
import { CaseListPage } from './pages/cases.js';
import { CasePage } from './pages/case.js';
import { NewCasePage } from './pages/newcase.js';
import { UsersPage } from './pages/users.js';
import { AgenciesPage } from './pages/agencies.js';
import { AuditPage } from './pages/audit.js';
import { ScreeningPage } from './pages/screening.js';
import { MyTasksPage } from './pages/tasks.js';
import { DeadlinesPage } from './pages/deadlines.js';
import { FocalPointsPage } from './pages/focal.js';
import { DashboardPage } from './pages/dashboard.js';
import { ServicesPage, ServicePage, ServicesImportPage } from './pages/services.js';
import { ReferralsPage, ReferralPage, ReferralPrintPage } from './pages/referrals.js';
import { NotificationsPage } from './pages/notifications.js';
import { ApprovalsPage } from './pages/approvals.js';
import { DuplicatesPage } from './pages/duplicates.js';
import { SubjectAccessPage } from './pages/subject.js';
import { IncomingReferralPage } from './pages/incoming.js';
import { TracingPage, TracingRequestPage, TracingMatchPage } from './pages/tracing.js';

setLanguage(initialLanguage());

const ROLE_PAGES = [{ path: '/users', role: 'admin', page: UsersPage },
  { path: '/agencies', role: 'admin', page: AgenciesPage }, { path: '/audit', role: 'dpo', page: AuditPage },
  { path: '/subject-access', role: 'dpo', page: SubjectAccessPage }];

function route(path, me) {
  const staff = me.roles.some((r) => CASE_ROLES.includes(r));
  if (path === '/login') return { redirect: '/' };
  if (path === '/') return { page: staff ? DashboardPage : HomePage };
  if (path === '/notifications') return { page: NotificationsPage }; // every signed-in user's
  if (!staff && (path.startsWith('/cases') || path.startsWith('/screenings') || path === '/tasks'
    || path === '/deadlines' || path === '/focal-points' || path.startsWith('/services')
    || path === '/approvals' || path === '/duplicates'
    || path.startsWith('/tracing'))) return { page: HomePage };
  // referrals: the referring roles and the providers (the API decides what each sees)
  if (path.startsWith('/referrals')) {
    if (!staff && !me.roles.includes('provider')) return { page: HomePage };
    if (path === '/referrals') return { page: ReferralsPage };
    if (path === '/referrals/incoming/new') return { page: staff ? IncomingReferralPage : HomePage };
    const rm = /^\/referrals\/([0-9a-fA-F-]{36})(\/print)?$/.exec(path);
    if (rm) return { page: rm[2] ? ReferralPrintPage : ReferralPage, props: { id: rm[1] } };
  }
  // the administrator's and the DPO's pages; another role typing their address goes home
  const own = ROLE_PAGES.find((x) => x.path === path);
  if (own) return me.roles.includes(own.role) ? { page: own.page } : { page: HomePage };
  if (path === '/cases') return { page: CaseListPage };
  if (path === '/cases/new') return { page: NewCasePage };
  if (path === '/tasks') return { page: MyTasksPage };
  if (path === '/deadlines') return { page: DeadlinesPage };
  if (path === '/focal-points') return { page: FocalPointsPage };
  if (path === '/services') return { page: ServicesPage };
  if (path === '/services/import') return { page: ServicesImportPage };
  const sv = /^\/services\/([0-9a-fA-F-]{36})$/.exec(path);
  if (sv) return { page: ServicePage, props: { id: sv[1] } };
  // the supervisors' queue; another role typing its address goes home
  if (path === '/approvals') return { page: me.roles.includes('supervisor') ? ApprovalsPage : HomePage };
  // the review queue of safepath dedup: a supervisor's (the API shows each pair only where
  // both persons may be read)
  if (path === '/duplicates') return { page: me.roles.includes('supervisor') ? DuplicatesPage : HomePage };
  const m = /^\/cases\/([0-9a-fA-F-]{36})$/.exec(path);
  if (m) return { page: CasePage, props: { id: m[1] } };
  // family tracing: the requester's side and the child's side (the API decides who may)
  if (path === '/tracing') return { page: TracingPage };
  const tr = /^\/tracing\/(requests|matches)\/([0-9a-fA-F-]{36})$/.exec(path);
  if (tr) return { page: tr[1] === 'requests' ? TracingRequestPage : TracingMatchPage, props: { id: tr[2] } };
  const sm = /^\/screenings\/([0-9a-fA-F-]{36})$/.exec(path);
  if (sm) return { page: ScreeningPage, props: { id: sm[1] } };
  return { page: NotFound };
}

function NotFound() {
  return html`<h1 tabindex="-1">${t('error.page_not_found')}</h1>`;
}

function App() {
  const [lang, setLang] = useState(document.documentElement.lang);
  // undefined: asking; null: logged out; {mustChange: true}; else the user of GET /me
  const [me, setMe] = useState(hasSession() ? undefined : null);
  const [notice, setNotice] = useState(null);
  const path = usePath();

  const changeLanguage = (code) => {
    setLanguage(code);
    setLang(code);
  };

  useEffect(() => {
    if (me !== undefined) return;
    api('GET', '/api/v1/me').then(setMe, (err) => {
      if (err instanceof ApiError && err.type === 'password-change-required') setMe({ mustChange: true });
      else {
        forgetSession();
        setMe(null);
      }
    });
  }, [me]);

  // Any request that finds the session gone sends the user back to the log-in page.
  const sessionEnded = () => {
    forgetSession();
    setNotice(t('login.session_ended'));
    setMe(null);
  };

  const r = me && !me.mustChange ? route(path, me) : null;
  useEffect(() => {
    if (me === null && path !== '/login') navigate('/login', { replace: true });
    if (r?.redirect) navigate(r.redirect, { replace: true });
  });

  if (me === undefined) return html`<div class="loading" role="status">${t('app.loading')}</div>`;
  const langProps = { lang, onLanguage: changeLanguage };
  if (me === null) {
    return html`<${LoginPage} ...${langProps} notice=${notice} onLoggedIn=${(out) => {
      setNotice(null);
      setMe(out.must_change_password ? { mustChange: true, username: out.user.username } : out.user);
    }} />`;
  }
  if (me.mustChange) {
    return html`<${PasswordPage} ...${langProps} username=${me.username} onDone=${() => setMe(undefined)}
      onLoggedOut=${() => setMe(null)} />`;
  }
  if (r.redirect) return null;
  const Page = r.page;
  return html`<${Layout} ...${langProps} me=${me} path=${path} onLoggedOut=${() => setMe(null)}>
    <${Page} key=${path} me=${me} onSessionEnded=${sessionEnded} ...${r.props || {}} />
  <//>`;
}

render(html`<${App} />`, document.getElementById('app'));
