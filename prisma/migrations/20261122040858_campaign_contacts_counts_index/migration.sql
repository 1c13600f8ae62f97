-- CreateIndex
CREATE INDEX "campaign_contacts_campaign_id_status_disposition_idx" ON "campaign_contacts"("campaign_id", "status", "disposition");
