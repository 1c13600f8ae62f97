-- AlterTable
ALTER TABLE "reminder_deliveries" ADD COLUMN     "call_sid" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "reminder_deliveries_call_sid_key" ON "reminder_deliveries"("call_sid");

-- A sent reminder names what the vendor made of it: the message, or for a reminder call the call.
ALTER TABLE "reminder_deliveries" DROP CONSTRAINT "reminder_deliveries_sent_has_sid_check";
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_sent_has_sid_check" CHECK (
  "status" NOT IN ('queued', 'sent', 'delivered', 'undelivered')
  OR ("channel" = 'sms' AND "message_sid" IS NOT NULL)
  OR ("channel" = 'call' AND "call_sid" IS NOT NULL)
);
