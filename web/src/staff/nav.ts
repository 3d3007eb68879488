import type { MessageKey } from '../i18n/index.ts';

/** One area of the staff client: where it lives, its label, and who may see it (any of `anyOf`). */
export type Area = { path: string; label: MessageKey; anyOf: readonly string[] | 'session' };

export const AREAS: readonly Area[] = [
  { path: '/', label: 'nav.dashboard', anyOf: 'session' },
  { path: '/circulation', label: 'nav.circulation', anyOf: ['circulation.checkout', 'circulation.return'] },
  { path: '/search', label: 'nav.search', anyOf: ['catalog.read'] },
  { path: '/receiving', label: 'nav.receiving', anyOf: ['catalog.write'] },
  { path: '/bibs/new', label: 'nav.newBib', anyOf: ['catalog.write'] },
  { path: '/patrons', label: 'nav.patrons', anyOf: ['patrons.read'] },
  { path: '/holds', label: 'nav.holds', anyOf: ['holds.manage'] },
  { path: '/stats', label: 'nav.stats', anyOf: ['stats.read'] },
  { path: '/devices', label: 'nav.devices', anyOf: ['devices.read'] },
  { path: '/oplog', label: 'nav.oplog', anyOf: ['oplog.read'] },
  { path: '/settings', label: 'nav.settings', anyOf: ['settings.read'] },
  { path: '/offline', label: 'nav.offline', anyOf: ['circulation.checkout'] },
  { path: '/stocktake', label: 'nav.stocktake', anyOf: ['inventory.manage'] },
];

export const allowed = (area: Area, permissions: readonly string[]) =>
  area.anyOf === 'session' || area.anyOf.some((p) => permissions.includes(p));

export const areaFor = (path: string) => AREAS.find((a) => a.path === path);
