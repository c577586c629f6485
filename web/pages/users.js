// The administrator's users page: the accounts a page at a time (GET /api/v1/users), the
// new-user form (POST /api/v1/users; its one-time password is shown once, in a marked box),
// and per account: disable (after a confirmation) or enable, grant or revoke a role (PATCH
// /api/v1/users/:id, one change per request), reset the password (POST .../password-reset:
// a one-time password, or an approval a supervisor grants). Data-reading roles wait for that
// approval: the answer's `approval` says so, and `roles` holds only what is active.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, create, etag, retryKey } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { usePaged, fetchAll, PagedFooter } from '../lib/paged.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label, problemMessage } from '../lib/fields.js';
import { CODES } from '../lib/codes.js';

const NONE = { fields: {}, general: [] };
const PAGE = 25;

// The one-time password of an answer, in a box that says it is shown once; or, when a
// supervisor must approve first, that the password comes with the approval.
export function OneTimePassword({ username, otp, approval }) {
  if (!otp && !approval) return null;
  return html`<div class="otp">
    ${otp && html`
      <h3 class="otp__title">${t('users.otp_title', { username })}</h3>
      <p class="otp__value"><code dir="ltr" translate="no">${otp}</code></p>
      <p class="otp__hint">${t('users.otp_hint')}</p>`}
    ${approval && html`<p class="otp__pending">${t('users.approval_pending')}</p>`}
  </div>`;
}

// A refused change as one sentence: the API's reasons, or what the status means.
function refusal(err) {
  if (err.status === 409) return t('users.no_change');
  return errorsFrom(err, () => null).general.join(' ');
}

function NewUserForm({ agencies, onCreated, onSessionEnded }) {
  const [v, setV] = useState({ username: '', agency: '', roles: [] });
  const [retry] = useState(retryKey); // this form's Idempotency-Key, kept across its retries
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const labels = { 'nu-username': t('users.username'), 'nu-agency': t('users.agency') };
  CODES.role.forEach((r) => { labels[`nu-role-${r}`] = t('users.role_n', { role: label('role', r) }); });
  const fieldOf = (sent) => (p) => {
    if (p === '/username') return 'nu-username';
    if (p === '/agency') return 'nu-agency';
    if (p.startsWith('/roles/')) return `nu-role-${sent[Number.parseInt(p.slice(7), 10)] || CODES.role[0]}`;
    if (p === '/roles') return `nu-role-${CODES.role[0]}`;
    return null;
  };
  const toggle = (r) => (e) => setV({
    ...v, roles: e.currentTarget.checked ? [...v.roles, r] : v.roles.filter((x) => x !== r),
  });
  const submit = async (e) => {
    e.preventDefault();
    const roles = CODES.role.filter((r) => v.roles.includes(r));
    setBusy(true);
    try {
      const out = await create('/api/v1/users', { username: v.username, agency: v.agency, roles }, retry);
      setErrors(NONE);
      setV({ username: '', agency: v.agency, roles: [] });
      onCreated(out);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else if (err.status === 409) setErrors({ fields: { 'nu-username': t('users.username_taken') }, general: [] });
      else setErrors(errorsFrom(err, fieldOf(roles)));
    }
    setBusy(false);
  };
  const agencyOptions = [{ value: '', label: t('form.choose') },
    ...agencies.map((a) => ({ value: a.id, label: `${a.code} · ${a.name}` }))];
  return html`<form class="card" aria-labelledby="new-user-h" onSubmit=${submit} noValidate>
    <h2 id="new-user-h">${t('users.new')}</h2>
    <${ErrorSummary} ...${errors} labels=${labels} />
    <div class="grid">
      <${Field} id="nu-username" label=${labels['nu-username']} hint=${t('users.username_hint')} value=${v.username}
        onInput=${(e) => setV({ ...v, username: e.currentTarget.value })} error=${errors.fields['nu-username']}
        required autocomplete="off" spellcheck="false" autocapitalize="none" dir="ltr" />
      <${Field} id="nu-agency" label=${labels['nu-agency']} as="select" options=${agencyOptions} value=${v.agency}
        onChange=${(e) => setV({ ...v, agency: e.currentTarget.value })} error=${errors.fields['nu-agency']} required />
    </div>
    <fieldset class="checks" aria-describedby="nu-roles-hint">
      <legend>${t('users.roles')}<span class="required" aria-hidden="true"> *</span></legend>
      <p class="hint" id="nu-roles-hint">${t('users.roles_hint')}</p>
      <div class="check-grid">
        ${CODES.role.map((r) => html`<${Checkbox} id=${`nu-role-${r}`} label=${label('role', r)}
          checked=${v.roles.includes(r)} onChange=${toggle(r)} error=${errors.fields[`nu-role-${r}`]} />`)}
      </div>
    </fieldset>
    <div class="actions">
      <button type="submit" class="button button--primary" disabled=${busy}>${t('users.create')}</button>
    </div>
  </form>`;
}

// What an administrator may do to one account; the answer of the last action below.
function UserActions({ u, onChanged, onSessionEnded }) {
  const [confirming, setConfirming] = useState(false);
  const [role, setRole] = useState(CODES.role[0]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null); // {message, error, otp, approval}
  const reread = async () => onChanged(await api('GET', `/api/v1/users/${u.id}`));
  // Every change names the version of the account as shown (If-Match): one changed by
  // someone else meanwhile is refused (412) and shown again as it is now.
  const run = async (method, path, body, done, moved) => {
    setBusy(true);
    setResult(null);
    try {
      const out = await api(method, path, body, { 'If-Match': etag(u.version) });
      setResult(done(out));
      if (moved) await reread();
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else setResult({ error: refusal(err) });
      if (err.status === 412) await reread().catch(() => {});
    }
    setBusy(false);
  };
  const patch = (body, message) => run('PATCH', `/api/v1/users/${u.id}`, body, (out) => {
    onChanged(out);
    return { message: out.approval ? null : message, approval: out.approval };
  });
  const disable = async () => {
    setConfirming(false);
    await patch({ disabled: true }, t('users.disabled_done', { username: u.username }));
  };
  const reset = () => run('POST', `/api/v1/users/${u.id}/password-reset`, undefined, (out) => (
    { otp: out.one_time_password, approval: out.approval }), true);
  const id = (what) => `${what}-${u.id}`;
  return html`<div class="user-actions">
    <div class="actions">
      ${u.disabled
        ? html`<button type="button" class="button" disabled=${busy}
            onClick=${() => patch({ disabled: false }, t('users.enabled_done', { username: u.username }))}>${t('users.enable')}</button>`
        : html`<button type="button" class="button button--danger" disabled=${busy || confirming}
            onClick=${() => setConfirming(true)}>${t('users.disable')}</button>`}
      <button type="button" class="button" disabled=${busy} onClick=${reset}>${t('users.reset')}</button>
    </div>
    ${confirming && html`<div class="confirm" role="alertdialog" aria-labelledby=${id('confirm')}>
      <p id=${id('confirm')}>${t('users.disable_confirm', { username: u.username })}</p>
      <div class="actions">
        <button type="button" class="button button--danger" onClick=${disable}>${t('users.disable_yes')}</button>
        <button type="button" class="button button--quiet" onClick=${() => setConfirming(false)}>${t('form.cancel')}</button>
      </div>
    </div>`}
    <div class="role-change">
      <${Field} id=${id('role')} label=${t('users.role')} as="select" options=${codeOptions('role')} value=${role}
        onChange=${(e) => setRole(e.currentTarget.value)} class="field--medium" />
      <div class="actions">
        <button type="button" class="button" disabled=${busy}
          onClick=${() => patch({ grant_roles: [role] }, t('users.granted', { role: label('role', role) }))}>${t('users.grant')}</button>
        <button type="button" class="button" disabled=${busy}
          onClick=${() => patch({ revoke_roles: [role] }, t('users.revoked', { role: label('role', role) }))}>${t('users.revoke')}</button>
      </div>
    </div>
    <div aria-live="polite">
      ${result?.message && html`<p class="notice">${result.message}</p>`}
      <${OneTimePassword} username=${u.username} otp=${result?.otp} approval=${result?.approval} />
    </div>
    <div aria-live="assertive">${result?.error && html`<p class="alert">${result.error}</p>`}</div>
  </div>`;
}

function UserRow({ u, me, agencyCode, onChanged, onSessionEnded }) {
  return html`<li class="user-row" data-username=${u.username}>
    <div class="user-row__head">
      <span class="user-row__who">
        <span class="user-row__name" dir="ltr">${u.username}</span>
        <span class="muted">${agencyCode || label('agency_kind', u.agency_kind)}</span>
      </span>
      <span class="badges">
        ${u.roles.map((r) => html`<span class="badge">${label('role', r)}</span>`)}
        ${u.disabled && html`<span class="badge badge--disabled">${t('users.is_disabled')}</span>`}
        ${!u.disabled && u.must_change_password && html`<span class="badge">${t('users.must_change')}</span>`}
      </span>
    </div>
    ${u.id === me.id
      ? html`<p class="muted user-row__self">${t('users.self')}</p>`
      : html`<details class="user-row__manage">
          <summary>${t('users.manage')}<span class="visually-hidden"> ${u.username}</span></summary>
          <${UserActions} u=${u} onChanged=${onChanged} onSessionEnded=${onSessionEnded} />
        </details>`}
  </li>`;
}

export function UsersPage({ me, onSessionEnded }) {
  usePage(t('users.title'));
  const [agencies, setAgencies] = useState([]);
  const [agencyError, setAgencyError] = useState(null);
  const list = usePaged('/api/v1/users', {}, PAGE, onSessionEnded);
  useEffect(() => {
    fetchAll('/api/v1/agencies').then(setAgencies, (err) => {
      if (err.status === 401) onSessionEnded();
      else setAgencyError(problemMessage(err));
    });
  }, []);
  const codeOf = Object.fromEntries(agencies.map((a) => [a.id, a.code]));
  const created = list.added;
  return html`<div class="page">
    <h1 tabindex="-1">${t('users.title')}</h1>
    <p class="lead">${t('users.intro')}</p>
    ${agencyError && html`<p class="alert" role="alert">${agencyError}</p>`}
    <div aria-live="polite">
      ${created && html`<section class="card" aria-labelledby="created-h">
        <h2 id="created-h">${t('users.created', { username: created.username })}</h2>
        <${OneTimePassword} username=${created.username} otp=${created.one_time_password} approval=${created.approval} />
        <button type="button" class="button" onClick=${list.dismiss}>${t('users.otp_done')}</button>
      </section>`}
    </div>
    <${NewUserForm} agencies=${agencies} onCreated=${list.add} onSessionEnded=${onSessionEnded} />
    <section class="card" aria-labelledby="users-h">
      <h2 id="users-h">${t('users.list')}</h2>
      ${list.items && (list.items.length
        ? html`<ul class="user-list">${list.items.map((u) => html`<${UserRow} key=${u.id} u=${u} me=${me}
            agencyCode=${codeOf[u.agency]} onChanged=${list.replace} onSessionEnded=${onSessionEnded} />`)}</ul>`
        : html`<p class="empty">${t('users.none')}</p>`)}
      <${PagedFooter} list=${list} moreLabel=${t('users.more')} />
    </section>
  </div>`;
}
