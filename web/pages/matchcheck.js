// The registration check's answer on the new-case form (POST /api/v1/persons/match-check;
// docs/registry-matching.md): the possible matches the user may see, each with its case, how
// likely it is the same person and why (each comparison's level and weight), and, when others
// exist beyond the user's access, only that a possible match exists elsewhere and its focal
// point has been told. The user may still open the new case.
import { html } from '../lib/html.js';
import { t } from '../lib/i18n.js';
import { Link } from '../lib/router.js';
import { label } from '../lib/fields.js';

// The model's comparisons as people read them.
function comparisonNames() {
  return {
    name: t('match.field.name'),
    aliases: t('match.field.aliases'),
    date_of_birth: t('match.field.date_of_birth'),
    sex: t('match.field.sex'),
    nationality: t('match.field.nationality'),
    place_of_separation: t('match.field.place_of_separation'),
    date_of_separation: t('match.field.date_of_separation'),
    relatives: t('match.field.relatives'),
  };
}

const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

function Candidate({ c, names }) {
  const facts = [c.date_of_birth, c.sex && c.sex !== 'unknown' ? label('sex', c.sex) : null,
    c.nationalities.join(', ')].filter(Boolean);
  return html`<li class="match">
    <p class="match__head">
      <${Link} href=${`/cases/${c.case_id}`}>${c.case_number}<//>
      ${c.name && html` <bdi class="match__name">${c.name}</bdi>`}
      <span class="badge">${t('match.probability', { p: Math.round(c.probability * 100) })}</span>
    </p>
    ${facts.length > 0 && html`<p class="hint">${facts.join(' · ')}</p>`}
    <details class="details">
      <summary>${t('match.why')}</summary>
      <ul class="match__why">
        ${c.explanation.map((e) => html`<li key=${e.comparison}>
          ${names[e.comparison] || e.comparison}: ${e.withheld ? t('match.withheld') : html`<bdi dir="ltr">${e.level}</bdi>`}
          <span class="match__weight" dir="ltr">${signed(e.contribution)}</span>
        </li>`)}
      </ul>
    </details>
  </li>`;
}

export function MatchPanel({ result }) {
  const shown = result.candidates.filter((c) => !c.elsewhere);
  const names = comparisonNames();
  return html`<section class="card match-panel" aria-labelledby="match-h" id="match-panel">
    <h2 id="match-h" tabindex="-1">${t('match.title')}</h2>
    <p class="hint">${t('match.hint')}</p>
    ${shown.length > 0 && html`<ul class="match-list">
      ${shown.map((c) => html`<${Candidate} key=${c.case_id} c=${c} names=${names} />`)}
    </ul>`}
    ${result.elsewhere && html`<p class="notice" id="match-elsewhere">${t('match.elsewhere')}</p>`}
  </section>`;
}
