// Form fields that carry their label, hint and error together: the error sits beside the
// field, is named by aria-describedby and marks the field aria-invalid. Problem documents
// from the API become such errors through their JSON pointers (errorsFrom).
import { useLayoutEffect, useRef } from 'preact/hooks';
import { html } from './html.js';
import { t } from './i18n.js';
import { CODES } from './codes.js';

function describedBy(id, hint, error) {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
}

export function FieldError({ id, error }) {
  if (!error) return null;
  return html`<p class="field-error" id=${`${id}-error`}>
    <span class="visually-hidden">${t('form.error_prefix')} </span>${error}</p>`;
}

// as: 'input' (default), 'select' (options: [{value, label}]) or 'textarea'.
export function Field({ id, label, hint, error, required, as = 'input', options, class: cls, ...props }) {
  const common = {
    id, name: id, required, 'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': describedBy(id, hint, error), ...props,
  };
  let control;
  if (as === 'select') {
    control = html`<select ...${common}>
      ${options.map((o) => html`<option value=${o.value} lang=${o.lang}>${o.label}</option>`)}
    </select>`;
  } else if (as === 'textarea') {
    control = html`<textarea ...${common}></textarea>`;
  } else {
    control = html`<input ...${common} />`;
  }
  return html`<div class=${`field ${error ? 'field--invalid' : ''} ${cls || ''}`}>
    <label for=${id}>${label}${required ? html`<span class="required" aria-hidden="true"> *</span>` : ''}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${control}
    <${FieldError} id=${id} error=${error} />
  </div>`;
}

export function Checkbox({ id, label, checked, onChange, error }) {
  return html`<div class="check">
    <input type="checkbox" id=${id} name=${id} checked=${checked} onChange=${onChange}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, null, error)} />
    <label for=${id}>${label}</label>
    <${FieldError} id=${id} error=${error} />
  </div>`;
}

// Options of a code list, labelled in the current language; blank adds an empty first one.
export function codeOptions(list, blank) {
  const opts = CODES[list].map((v) => ({ value: v, label: label(list, v) }));
  return blank === undefined ? opts : [{ value: '', label: blank }, ...opts];
}

export function label(list, value) {
  return t(`${list}.${value}`);
}

// A problem's errors as {fieldId: reason}, through fieldOf(pointer) -> id or null; what no
// field owns goes to `general`.
export function errorsFrom(err, fieldOf) {
  const fields = {};
  const general = [];
  for (const e of err.errors) {
    const id = fieldOf(e.pointer || '');
    if (id && !fields[id]) fields[id] = e.reason;
    else if (!id) general.push(e.pointer ? `${e.pointer}: ${e.reason}` : e.reason);
  }
  if (!err.errors.length) general.push(problemMessage(err));
  return { fields, general };
}

// One sentence for a failed request, in the reader's language where we know the case.
export function problemMessage(err) {
  switch (err.type) {
  case 'network': return t('error.network');
  case 'rate-limited': return t('error.rate_limited');
  case 'forbidden': return t('error.forbidden');
  case 'not-found': return t('error.not_found');
  case 'unavailable': return t('error.unavailable');
  case 'conflict': return t('error.conflict');
  case 'csrf': return t('error.csrf');
  case 'login-failed': return t('login.failed');
  case 'login-throttled': return t('login.throttled');
  default: return err.status === 400 ? t('error.invalid') : t('error.generic');
  }
}

// The list of a form's errors above it, focused so a screen reader reads it; each entry
// moves the focus to its field.
export function ErrorSummary({ fields, general, labels }) {
  const ref = useRef(null);
  const n = Object.keys(fields).length + general.length;
  useLayoutEffect(() => {
    if (!n) return;
    const first = ref.current?.closest('form')?.querySelector('[aria-invalid="true"]');
    (first || ref.current)?.focus();
  }, [fields, general]);
  if (!n) return null;
  const go = (id) => (e) => {
    e.preventDefault();
    document.getElementById(id)?.focus();
  };
  return html`<div class="error-summary" role="alert" tabindex="-1" ref=${ref}>
    <h2 class="error-summary__title">${t('form.errors_title')}</h2>
    <ul>
      ${Object.entries(fields).map(([id, reason]) => html`<li>
        <a href=${`#${id}`} onClick=${go(id)}>${labels?.[id] || id}: ${reason}</a></li>`)}
      ${general.map((g) => html`<li>${g}</li>`)}
    </ul>
  </div>`;
}
