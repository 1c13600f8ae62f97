-- CreateEnum
CREATE TYPE "reminder_delivery_status" AS ENUM ('claimed', 'queued', 'sent', 'delivered', 'undelivered', 'failed', 'skipped');

-- CreateTable
CREATE TABLE "reminder_deliveries" (
    "id" UUID NOT NULL,
    "appointment_id" UUID NOT NULL,
    "appointment_starts_at" TIMESTAMPTZ(3) NOT NULL,
    "offset_seconds" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "status" "reminder_delivery_status" NOT NULL DEFAULT 'claimed',
    "to" TEXT NOT NULL,
    "from_number" TEXT,
    "body" TEXT NOT NULL,
    "message_sid" TEXT,
    "error_code" TEXT,
    "reason" TEXT,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reminder_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reminder_deliveries_message_sid_key" ON "reminder_deliveries"("message_sid");

-- CreateIndex
CREATE UNIQUE INDEX "reminder_deliveries_appointment_id_appointment_starts_at_of_key" ON "reminder_deliveries"("appointment_id", "appointment_starts_at", "offset_seconds");

-- AddForeignKey
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_appointment_id_fkey" FOREIGN KEY ("appointment_id") REFERENCES "appointments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Guards Prisma cannot express.
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_offset_seconds_check" CHECK ("offset_seconds" >= 0);
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_channel_check" CHECK ("channel" IN ('sms', 'call'));
-- A sent reminder always names the vendor's message.
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_sent_has_sid_check" CHECK ("status" NOT IN ('queued', 'sent', 'delivered', 'undelivered') OR "message_sid" IS NOT NULL);
