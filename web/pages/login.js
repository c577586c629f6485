// Log-in: user name and password. A one-time password leads on to the forced change.
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { login } from '../lib/api.js';
import { usePage } from '../lib/page.js';
import { Field, problemMessage } from '../lib/fields.js';
import { LanguagePicker } from './language.js';
import { Brand } from './layout.js';

// The pages shown before a full session: a centred card.
export function Gate({ lang, onLanguage, title, children }) {
  return html`<div class="gate">
    <a class="skip-link" href="#main">${t('app.skip')}</a>
    <header class="gate__top">
      <${Brand} />
      <${LanguagePicker} lang=${lang} onLanguage=${onLanguage} id="gate-language" />
    </header>
    <main id="main" class="gate__main" tabindex="-1">
      <div class="card gate__card">
        <h1 tabindex="-1">${title}</h1>
        ${children}
      </div>
    </main>
    <footer class="footer"><p>${t('app.footer')}</p></footer>
  </div>`;
}

export function LoginPage({ lang, onLanguage, notice, onLoggedIn }) {
  usePage(t('login.title'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!username || !password) {
      setError(t('login.missing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const out = await login(username.trim(), password);
      onLoggedIn(out);
    } catch (err) {
      setError(problemMessage(err));
      setBusy(false);
    }
  };
  return html`<${Gate} lang=${lang} onLanguage=${onLanguage} title=${t('login.title')}>
    <p class="lead">${t('login.intro')}</p>
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <div aria-live="assertive">${error && html`<p class="alert" role="alert">${error}</p>`}</div>
    <form onSubmit=${submit} noValidate>
      <${Field} id="username" label=${t('login.username')} autocomplete="username" value=${username}
        onInput=${(e) => setUsername(e.currentTarget.value)} required spellcheck="false" autocapitalize="none" />
      <${Field} id="password" label=${t('login.password')} type="password" autocomplete="current-password"
        value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} required />
      <button type="submit" class="button button--primary button--wide" disabled=${busy}>${t('login.submit')}</button>
    </form>
  <//>`;
}
