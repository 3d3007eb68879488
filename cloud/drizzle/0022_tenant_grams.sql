-- btree_gin lets the library's uuid share the gram index (a trusted extension: no superuser needed)
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "bib_records_grams";--> statement-breakpoint
CREATE INDEX "bib_records_tenant_grams" ON "bib_records" USING gin ("tenant_id","search_grams") WITH (fastupdate=true);
