CREATE TABLE "patron_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"patron_id" uuid NOT NULL,
	"card_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "patron_sessions_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "patrons" ADD COLUMN "password_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "patrons" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "patrons" ADD COLUMN "password_must_change" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "operation_log" ADD COLUMN "actor_kind" text;--> statement-breakpoint
ALTER TABLE "operation_log" ADD COLUMN "actor_patron_id" uuid;--> statement-breakpoint
ALTER TABLE "patron_sessions" ADD CONSTRAINT "patron_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patron_sessions" ADD CONSTRAINT "patron_sessions_patron_id_patrons_id_fk" FOREIGN KEY ("patron_id") REFERENCES "public"."patrons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patron_sessions" ADD CONSTRAINT "patron_sessions_card_id_patron_cards_id_fk" FOREIGN KEY ("card_id") REFERENCES "public"."patron_cards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "patron_sessions_patron" ON "patron_sessions" USING btree ("tenant_id","patron_id");