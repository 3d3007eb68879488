CREATE TABLE "stocktake_batches" (
	"tenant_id" uuid NOT NULL,
	"id" text NOT NULL,
	"session_id" uuid NOT NULL,
	"source" text NOT NULL,
	"agent_id" uuid,
	"device_key" text,
	"terminal_id" text NOT NULL,
	"origin" text NOT NULL,
	"scan_count" integer NOT NULL,
	"rejected_count" integer DEFAULT 0 NOT NULL,
	"rejected_lines" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"collected_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stocktake_batches_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "stocktake_results" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"list" text NOT NULL,
	"item_id" uuid,
	"barcode" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stocktake_scans" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"batch_id" text NOT NULL,
	"raw" text NOT NULL,
	"barcode" text,
	"invalid_reason" text,
	"shelf_tag" text DEFAULT '' NOT NULL,
	"scanned_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "stocktake_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name_ja" text NOT NULL,
	"location_ids" uuid[] NOT NULL,
	"shelves" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"opened_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_by" uuid,
	"closed_at" timestamp with time zone,
	"summary" jsonb
);
--> statement-breakpoint
ALTER TABLE "stocktake_batches" ADD CONSTRAINT "stocktake_batches_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stocktake_batches" ADD CONSTRAINT "stocktake_batches_session_id_stocktake_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."stocktake_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stocktake_sessions" ADD CONSTRAINT "stocktake_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "stocktake_batches_session" ON "stocktake_batches" USING btree ("tenant_id","session_id");--> statement-breakpoint
CREATE INDEX "stocktake_results_list" ON "stocktake_results" USING btree ("tenant_id","session_id","list","barcode");--> statement-breakpoint
CREATE INDEX "stocktake_scans_session_barcode" ON "stocktake_scans" USING btree ("tenant_id","session_id","barcode");--> statement-breakpoint
CREATE UNIQUE INDEX "stocktake_sessions_one_open" ON "stocktake_sessions" USING btree ("tenant_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "stocktake_sessions_tenant" ON "stocktake_sessions" USING btree ("tenant_id","created_at");