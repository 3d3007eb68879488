CREATE TABLE "loan_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"patron_category_id" uuid,
	"material_type_id" uuid,
	"location_id" uuid,
	"loanable" boolean DEFAULT true NOT NULL,
	"loan_days" integer NOT NULL,
	"max_items" integer NOT NULL,
	"max_renewals" integer DEFAULT 1 NOT NULL,
	"renewal_days" integer NOT NULL,
	"max_holds" integer NOT NULL,
	"pickup_open_days" integer DEFAULT 7 NOT NULL,
	"overdue_block_days" integer,
	"note_ja" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loan_rules_dimensions" UNIQUE NULLS NOT DISTINCT("tenant_id","patron_category_id","material_type_id","location_id")
);
--> statement-breakpoint
ALTER TABLE "loan_rules" ADD CONSTRAINT "loan_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_rules" ADD CONSTRAINT "loan_rules_patron_category_id_patron_categories_id_fk" FOREIGN KEY ("patron_category_id") REFERENCES "public"."patron_categories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_rules" ADD CONSTRAINT "loan_rules_material_type_id_material_types_id_fk" FOREIGN KEY ("material_type_id") REFERENCES "public"."material_types"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loan_rules" ADD CONSTRAINT "loan_rules_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "loan_rules_tenant" ON "loan_rules" USING btree ("tenant_id");