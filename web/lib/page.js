// What every page does on arrival: name itself in the tab's title and, after a navigation
// inside the shell (not on the first load), move the focus to its heading so keyboard and
// screen-reader users start reading there.
import { useEffect } from 'preact/hooks';
import { t } from './i18n.js';

let firstPage = true;

// ready: false while the page still waits for its data (its heading is not the final one).
export function usePage(title, ready = true) {
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title]);
  useEffect(() => {
    if (!ready) return;
    if (firstPage) {
      firstPage = false;
      return;
    }
    document.querySelector('main h1')?.focus();
  }, [ready]);
}
