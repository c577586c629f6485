// The small labels of a case's workflow columns: status, priority, flags.
import { html } from '../lib/html.js';
import { label } from '../lib/fields.js';

export function CaseBadges({ c }) {
  return html`<span class="badges">
    <span class=${`badge badge--status-${c.status}`}>${label('status', c.status)}</span>
    <span class=${`badge badge--priority-${c.priority}`}>${label('priority', c.priority)}</span>
    ${(c.flags || []).map((f) => html`<span class=${`badge badge--flag badge--flag-${f}`}>${label('flag', f)}</span>`)}
  </span>`;
}
