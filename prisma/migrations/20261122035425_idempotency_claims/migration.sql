-- AlterTable
ALTER TABLE "idempotency_records" ADD COLUMN     "completed_at" TIMESTAMPTZ(3),
ALTER COLUMN "status_code" DROP NOT NULL,
ALTER COLUMN "response_body" DROP NOT NULL;


-- Rows written before claims existed were all finished responses.
UPDATE "idempotency_records" SET "completed_at" = "created_at";

-- A claim is either still running (no status, no completion time) or finished (both).
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_claim_state"
  CHECK (("status_code" IS NULL) = ("completed_at" IS NULL));
