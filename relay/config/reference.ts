// The settings reference, generated from the definition table (relay/README.md embeds it; a unit test
// keeps the two equal).
import { SETTINGS, type SettingDefinition } from './definitions.js';
import { accepts } from './schema.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function defaultOf(d: SettingDefinition): string {
  if (d.required) return 'required';
  if (d.requiredFor) return `required by ${d.requiredFor.map((c) => `\`${c}\``).join(', ')}`;
  if (d.default === undefined) return 'unset';
  return d.default === '' ? "''" : `\`${d.default}\``;
}

export function settingsReference(): string {
  const lines = ['| variable | accepts | default | meaning |', '|---|---|---|---|'];
  for (const d of SETTINGS) {
    const secret = d.secret ? ' Secret: never logged.' : '';
    lines.push(
      `| \`${d.name}\` | ${cell(accepts(d.type))} | ${defaultOf(d)} | ${cell(d.description)}${secret} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
