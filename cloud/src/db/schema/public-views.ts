import { sql } from 'drizzle-orm';
import { date, integer, pgView, text, uuid } from 'drizzle-orm/pg-core';

/**
 * What the public OPAC may know of circulation, without any patron: per record and per copy
 * availability, hold counts and loan counts. The public service's database role reads these views
 * instead of `loans` and `holds` (see db/public-role.ts). Security barrier views: no condition a
 * caller adds is evaluated before the view's own joins and filters.
 */
export const publicBibAvailability = pgView('public_bib_availability', {
  tenantId: uuid('tenant_id').notNull(),
  bibId: uuid('bib_id').notNull(),
  itemCount: integer('item_count').notNull(),
  availableCount: integer('available_count').notNull(),
  onLoanCount: integer('on_loan_count').notNull(),
  /** 'available' when a copy is on the shelf, 'onLoan' when every usable copy is out, else 'none' */
  availability: text('availability').notNull(),
  /** holds waiting or set aside (n人待ち for the whole title) */
  holdCount: integer('hold_count').notNull(),
  /** loans of any copy in the last 365 days (ベストリーダー) */
  loansLastYear: integer('loans_last_year').notNull(),
})
  .with({ securityBarrier: true })
  .as(sql`select b.tenant_id, b.id as bib_id,
  (count(i.id) filter (where i.status <> 'withdrawn'))::int as item_count,
  (count(i.id) filter (where i.status = 'available'))::int as available_count,
  (count(i.id) filter (where i.status = 'onLoan'))::int as on_loan_count,
  case when bool_or(i.status = 'available') then 'available'
    when bool_or(i.status in ('onLoan', 'onHoldShelf', 'inTransit')) then 'onLoan' else 'none' end as availability,
  (select count(*) from holds h where h.tenant_id = b.tenant_id and h.bib_id = b.id
    and h.status in ('requested', 'preparing', 'inTransit', 'available'))::int as hold_count,
  (select count(*) from loans l join items li on li.id = l.item_id
    where l.tenant_id = b.tenant_id and li.bib_id = b.id and l.loaned_at > now() - interval '365 days')::int as loans_last_year
from bib_records b left join items i on i.tenant_id = b.tenant_id and i.bib_id = b.id
group by b.tenant_id, b.id`);

/** Each copy's state and, while it is out, its due date (返却予定日) — never who has it. */
export const publicItemAvailability = pgView('public_item_availability', {
  tenantId: uuid('tenant_id').notNull(),
  itemId: uuid('item_id').notNull(),
  bibId: uuid('bib_id').notNull(),
  locationId: uuid('location_id').notNull(),
  status: text('status').notNull(),
  dueOn: date('due_on'),
})
  .with({ securityBarrier: true })
  .as(sql`select i.tenant_id, i.id as item_id, i.bib_id, i.location_id, i.status, l.due_on
from items i left join loans l on l.tenant_id = i.tenant_id and l.item_id = i.id and l.returned_at is null
where i.status <> 'withdrawn'`);
