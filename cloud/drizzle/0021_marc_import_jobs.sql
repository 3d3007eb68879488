CREATE TABLE "marc_import_files" (
	"job_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"bytes" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "marc_import_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"file_name" text NOT NULL,
	"file_size" integer NOT NULL,
	"expected" integer,
	"format" text NOT NULL,
	"mapping" text NOT NULL,
	"started_by" uuid NOT NULL,
	"started_by_login" text NOT NULL,
	"workstation" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"processed" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"rejections" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"resume_after" integer DEFAULT 0 NOT NULL,
	"committed" jsonb DEFAULT '{"processed":0,"created":0,"updated":0,"unchanged":0,"rejected":0}'::jsonb NOT NULL,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "marc_import_files" ADD CONSTRAINT "marc_import_files_job_id_marc_import_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."marc_import_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marc_import_files" ADD CONSTRAINT "marc_import_files_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "marc_import_jobs" ADD CONSTRAINT "marc_import_jobs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "marc_import_jobs_one_running" ON "marc_import_jobs" USING btree ("tenant_id") WHERE status = 'running';--> statement-breakpoint
CREATE INDEX "marc_import_jobs_tenant" ON "marc_import_jobs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "marc_import_jobs_waiting" ON "marc_import_jobs" USING btree ("status") WHERE status in ('queued', 'running');