// The operator's version, which also names the default relay image; a unit test keeps it equal to
// package.json's version.
export const OPERATOR_VERSION = '0.1.0';
