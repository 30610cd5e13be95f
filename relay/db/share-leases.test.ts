// The checks the share leases and the share claim make before a value reaches the database.
import { checkLeases, checkShares } from './share-leases.js';
import { SHARE_COUNT } from './shares.js';

describe('share arguments', () => {
  it('accepts shares 0 to SHARE_COUNT - 1 and epochs that are decimal bigints', () => {
    expect(checkShares([0, SHARE_COUNT - 1])).toEqual([0, SHARE_COUNT - 1]);
    expect(checkLeases([{ share: 3, epoch: '9223372036854775807' }])).toHaveLength(1);
    expect(checkLeases([])).toEqual([]);
  });

  it.each([[-1], [SHARE_COUNT], [1.5], [Number.NaN]])('refuses share %p', (share) => {
    expect(() => checkShares([0, share])).toThrow(/not a share/);
  });

  it.each(['', '-1', '1e3', '0x10', ' 1', '12345678901234567890'])('refuses epoch %j', (epoch) => {
    expect(() => checkLeases([{ share: 0, epoch }])).toThrow(/not an epoch/);
  });
});
