// Message catalogs and the current language. A key missing from a catalog falls back to
// English, then to the key itself (which the i18n test keeps from ever happening in
// English). The choice is remembered in localStorage; the page's lang and dir follow it.
import en from '../i18n/en.json';
import ar from '../i18n/ar.json';
import fr from '../i18n/fr.json';
import es from '../i18n/es.json';

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr', messages: en },
  { code: 'ar', name: 'العربية', dir: 'rtl', messages: ar },
  { code: 'fr', name: 'Français', dir: 'ltr', messages: fr },
  { code: 'es', name: 'Español', dir: 'ltr', messages: es },
];
const STORE_KEY = 'safepath.lang';

let current = LANGUAGES[0];

function find(code) {
  return LANGUAGES.find((l) => l.code === code);
}

// The remembered language, else the browser's first one we have, else English.
export function initialLanguage() {
  let saved = null;
  try { saved = localStorage.getItem(STORE_KEY); } catch { /* storage off: not remembered */ }
  const wanted = [saved, ...(navigator.languages || [])].filter(Boolean)
    .map((c) => c.slice(0, 2).toLowerCase());
  return (wanted.map(find).find(Boolean) || LANGUAGES[0]).code;
}

export function setLanguage(code) {
  current = find(code) || LANGUAGES[0];
  document.documentElement.lang = current.code;
  document.documentElement.dir = current.dir;
  try { localStorage.setItem(STORE_KEY, current.code); } catch { /* not remembered */ }
}

export function language() {
  return current.code;
}

// t('search.found', { n: 3 }): the message with each {name} replaced.
export function t(key, vars) {
  let s = current.messages[key] ?? en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

// Dates and times in the reader's language, in the Gregorian calendar with Latin digits
// (case records are compared across offices); in timeZone (an IANA name) when given, else the
// browser's.
export function formatTime(iso, timeZone) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(`${current.code}-u-ca-gregory-nu-latn`,
    { dateStyle: 'medium', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(d);
}

// A language code of the API (ISO 639, "ti") as the reader's language names it ("tigrigna");
// the code itself where the browser does not know it.
export function languageName(code) {
  try {
    return new Intl.DisplayNames([current.code], { type: 'language', fallback: 'code' }).of(code) || code;
  } catch {
    return code;
  }
}
