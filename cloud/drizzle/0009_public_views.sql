CREATE VIEW "public"."public_bib_availability" WITH (security_barrier = true) AS (select b.tenant_id, b.id as bib_id,
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
group by b.tenant_id, b.id);--> statement-breakpoint
CREATE VIEW "public"."public_item_availability" WITH (security_barrier = true) AS (select i.tenant_id, i.id as item_id, i.bib_id, i.location_id, i.status, l.due_on
from items i left join loans l on l.tenant_id = i.tenant_id and l.item_id = i.id and l.returned_at is null
where i.status <> 'withdrawn');