import { type MessageKey, t } from '../../i18n/index.ts';

const STATUS: Record<string, MessageKey> = {
  active: 'patrons.status.active',
  suspended: 'patrons.status.suspended',
  expired: 'patrons.status.expired',
  deleted: 'patrons.status.deleted',
};
const CARD: Record<string, MessageKey> = {
  active: 'patrons.card.active',
  replaced: 'patrons.card.replaced',
  lost: 'patrons.card.lost',
};

export const statusLabel = (s: string) => (STATUS[s] ? t(STATUS[s]) : s);
export const cardStatusLabel = (s: string) => (CARD[s] ? t(CARD[s]) : s);
