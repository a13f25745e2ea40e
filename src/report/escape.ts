// Escaping for text that comes from configs, SQL and error messages before it reaches
// Markdown (job summaries, PR comments) or a terminal. Nothing a user or a server wrote may
// open a tag, break a table, mention someone or move the cursor.

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five HTML-significant characters. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);
}

/** A zero-width space: keeps the text readable while breaking GitHub's auto-linking. */
const ZWSP = '&#8203;';

/**
 * Makes untrusted text safe to place inline in GitHub-flavoured Markdown, including inside a
 * table cell: line breaks and tabs become one space (so a table row stays one row), other control
 * characters go, Markdown punctuation is backslash-escaped (':' too, against autolinks), HTML
 * special characters and quotes become entities, and @mentions, #references and URLs are broken
 * with a zero-width space so they neither notify anyone nor link anywhere.
 */
export function escapeMarkdown(text: unknown): string {
  let out = String(text)
    .replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '');
  // Backslash-escape before entities are introduced: their '#' must stay intact.
  out = out.replace(/[\\`*_{}[\]()#+!|~:$=-]/g, (ch) => `\\${ch}`);
  // An ordered-list marker only matters at the start of the text.
  out = out.replace(/^(\s*\d+)\.(?=\s|$)/, '$1\\.');
  out = escapeHtml(out);
  out = out.replace(/\\#/g, `\\#${ZWSP}`);
  out = out.replace(/@/g, `&#64;${ZWSP}`);
  out = out.replace(/\b(www)\./gi, `$1${ZWSP}.`).replace(/:\/\//g, `:${ZWSP}//`);
  return out;
}

/** Removes control characters (ANSI escapes included) from text bound for a terminal. */
export function sanitizeTerminal(text: string): string {
  return String(text)
    .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
    .replace(/\r\n|\r|\n|\t/g, ' ');
}
