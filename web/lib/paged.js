// A list the API answers a page at a time ({items, next_cursor}): the first page whenever
// query changes, the next one on more(). A 401 ends the session; other failures become one
// sentence in error (and the ApiError in failure, for a form that puts reasons by its fields).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { problemMessage } from './fields.js';

// query: the filters as an object of strings (empty ones are left out), or null to wait.
export function usePaged(path, query, limit, onSessionEnded) {
  const [items, setItems] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [failure, setFailure] = useState(null); // the ApiError behind error
  const [loading, setLoading] = useState(false);
  const [added, setAdded] = useState(null); // the item a form just created, until dismissed
  const key = JSON.stringify(query);

  const load = async (after, before) => {
    setLoading(true);
    setError(null);
    setFailure(null);
    const q = new URLSearchParams({ limit: String(limit) });
    for (const [k, v] of Object.entries(query || {})) if (v) q.set(k, v);
    if (after) q.set('cursor', after);
    try {
      const out = await api('GET', `${path}?${q}`);
      setItems([...before, ...out.items]);
      setCursor(out.next_cursor);
    } catch (err) {
      if (err.status === 401) onSessionEnded();
      else {
        setError(problemMessage(err));
        setFailure(err);
      }
    }
    setLoading(false);
  };
  useEffect(() => {
    if (query) load(null, []);
  }, [key]);

  // replace(item): put a changed item in its place; add(item): a new one first, kept as
  // `added` for the page to confirm until dismiss().
  const replace = (item) => setItems((xs) => xs.map((x) => (x.id === item.id ? item : x)));
  const add = (item) => {
    setAdded(item);
    setItems((xs) => [item, ...(xs || [])]);
  };
  return { items, cursor, error, failure, loading, more: () => load(cursor, items || []), replace, add, added,
    dismiss: () => setAdded(null) };
}

// Every page of a short list (the agencies: a few dozen), for pickers and names.
export async function fetchAll(path) {
  const all = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: '100' });
    if (cursor) q.set('cursor', cursor);
    const out = await api('GET', `${path}?${q}`);
    all.push(...out.items);
    cursor = out.next_cursor;
  } while (cursor);
  return all;
}

// Under a paged list: its error, "loading", and the button for the next page.
export function PagedFooter({ list, moreLabel }) {
  return html`
    ${list.error && html`<p class="alert" role="alert">${list.error}</p>`}
    ${list.loading && html`<p class="muted" role="status">${t('app.loading')}</p>`}
    ${list.cursor && !list.loading && html`<button type="button" class="button" onClick=${list.more}>${moreLabel}</button>`}`;
}
