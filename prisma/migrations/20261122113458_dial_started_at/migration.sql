-- AlterTable
ALTER TABLE "dial_attempts" ADD COLUMN     "dial_started_at" TIMESTAMPTZ(3);
