-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "call_direction" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "call_status" AS ENUM ('queued', 'initiated', 'ringing', 'in_progress', 'completed', 'busy', 'no_answer', 'failed', 'canceled');

-- CreateEnum
CREATE TYPE "turn_role" AS ENUM ('user', 'assistant', 'tool', 'system');

-- CreateEnum
CREATE TYPE "sentiment" AS ENUM ('positive', 'neutral', 'negative', 'mixed');

-- CreateEnum
CREATE TYPE "summary_status" AS ENUM ('ok', 'failed');

-- CreateEnum
CREATE TYPE "appointment_status" AS ENUM ('booked', 'rescheduled', 'cancelled');

-- CreateEnum
CREATE TYPE "campaign_status" AS ENUM ('draft', 'running', 'paused', 'completed', 'cancelled');

-- CreateEnum
CREATE TYPE "contact_status" AS ENUM ('pending', 'dialing', 'retry_scheduled', 'completed', 'failed', 'skipped', 'cancelled');

-- CreateEnum
CREATE TYPE "dial_disposition" AS ENUM ('answered', 'voicemail', 'no_answer', 'busy', 'failed', 'canceled', 'invalid_number', 'do_not_call', 'outside_calling_hours');

-- CreateEnum
CREATE TYPE "crm_sync_status" AS ENUM ('pending', 'succeeded', 'failed', 'dead_lettered');

-- CreateEnum
CREATE TYPE "api_key_role" AS ENUM ('admin', 'campaign_manager', 'viewer');

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "system_prompt" TEXT NOT NULL,
    "greeting" TEXT NOT NULL,
    "voice" TEXT NOT NULL,
    "tts_model" TEXT NOT NULL,
    "stt_model" TEXT NOT NULL,
    "llm_model" TEXT,
    "language" TEXT NOT NULL DEFAULT 'en-US',
    "enabled_tools" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "endpointing_ms" INTEGER NOT NULL DEFAULT 300,
    "utterance_end_ms" INTEGER NOT NULL DEFAULT 1000,
    "barge_in_enabled" BOOLEAN NOT NULL DEFAULT true,
    "barge_in_min_speech_ms" INTEGER NOT NULL DEFAULT 250,
    "business_hours" JSONB NOT NULL DEFAULT '{}',
    "slot_minutes" INTEGER NOT NULL DEFAULT 30,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_phone_numbers" (
    "phone" TEXT NOT NULL,
    "agent_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_phone_numbers_pkey" PRIMARY KEY ("phone")
);

-- CreateTable
CREATE TABLE "customers" (
    "id" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "name" TEXT,
    "time_zone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calls" (
    "id" UUID NOT NULL,
    "call_sid" TEXT NOT NULL,
    "direction" "call_direction" NOT NULL,
    "from_number" TEXT NOT NULL,
    "to_number" TEXT NOT NULL,
    "status" "call_status" NOT NULL,
    "outcome" TEXT,
    "agent_id" UUID NOT NULL,
    "customer_id" UUID,
    "campaign_id" UUID,
    "campaign_contact_id" UUID,
    "workflow_id" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "turns" (
    "id" UUID NOT NULL,
    "call_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "role" "turn_role" NOT NULL,
    "generated_text" TEXT,
    "heard_text" TEXT NOT NULL DEFAULT '',
    "interrupted" BOOLEAN NOT NULL DEFAULT false,
    "stt_final_ms" INTEGER,
    "llm_first_token_ms" INTEGER,
    "tts_first_byte_ms" INTEGER,
    "first_frame_ms" INTEGER,
    "tool_calls" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "turns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_summaries" (
    "id" UUID NOT NULL,
    "call_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "status" "summary_status" NOT NULL,
    "failure_reason" TEXT,
    "summary" TEXT,
    "sentiment" "sentiment",
    "outcome" TEXT,
    "action_items" JSONB,
    "structured_fields" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_summaries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appointments" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "appointment_status" NOT NULL DEFAULT 'booked',
    "time_zone" TEXT NOT NULL,
    "notes" TEXT,
    "created_by_call_id" UUID,
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "appointments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "agent_id" UUID NOT NULL,
    "status" "campaign_status" NOT NULL DEFAULT 'draft',
    "prompt_variables" JSONB NOT NULL DEFAULT '{}',
    "concurrency_limit" INTEGER NOT NULL DEFAULT 1,
    "pacing_per_minute" INTEGER NOT NULL DEFAULT 10,
    "calling_hours" JSONB NOT NULL DEFAULT '{}',
    "retry_rules" JSONB NOT NULL DEFAULT '{}',
    "caller_id" TEXT NOT NULL,
    "workflow_id" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_contacts" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "variables" JSONB NOT NULL DEFAULT '{}',
    "status" "contact_status" NOT NULL DEFAULT 'pending',
    "disposition" "dial_disposition",
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaign_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dial_attempts" (
    "id" UUID NOT NULL,
    "contact_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "call_sid" TEXT,
    "disposition" "dial_disposition",
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "dial_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crm_sync_records" (
    "id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "call_id" UUID,
    "adapter" TEXT NOT NULL,
    "status" "crm_sync_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "external_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "synced_at" TIMESTAMPTZ(3),

    CONSTRAINT "crm_sync_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crm_dead_letters" (
    "id" UUID NOT NULL,
    "sync_record_id" UUID NOT NULL,
    "request" JSONB NOT NULL,
    "response" JSONB,
    "reason" TEXT NOT NULL,
    "replayed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crm_dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "do_not_call_entries" (
    "id" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "reason" TEXT,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "do_not_call_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "api_key_role" NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL,
    "actor_key_id" UUID,
    "role" "api_key_role",
    "action" TEXT NOT NULL,
    "target" TEXT,
    "request_id" TEXT,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "agents_name_key" ON "agents"("name");

-- CreateIndex
CREATE INDEX "agent_phone_numbers_agent_id_idx" ON "agent_phone_numbers"("agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "customers_phone_key" ON "customers"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "calls_call_sid_key" ON "calls"("call_sid");

-- CreateIndex
CREATE INDEX "calls_started_at_idx" ON "calls"("started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_status_started_at_idx" ON "calls"("status", "started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_direction_started_at_idx" ON "calls"("direction", "started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_campaign_id_started_at_idx" ON "calls"("campaign_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_customer_id_started_at_idx" ON "calls"("customer_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_agent_id_started_at_idx" ON "calls"("agent_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "calls_campaign_contact_id_campaign_id_idx" ON "calls"("campaign_contact_id", "campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "turns_call_id_sequence_key" ON "turns"("call_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "call_summaries_call_id_version_key" ON "call_summaries"("call_id", "version");

-- CreateIndex
CREATE INDEX "appointments_customer_id_starts_at_idx" ON "appointments"("customer_id", "starts_at");

-- CreateIndex
CREATE INDEX "appointments_starts_at_idx" ON "appointments"("starts_at");

-- CreateIndex
CREATE INDEX "appointments_created_by_call_id_idx" ON "appointments"("created_by_call_id");

-- CreateIndex
CREATE INDEX "campaigns_created_at_idx" ON "campaigns"("created_at" DESC);

-- CreateIndex
CREATE INDEX "campaigns_agent_id_idx" ON "campaigns"("agent_id");

-- CreateIndex
CREATE INDEX "campaign_contacts_campaign_id_status_next_attempt_at_idx" ON "campaign_contacts"("campaign_id", "status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_contacts_campaign_id_phone_key" ON "campaign_contacts"("campaign_id", "phone");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_contacts_id_campaign_id_key" ON "campaign_contacts"("id", "campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "dial_attempts_call_sid_key" ON "dial_attempts"("call_sid");

-- CreateIndex
CREATE UNIQUE INDEX "dial_attempts_contact_id_attempt_key" ON "dial_attempts"("contact_id", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "crm_sync_records_idempotency_key_key" ON "crm_sync_records"("idempotency_key");

-- CreateIndex
CREATE INDEX "crm_sync_records_call_id_idx" ON "crm_sync_records"("call_id");

-- CreateIndex
CREATE INDEX "crm_sync_records_status_updated_at_idx" ON "crm_sync_records"("status", "updated_at");

-- CreateIndex
CREATE INDEX "crm_dead_letters_created_at_idx" ON "crm_dead_letters"("created_at" DESC);

-- CreateIndex
CREATE INDEX "crm_dead_letters_sync_record_id_idx" ON "crm_dead_letters"("sync_record_id");

-- CreateIndex
CREATE UNIQUE INDEX "do_not_call_entries_phone_key" ON "do_not_call_entries"("phone");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_log_actor_key_id_created_at_idx" ON "audit_log"("actor_key_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "agent_phone_numbers" ADD CONSTRAINT "agent_phone_numbers_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_campaign_contact_id_campaign_id_fkey" FOREIGN KEY ("campaign_contact_id", "campaign_id") REFERENCES "campaign_contacts"("id", "campaign_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turns" ADD CONSTRAINT "turns_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_summaries" ADD CONSTRAINT "call_summaries_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_created_by_call_id_fkey" FOREIGN KEY ("created_by_call_id") REFERENCES "calls"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dial_attempts" ADD CONSTRAINT "dial_attempts_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "campaign_contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "crm_sync_records" ADD CONSTRAINT "crm_sync_records_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "crm_dead_letters" ADD CONSTRAINT "crm_dead_letters_sync_record_id_fkey" FOREIGN KEY ("sync_record_id") REFERENCES "crm_sync_records"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Guards Prisma's schema language cannot express. Prisma's differ ignores CHECK constraints,
-- triggers and (before 7.4) partial indexes, so later generated migrations leave these alone.

-- E.164: '+', a non-zero digit, at most 15 digits. Call from/to are not checked: Twilio also
-- sends client identities and withheld numbers there.
ALTER TABLE "agent_phone_numbers" ADD CONSTRAINT "agent_phone_numbers_phone_e164_check" CHECK ("phone" ~ '^\+[1-9][0-9]{1,14}$');
ALTER TABLE "customers" ADD CONSTRAINT "customers_phone_e164_check" CHECK ("phone" ~ '^\+[1-9][0-9]{1,14}$');
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_phone_e164_check" CHECK ("phone" ~ '^\+[1-9][0-9]{1,14}$');
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_caller_id_e164_check" CHECK ("caller_id" ~ '^\+[1-9][0-9]{1,14}$');
ALTER TABLE "do_not_call_entries" ADD CONSTRAINT "do_not_call_entries_phone_e164_check" CHECK ("phone" ~ '^\+[1-9][0-9]{1,14}$');

-- Ranges the code relies on.
ALTER TABLE "agents" ADD CONSTRAINT "agents_slot_minutes_check" CHECK ("slot_minutes" > 0);
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_time_range_check" CHECK ("ends_at" > "starts_at");
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_concurrency_limit_check" CHECK ("concurrency_limit" >= 1);
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_pacing_per_minute_check" CHECK ("pacing_per_minute" >= 1);
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_attempts_check" CHECK ("attempts" >= 0);
ALTER TABLE "dial_attempts" ADD CONSTRAINT "dial_attempts_attempt_check" CHECK ("attempt" >= 1);
ALTER TABLE "turns" ADD CONSTRAINT "turns_sequence_check" CHECK ("sequence" >= 0);
ALTER TABLE "call_summaries" ADD CONSTRAINT "call_summaries_version_check" CHECK ("version" >= 1);

-- At most one default agent.
CREATE UNIQUE INDEX "agents_single_default_key" ON "agents"("is_default") WHERE "is_default";

-- No double booking: one live appointment per agent slot. Rescheduling moves the row, so only
-- cancelled rows release their slot.
CREATE UNIQUE INDEX "appointments_agent_id_starts_at_live_key" ON "appointments"("agent_id", "starts_at") WHERE "status" <> 'cancelled';

-- The audit log is append-only. The retention purge deletes old rows inside a transaction that
-- ran SET LOCAL switchboard.audit_purge = 'on'; nothing may rewrite a row.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('switchboard.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_log_append_only" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();
