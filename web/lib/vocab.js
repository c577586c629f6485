// The shared vocabulary of the protocols (protocols/codes.json, inlined by the bundle): the
// titles of needs, tasks, red flags, services, priorities and intervention levels in the
// reader's language, English where the file has no title in it, the code itself where the
// file does not know it.
import codes from '../../protocols/codes.json';
import { language } from './i18n.js';

export function vocab(list, id) {
  const item = (codes[list] || []).find((x) => x.id === id);
  if (!item) return id;
  return item.title[language()] || item.title.en || id;
}

// The list's codes as options of a select, titled in the reader's language; blank adds an
// empty first one. A list the file does not have yet gives none (or only the blank).
export function vocabOptions(list, blank) {
  const opts = (codes[list] || []).map((x) => ({ value: x.id, label: vocab(list, x.id) }));
  return blank === undefined ? opts : [{ value: '', label: blank }, ...opts];
}
