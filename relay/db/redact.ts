// Database drivers put whatever they like in their messages; the password must never reach a log line or an
// error message, so every message from a driver passes through here before it is wrapped.
export function redactSecret(text: string, secret: string): string {
  if (secret === '') return text;
  return text.split(secret).join('[redacted]');
}

/** Cuts a string to at most `max` characters (code points, as VARCHAR counts them) and drops NUL bytes. */
export function truncateChars(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\u0000/g, '');
  const chars = Array.from(clean);
  return chars.length <= max ? clean : chars.slice(0, max).join('');
}
