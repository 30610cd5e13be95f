import { hostname } from 'node:os';
import { hasLiveMember, MEMBER_HOST_LENGTH, memberName, podOfMember } from './relays.js';

describe('member names', () => {
  it('name a member after its pod, with a suffix new at every start', () => {
    const [a, b] = [memberName('orders-relay-7d9f8-x2x2x'), memberName('orders-relay-7d9f8-x2x2x')];
    expect(a).toMatch(/^orders-relay-7d9f8-x2x2x-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(memberName().startsWith(`${hostname().slice(0, MEMBER_HOST_LENGTH)}-`)).toBe(true);
  });

  it.each([
    ['orders-relay-7d9f8-x2x2x', 'orders-relay-7d9f8-x2x2x'],
    ['a', 'a'],
    ['relay-0123abcd', 'relay-0123abcd'],
    ['x'.repeat(253), 'x'.repeat(MEMBER_HOST_LENGTH)],
  ])('give back the pod %s was named after', (pod, expected) => {
    expect(podOfMember(memberName(pod))).toBe(expected);
  });

  it.each(['a', 'b', 'relay-1', 'relay-0123ABCD', 'relay-0123abc', '-0123abcd'])(
    'know no pod of %s, a name memberName does not make',
    (member) => {
      expect(podOfMember(member)).toBeUndefined();
    },
  );
});

describe('whether a pod has a live member', () => {
  const members = [memberName('orders-relay-a'), memberName('orders-relay-b')];

  it('finds a pod among the live members, and not a pod that left', () => {
    expect(hasLiveMember(members, 'orders-relay-a')).toBe(true);
    expect(hasLiveMember(members, 'orders-relay-c')).toBe(false);
    expect(hasLiveMember([], 'orders-relay-a')).toBe(false);
  });

  it('matches a pod name longer than a member name keeps by the part it keeps', () => {
    const long = `${'orders-'.repeat(35)}relay-7d9f8-x2x2x`;
    expect(hasLiveMember([memberName(long)], long)).toBe(true);
    expect(hasLiveMember([memberName(long)], `${long.slice(0, MEMBER_HOST_LENGTH - 1)}y`)).toBe(false);
  });

  it('cannot tell without the members, or when one is not named after a pod', () => {
    expect(hasLiveMember(undefined, 'orders-relay-a')).toBeUndefined();
    expect(hasLiveMember([...members, 'member-b'], 'orders-relay-c')).toBeUndefined();
  });
});
