import { boolean, index, integer, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { materialTypes } from './catalog.ts';
import { createdAt, idColumn, tenantColumn, updatedAt } from './common.ts';
import { patronCategories } from './patrons.ts';
import { locations } from './tenancy.ts';

/**
 * The loan rules matrix: patron category × material type × location, each dimension optional
 * (null = any). The most specific matching row wins; the all-null row is the required fallback.
 * No fines anywhere (Library Act Art. 17): the sanction for overdues is a block on new loans.
 */
export const loanRules = pgTable(
  'loan_rules',
  {
    id: idColumn(),
    tenantId: tenantColumn(),
    patronCategoryId: uuid('patron_category_id').references(() => patronCategories.id),
    materialTypeId: uuid('material_type_id').references(() => materialTypes.id),
    locationId: uuid('location_id').references(() => locations.id),
    loanable: boolean('loanable').notNull().default(true),
    loanDays: integer('loan_days').notNull(),
    /** with a material type: at most this many loans of that type; without: at most this many loans in all */
    maxItems: integer('max_items').notNull(),
    maxRenewals: integer('max_renewals').notNull().default(1),
    renewalDays: integer('renewal_days').notNull(),
    maxHolds: integer('max_holds').notNull(),
    /** 取置期限: how many open days a trapped hold waits on the shelf */
    pickupOpenDays: integer('pickup_open_days').notNull().default(7),
    /** no new loans while any loan is this many days overdue (null: overdues never block) */
    overdueBlockDays: integer('overdue_block_days'),
    noteJa: text('note_ja').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('loan_rules_tenant').on(t.tenantId),
    // one row per combination; the all-null fallback is unique too
    unique('loan_rules_dimensions')
      .on(t.tenantId, t.patronCategoryId, t.materialTypeId, t.locationId)
      .nullsNotDistinct(),
  ],
);
