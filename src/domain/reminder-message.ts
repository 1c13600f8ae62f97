import { renderTemplate } from './template.ts';

/** The reminder SMS text. Placeholders: customerName, businessName, localTime. */
export const DEFAULT_REMINDER_TEMPLATE =
  'Hi {{customerName}}, this is a reminder of your appointment with {{businessName}} on {{localTime}}. ' +
  'Call us back on this number if you need to change it.';

/** e.g. "Tue, Mar 3, 2:30 PM EST" in the customer's zone: the time as they read it. */
export function formatLocalTime(at: Date, timeZone: string, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

export function renderReminderMessage(
  template: string,
  vars: { customerName: string | null; businessName: string; startsAt: Date; timeZone: string },
): string {
  return renderTemplate(
    template,
    {
      customerName: vars.customerName,
      businessName: vars.businessName,
      localTime: formatLocalTime(vars.startsAt, vars.timeZone),
    },
    { customerName: 'there' },
  ).trim();
}
