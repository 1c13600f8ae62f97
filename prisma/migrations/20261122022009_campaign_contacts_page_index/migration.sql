-- CreateIndex
CREATE INDEX "campaign_contacts_campaign_id_id_idx" ON "campaign_contacts"("campaign_id", "id");
