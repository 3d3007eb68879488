ALTER TABLE "items" ADD COLUMN "in_transit_to" uuid;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "volume" text;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "trapped_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "holds_patron" ON "holds" USING btree ("tenant_id","patron_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "holds_one_trap_per_item" ON "holds" USING btree ("tenant_id","item_id") WHERE "holds"."status" in ('inTransit', 'available');