import { checked, shownValue } from './results.js';

describe('shownValue', () => {
  it('rounds as usual when the rounding keeps the verdict', () => {
    expect(shownValue(checked('drain / ceiling', 0.7153, 'ratio', '>=', 0.6))).toBe('0.72');
    expect(shownValue(checked('latency p99', 45.43, 'ms', '<=', 50))).toBe('45.4');
    expect(shownValue(checked('RSS', 138.4, 'MB', '<=', 150))).toBe('138');
    expect(shownValue({ measure: 'ceiling', value: 32915.2, unit: 'messages/s' })).toBe('32915');
    expect(shownValue(checked('writes', 0, 'requests', '<=', 0))).toBe('0');
    expect(shownValue({ measure: 'writes', value: 9, unit: 'requests' })).toBe('9');
  });

  it('shows more decimals when the rounded figure would read as meeting a target it misses', () => {
    expect(shownValue(checked('drain / ceiling', 0.599, 'ratio', '>=', 0.6))).toBe('0.599');
    expect(shownValue(checked('drain / ceiling', 0.59996, 'ratio', '>=', 0.6))).toBe('0.59996');
    expect(shownValue(checked('latency p99', 50.04, 'ms', '<=', 50))).toBe('50.04');
    expect(shownValue(checked('RSS', 150.3, 'MB', '<=', 150))).toBe('150.3');
  });

  it('shows more decimals when the rounded figure would read as missing a target it meets', () => {
    expect(shownValue(checked('drain / ceiling', 0.605, 'ratio', '>=', 0.605))).toBe('0.605');
    expect(shownValue(checked('latency p99', 49.96, 'ms', '<=', 50))).toBe('50.0');
  });

  it('leaves text values alone', () => {
    expect(shownValue({ measure: 'claim / mark', value: '1.31 / 3.36', unit: 'ms' })).toBe('1.31 / 3.36');
  });
});
