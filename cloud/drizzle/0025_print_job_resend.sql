ALTER TABLE "print_jobs" ADD COLUMN "payload" jsonb;--> statement-breakpoint
ALTER TABLE "print_jobs" ADD COLUMN "sending_until" timestamp with time zone;