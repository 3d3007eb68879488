ALTER TABLE "holds" ADD COLUMN "notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "notified_via" text;