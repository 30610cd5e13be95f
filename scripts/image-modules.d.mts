// Types of image-modules.mjs, for its unit test.
export interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
export function closure(lock: { packages?: Record<string, LockEntry> }, roots: readonly string[]): string[];
export const unused: (file: string) => boolean;
