// The forced password change after a log-in with a one-time password: the only thing such a
// session may do, besides logging out.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, logout } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Field, ErrorSummary, errorsFrom } from '../lib/fields.js';
import { Gate } from './login.js';

const NONE = { fields: {}, general: [] };

export function PasswordPage({ lang, onLanguage, username, onDone, onLoggedOut }) {
  usePage(t('password.title'));
  const [v, setV] = useState({ current: '', fresh: '', repeat: '' });
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const labels = { 'pw-current': t('password.current'), 'pw-new': t('password.new'), 'pw-repeat': t('password.repeat') };
  const submit = async (e) => {
    e.preventDefault();
    const fields = {};
    if (!v.current) fields['pw-current'] = t('form.required');
    if (!v.fresh) fields['pw-new'] = t('form.required');
    if (v.fresh !== v.repeat) fields['pw-repeat'] = t('password.mismatch');
    if (Object.keys(fields).length) {
      setErrors({ fields, general: [] });
      return;
    }
    setBusy(true);
    try {
      await api('POST', '/api/v1/me/password', { current: v.current, new: v.fresh });
      onDone();
    } catch (err) {
      setErrors(errorsFrom(err, (p) => ({ '/current': 'pw-current', '/new': 'pw-new' })[p] || null));
      setBusy(false);
    }
  };
  const leave = async () => {
    try { await logout(); } catch { /* forgotten here anyway */ }
    onLoggedOut();
  };
  return html`<${Gate} lang=${lang} onLanguage=${onLanguage} title=${t('password.title')}>
    <p class="lead">${t('password.intro')}</p>
    <form onSubmit=${submit} noValidate>
      <${ErrorSummary} ...${errors} labels=${labels} />
      ${username && html`<input type="text" name="username" autocomplete="username" value=${username} hidden readonly />`}
      <${Field} id="pw-current" label=${labels['pw-current']} type="password" autocomplete="current-password"
        value=${v.current} onInput=${set('current')} error=${errors.fields['pw-current']} required />
      <${Field} id="pw-new" label=${labels['pw-new']} hint=${t('password.rules')} type="password"
        autocomplete="new-password" value=${v.fresh} onInput=${set('fresh')} error=${errors.fields['pw-new']} required />
      <${Field} id="pw-repeat" label=${labels['pw-repeat']} type="password" autocomplete="new-password"
        value=${v.repeat} onInput=${set('repeat')} error=${errors.fields['pw-repeat']} required />
      <div class="actions">
        <button type="submit" class="button button--primary" disabled=${busy}>${t('password.submit')}</button>
        <button type="button" class="button button--quiet" onClick=${leave}>${t('nav.logout')}</button>
      </div>
    </form>
  <//>`;
}
