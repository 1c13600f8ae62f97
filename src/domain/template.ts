/**
 * `{{name}}` placeholders in agent prompts and greetings. Unknown names render as an empty
 * string's fallback so a missing variable never reaches the caller as raw braces.
 */
export type TemplateVars = Record<string, string | number | undefined | null>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export function renderTemplate(template: string, vars: TemplateVars, fallbacks: TemplateVars = {}): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = vars[name] ?? fallbacks[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

/** The placeholder names a template uses, e.g. to validate campaign variables against it. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}
