CREATE TABLE "offline_operations" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"location_id" uuid NOT NULL,
	"item_barcode" text NOT NULL,
	"item_id" uuid,
	"patron_barcode" text,
	"patron_id" uuid,
	"due_on" date,
	"outcome" text NOT NULL,
	"loan_id" uuid,
	"conflicts" text[] DEFAULT '{}'::text[] NOT NULL,
	"notes" text[] DEFAULT '{}'::text[] NOT NULL,
	"flags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" uuid,
	"resolution_note" text,
	CONSTRAINT "offline_operations_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "offline_sessions" (
	"tenant_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"agent_id" uuid NOT NULL,
	"first_op_at" timestamp with time zone NOT NULL,
	"last_op_at" timestamp with time zone NOT NULL,
	"clock_skew_seconds" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_replay_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "offline_sessions_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "offline_operations" ADD CONSTRAINT "offline_operations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sessions" ADD CONSTRAINT "offline_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "offline_sessions" ADD CONSTRAINT "offline_sessions_agent_id_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "offline_operations_session" ON "offline_operations" USING btree ("tenant_id","session_id","seq");--> statement-breakpoint
CREATE INDEX "offline_operations_open" ON "offline_operations" USING btree ("tenant_id","at") WHERE "offline_operations"."resolved_at" is null and cardinality("offline_operations"."conflicts") > 0;--> statement-breakpoint
CREATE INDEX "offline_sessions_recent" ON "offline_sessions" USING btree ("tenant_id","last_op_at");