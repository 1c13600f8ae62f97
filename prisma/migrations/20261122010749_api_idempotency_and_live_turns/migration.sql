-- CreateTable
CREATE TABLE "idempotency_records" (
    "id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status_code" INTEGER NOT NULL,
    "response_body" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_records_api_key_id_key_key" ON "idempotency_records"("api_key_id", "key");

-- Live transcripts: the admin API's SSE route LISTENs on one channel and follows the calls its
-- clients watch. The payload carries ids only (NOTIFY payloads are capped at 8000 bytes; the
-- turn is read back by id), and NOTIFY is delivered at commit, so a listener never sees a turn
-- that is not yet readable.
CREATE FUNCTION "notify_call_event"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'turns' THEN
    PERFORM pg_notify('switchboard_call_events',
      json_build_object('callId', NEW.call_id, 'turnId', NEW.id, 'sequence', NEW.sequence)::text);
  ELSIF NEW.ended_at IS NOT NULL AND OLD.ended_at IS NULL THEN
    PERFORM pg_notify('switchboard_call_events',
      json_build_object('callId', NEW.id, 'ended', true)::text);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "turns_notify_insert" AFTER INSERT ON "turns"
  FOR EACH ROW EXECUTE FUNCTION "notify_call_event"();
CREATE TRIGGER "calls_notify_ended" AFTER UPDATE OF "ended_at" ON "calls"
  FOR EACH ROW EXECUTE FUNCTION "notify_call_event"();
