-- DropIndex
DROP INDEX "crm_sync_records_idempotency_key_key";

-- AlterTable
ALTER TABLE "crm_sync_records" ADD COLUMN     "version" INTEGER;

-- CreateIndex
CREATE UNIQUE INDEX "crm_sync_records_idempotency_key_adapter_key" ON "crm_sync_records"("idempotency_key", "adapter");
