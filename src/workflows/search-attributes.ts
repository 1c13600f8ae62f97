import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed keys of the custom search attributes registered from temporal-dev.yml. */
export const SA = {
  callSid: defineSearchAttributeKey('CallSid', SearchAttributeType.KEYWORD),
  callDirection: defineSearchAttributeKey('CallDirection', SearchAttributeType.KEYWORD),
  callStatus: defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD),
  callOutcome: defineSearchAttributeKey('CallOutcome', SearchAttributeType.KEYWORD),
  customerPhone: defineSearchAttributeKey('CustomerPhone', SearchAttributeType.KEYWORD),
  campaignId: defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD),
};
