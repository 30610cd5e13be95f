import type { Condition } from '../api/types.js';
import { setCondition } from './conditions.js';

const base: Condition = {
  type: 'Ready',
  status: 'True',
  observedGeneration: 1,
  lastTransitionTime: '2026-01-01T00:00:00Z',
  reason: 'Ready',
  message: 'ok',
};

describe('setCondition', () => {
  it.each([
    [
      'keeps lastTransitionTime when the status stays and only the reason changes',
      'True',
      '2026-01-01T00:00:00Z',
    ],
    ['moves lastTransitionTime when the status flips', 'False', '2026-02-02T00:00:00Z'],
  ] as const)('%s', (_name, status, expected) => {
    const [c] = setCondition(
      [base],
      { type: 'Ready', status, reason: 'Other', message: 'm' },
      '2026-02-02T00:00:00Z',
      2,
    );
    expect(c).toMatchObject({ status, reason: 'Other', observedGeneration: 2, lastTransitionTime: expected });
  });

  it('adds a condition it has not seen, stamped now, and leaves the others alone', () => {
    const out = setCondition(
      [base],
      { type: 'Available', status: 'Unknown', reason: 'R', message: '' },
      'T',
      1,
    );
    expect(out).toHaveLength(2);
    expect(out.find((c) => c.type === 'Ready')).toEqual(base);
    expect(out.find((c) => c.type === 'Available')?.lastTransitionTime).toBe('T');
  });
});
