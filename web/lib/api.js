// The JSON API (docs/api.md): the session cookie is HttpOnly and travels by itself; the CSRF
// token of the log-in answer is kept in sessionStorage (one tab's life) and sent on every
// mutating request. Errors are RFC 9457 problem documents, thrown as ApiError.
const CSRF_KEY = 'safepath.csrf';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  get type() {
    return (this.problem.type || '').replace('urn:safepath:problem:', '');
  }

  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function storage() {
  try { return window.sessionStorage; } catch { return null; }
}

export function hasSession() {
  return Boolean(storage()?.getItem(CSRF_KEY));
}

export function forgetSession() {
  storage()?.removeItem(CSRF_KEY);
}

// The If-Match of a change: the version of the record as last read.
export const etag = (version) => `"${version}"`;

// extra: more headers (If-Match on an update, Idempotency-Key on a create).
export async function api(method, path, body, extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const csrf = storage()?.getItem(CSRF_KEY);
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { type: 'urn:safepath:problem:network' });
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

// A create's Idempotency-Key: one per form submission, the same on that submission's retries
// (an answer lost to the network, a 503), so that the server makes the record once; a new one
// once the create is answered, or when the form is sent with other values.
export function retryKey() {
  let last = null;
  return {
    of(body) {
      const text = JSON.stringify(body ?? null);
      if (!last || last.text !== text) last = { text, key: uuid() };
      return last.key;
    },
    done() { last = null; },
  };
}

// crypto.randomUUID exists only in secure contexts (HTTPS, localhost): a server reached over
// plain HTTP on a LAN gets a version-4 UUID from getRandomValues.
function uuid() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// POST a create with its Idempotency-Key (key: a retryKey()).
export async function create(path, body, key) {
  const out = await api('POST', path, body, { 'Idempotency-Key': key.of(body) });
  key.done();
  return out;
}

export async function login(username, password) {
  const out = await api('POST', '/api/v1/session', { username, password });
  storage()?.setItem(CSRF_KEY, out.csrf_token);
  return out;
}

export async function logout() {
  try {
    await api('DELETE', '/api/v1/session');
  } finally {
    forgetSession();
  }
}
