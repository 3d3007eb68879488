CREATE TABLE "marc_pool_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source_key" text NOT NULL,
	"isbn" text,
	"barcodes" text[] DEFAULT '{}'::text[] NOT NULL,
	"bib" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"adopted_bib_id" uuid
);
--> statement-breakpoint
ALTER TABLE "marc_pool_records" ADD CONSTRAINT "marc_pool_records_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "marc_pool_tenant_source" ON "marc_pool_records" USING btree ("tenant_id","source_key");--> statement-breakpoint
CREATE INDEX "marc_pool_tenant_isbn" ON "marc_pool_records" USING btree ("tenant_id","isbn");--> statement-breakpoint
CREATE INDEX "marc_pool_barcodes" ON "marc_pool_records" USING gin ("barcodes");