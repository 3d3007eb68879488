DROP INDEX "bib_records_grams";--> statement-breakpoint
CREATE INDEX "bib_records_source_ids" ON "bib_records" USING gin ("source_ids" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "bib_records_grams" ON "bib_records" USING gin ("search_grams") WITH (fastupdate=false);