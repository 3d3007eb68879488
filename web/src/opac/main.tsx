import { render } from 'solid-js/web';
import { OpacApp } from './app.tsx';
import { isKiosk } from './state.ts';
import './opac.css';

// The public service sends the search and record pages as plain HTML inside the root (for readers
// without JavaScript, cloud/src/public/opac-pages.ts); the app takes the same address over from it.
const root = document.getElementById('root')!;
root.replaceChildren();
render(() => <OpacApp />, root);

// Installable on phones; a kiosk needs no install and keeps nothing, so it registers no worker.
if (!isKiosk && 'serviceWorker' in navigator) {
  void navigator.serviceWorker.register('/opac-sw.js', { scope: '/opac' }).catch(() => undefined);
}
