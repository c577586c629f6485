// The language picker: each language named in itself; the choice is remembered.
import { html } from '../lib/html.js';
import { LANGUAGES, t } from '../lib/i18n.js';

export function LanguagePicker({ lang, onLanguage, id = 'language' }) {
  return html`<div class="language">
    <label for=${id}>${t('app.language')}</label>
    <select id=${id} value=${lang} onChange=${(e) => onLanguage(e.currentTarget.value)}>
      ${LANGUAGES.map((l) => html`<option value=${l.code} lang=${l.code}>${l.name}</option>`)}
    </select>
  </div>`;
}
