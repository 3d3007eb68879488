ALTER TABLE "bib_records" ADD COLUMN "responsibility" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "other_titles" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "edition" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "pub_place" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "pub_date" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "extent" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "isbn10" text;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "subjects" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "notes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "summary" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "trc_number" text;--> statement-breakpoint
ALTER TABLE "bib_records" ADD COLUMN "jp_number" text;--> statement-breakpoint
CREATE UNIQUE INDEX "bib_records_tenant_trc" ON "bib_records" USING btree ("tenant_id","trc_number") WHERE trc_number is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "bib_records_tenant_jp" ON "bib_records" USING btree ("tenant_id","jp_number") WHERE jp_number is not null;