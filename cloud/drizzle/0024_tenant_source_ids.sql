DROP INDEX "bib_records_source_ids";--> statement-breakpoint
CREATE INDEX "bib_records_tenant_source_ids" ON "bib_records" USING gin ("tenant_id","source_ids" jsonb_path_ops);