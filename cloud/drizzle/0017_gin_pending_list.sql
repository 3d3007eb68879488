DROP INDEX "bib_records_grams";--> statement-breakpoint
CREATE INDEX "bib_records_grams" ON "bib_records" USING gin ("search_grams") WITH (fastupdate=true);