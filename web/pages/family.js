// A person's family links (docs/web.md "Family links"): who the family are, each with a
// relationship, a name, a note and whether they are suspected of exploiting the person. They
// are part of the need-to-know safety block: the API sends them only to whom the policy grants
// it, and a consent given by a relative flagged here, or by someone among the people to avoid,
// is refused by the server. Saved as the whole person with PATCH /api/v1/cases/:id (If-Match).
import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { api, etag } from '../lib/api.js';
import { Field, Checkbox, ErrorSummary, codeOptions, errorsFrom, label } from '../lib/fields.js';

const NONE = { fields: {}, general: [] };
const BLANK = { relationship: '', name: '', suspected_exploiter: false, note: '' };

// c: the case as GET /api/v1/cases/:id gave it (with its person); onChanged(case) after a save.
export function FamilySection({ c, onChanged, onSessionEnded }) {
  const links = c.person.safety?.family || [];
  const [open, setOpen] = useState(false);
  const [v, setV] = useState(BLANK);
  const [errors, setErrors] = useState(NONE);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const save = async (family, field) => {
    const safety = { ...(c.person.safety || {}), family };
    setBusy(true);
    try {
      const changed = await api('PATCH', `/api/v1/cases/${c.id}`, { person: { ...c.person, safety } },
        { 'If-Match': etag(c.version) });
      setErrors(NONE);
      setBusy(false);
      return changed;
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      // /person/safety/family/N/name -> the form's field; anything else at the top
      setErrors(errorsFrom(err, (p) => {
        const m = p.match(/^\/person\/safety\/family\/\d+\/(relationship|name|note|suspected_exploiter)$/);
        return m && field ? `family-${m[1]}` : null;
      }));
      setBusy(false);
      return null;
    }
  };
  const submit = async (e) => {
    e.preventDefault();
    const link = { relationship: v.relationship, name: v.name.trim(), suspected_exploiter: v.suspected_exploiter };
    if (v.note.trim()) link.note = v.note.trim();
    if (!link.relationship) delete link.relationship; // the server names what is missing
    const changed = await save([...links, link], true);
    if (changed) {
      setV(BLANK);
      setOpen(false);
      setStatus(t('family.saved'));
      onChanged();
    }
  };
  const remove = async (i) => {
    if (await save(links.filter((_, k) => k !== i), false)) {
      setStatus(t('family.removed'));
      onChanged();
    }
  };
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const labels = { 'family-relationship': t('family.relationship'), 'family-name': t('family.name'),
    'family-suspected_exploiter': t('family.suspected_exploiter'), 'family-note': t('family.note') };
  return html`<section class="card" aria-labelledby="family-h">
    <h2 id="family-h">${t('family.title')}</h2>
    <p class="muted">${t('family.intro')}</p>
    <p class="visually-hidden" role="status">${status}</p>
    ${!open && errors.general.length > 0 && html`<${ErrorSummary} ...${errors} labels=${labels} />`}
    ${links.length ? html`<ul class="bullets family">${links.map((f, i) => html`<li data-family=${i}>
        <span>${label('relationship', f.relationship)}: <span dir="auto">${f.name}</span></span>
        ${f.suspected_exploiter && html` <strong class="badge badge--danger">${t('family.flagged')}</strong>`}
        ${f.note && html` <span class="muted" dir="auto">${f.note}</span>`}
        <button type="button" class="button button--quiet" disabled=${busy} onClick=${() => remove(i)}
          aria-label=${t('family.remove_named', { name: f.name })}>${t('family.remove')}</button>
      </li>`)}</ul>` : html`<p class="empty">${t('family.none')}</p>`}
    ${!open ? html`<button type="button" class="button" aria-expanded="false" onClick=${() => setOpen(true)}>${t('family.add')}</button>`
      : html`<form onSubmit=${submit} noValidate class="stack">
        <h3>${t('family.new')}</h3>
        <${ErrorSummary} ...${errors} labels=${labels} />
        <div class="grid">
          <${Field} id="family-relationship" label=${labels['family-relationship']} as="select" required
            options=${codeOptions('relationship', t('form.choose'))} value=${v.relationship} onChange=${set('relationship')}
            error=${errors.fields['family-relationship']} />
          <${Field} id="family-name" label=${labels['family-name']} value=${v.name} onInput=${set('name')} dir="auto"
            required error=${errors.fields['family-name']} />
        </div>
        <p class="hint">${t('family.suspected_hint')}</p>
        <${Checkbox} id="family-suspected_exploiter" label=${labels['family-suspected_exploiter']}
          checked=${v.suspected_exploiter}
          onChange=${(e) => setV({ ...v, suspected_exploiter: e.currentTarget.checked })}
          error=${errors.fields['family-suspected_exploiter']} />
        <${Field} id="family-note" label=${labels['family-note']} value=${v.note} onInput=${set('note')} dir="auto"
          error=${errors.fields['family-note']} />
        <div class="actions">
          <button type="submit" class="button button--primary" disabled=${busy}>${t('family.save')}</button>
          <button type="button" class="button button--quiet" onClick=${() => { setOpen(false); setErrors(NONE); }}>${t('form.cancel')}</button>
        </div>
      </form>`}
  </section>`;
}
