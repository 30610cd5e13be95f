import type { SettingRule } from './setting-types.js';
import { checkRules, ruleError } from './rules.js';

const message = (rule: SettingRule, values: Record<string, unknown>) => ruleError(rule, values)?.message;

describe('the rules of the settings table', () => {
  it('together: one without the other names the missing one', () => {
    const rule: SettingRule = { kind: 'together', names: ['CERT', 'KEY'] };
    expect(message(rule, {})).toBeUndefined();
    expect(message(rule, { CERT: 'a', KEY: 'b' })).toBeUndefined();
    expect(message(rule, { KEY: 'b' })).toBe('CERT: is required when KEY is set');
  });

  it('oneOf: exactly one of a value and its file, once the other setting is set', () => {
    const rule: SettingRule = { kind: 'oneOf', names: ['PASS', 'PASS_FILE'], when: 'MECH' };
    expect(message(rule, { PASS: 'x' })).toBeUndefined();
    expect(message(rule, { MECH: 'plain', PASS_FILE: '/p' })).toBeUndefined();
    expect(message(rule, { MECH: 'plain' })).toMatch(/^PASS: is required when MECH is set \(or PASS_FILE/);
    expect(message(rule, { MECH: 'plain', PASS: 'x', PASS_FILE: '/p' })).toMatch(/^PASS_FILE: cannot be set/);
  });

  it('needs and conflicts: say why, naming the setting that is set', () => {
    const needs: SettingRule = {
      kind: 'needs',
      name: 'CA',
      condition: { name: 'TLS', equals: true },
      why: 'w',
    };
    expect(message(needs, { CA: '/ca', TLS: false })).toBe('CA: is set, but w');
    expect(message(needs, { CA: '/ca', TLS: true })).toBeUndefined();
    const conflicts: SettingRule = {
      kind: 'conflicts',
      name: 'CA',
      condition: { name: 'SKIP', equals: true },
      why: 'w',
    };
    expect(message(conflicts, { CA: '/ca', SKIP: true })).toBe('CA: cannot be set when SKIP=true: w');
    expect(message(conflicts, { SKIP: true })).toBeUndefined();
  });

  it("checks a command's own rules only for that command", () => {
    const rule: SettingRule = { kind: 'together', names: ['A', 'B'], commands: ['run'] };
    expect(() => checkRules([rule], { A: 1 }, 'cleanup')).not.toThrow();
    expect(() => checkRules([rule], { A: 1 }, undefined)).not.toThrow();
    expect(() => checkRules([rule], { A: 1 }, 'run')).toThrow('B: is required when A is set');
  });
});
