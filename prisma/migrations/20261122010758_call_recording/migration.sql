-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "record_calls" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "recording_disclosure" TEXT NOT NULL DEFAULT 'This call is recorded for quality and training purposes.';

-- AlterTable
ALTER TABLE "calls" ADD COLUMN     "recording_duration_sec" INTEGER,
ADD COLUMN     "recording_sid" TEXT,
ADD COLUMN     "recording_status" TEXT,
ADD COLUMN     "recording_url" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "calls_recording_sid_key" ON "calls"("recording_sid");
