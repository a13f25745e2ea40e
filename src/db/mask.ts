// Secrets must never reach logs, exports or summaries: every line that may carry a database
// URL or an error message from the driver goes through maskSecrets first.

const MASK = '***';

/** user:password@ inside postgres:// or postgresql:// URLs. Greedy up to the last '@' before
 *  whitespace, so an unencoded '@', '/', '?' or '#' in a password is still covered (at worst a
 *  query string holding an '@' is masked too). */
const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^\s]*@/gi;
/** password=... in key-value connection strings, query strings and env dumps (PGPASSWORD=...). */
const KEY_VALUE_PASSWORD = /(password\s*=\s*)('(?:[^'\\]|\\.)*'|"[^"]*"|[^\s&;,'"]+)/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Masks passwords in postgres URLs (user:pass@ → user:***@), `password=...` pairs, and every
 * given secret string (longest first, so a URL is masked whole before its password is).
 */
export function maskSecrets(text: string, secrets: readonly string[] = []): string {
  let masked = text;
  const ordered = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    masked = masked.replace(new RegExp(escapeRegExp(secret), 'g'), MASK);
  }
  masked = masked.replace(URL_PASSWORD, `$1${MASK}@`);
  masked = masked.replace(KEY_VALUE_PASSWORD, `$1${MASK}`);
  return masked;
}

/**
 * Whether a database URL carries a password, in its user info or a password= parameter. Only then
 * is the URL itself a secret; one without is shown as is (user@host:port/db). Text that does not
 * parse as a URL counts as carrying one: it may be a password pasted in the wrong place.
 */
export function urlHasPassword(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  return parsed.password !== '' || maskSecrets(url) !== url;
}
