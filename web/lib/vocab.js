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
