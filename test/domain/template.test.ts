import { describe, expect, it } from 'vitest';
import { renderTemplate, templateVariables } from '../../src/domain/template.ts';

describe('prompt templates', () => {
  it('fills variables, falls back, and never leaves raw braces', () => {
    const t = 'Hi {{ customer_name }}, this is {{business_name}} about {{topic}}.';
    expect(renderTemplate(t, { customer_name: 'Ana' }, { business_name: 'Acme' })).toBe(
      'Hi Ana, this is Acme about .',
    );
    expect(templateVariables(t)).toEqual(['customer_name', 'business_name', 'topic']);
    expect(renderTemplate('{{x}} and {{x}}', { x: 3 })).toBe('3 and 3');
  });
});
