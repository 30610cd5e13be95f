import { SETTINGS } from './definitions.js';
import { usage } from './usage.js';

describe('usage', () => {
  it('lists every variable with at least two spaces between its name and its description', () => {
    const environment = usage().split('\nenvironment:\n')[1]!.split('\n');
    expect(environment.map((line) => /^ {2}([A-Z0-9_]+) {2,}\S/.exec(line)?.[1])).toEqual(
      SETTINGS.map((d) => d.name),
    );
  });
});
