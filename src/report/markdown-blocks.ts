// Generic GitHub-flavoured Markdown blocks: GFM tables, Mermaid xychart-beta charts and the note
// that says a table was cut short.

/** A GFM table; cells must already be escaped. */
export function markdownTable(headers: string[], rows: string[][], align?: ('l' | 'r' | 'c')[]): string[] {
  const rule = headers.map((_, i) => {
    const a = align?.[i] ?? 'l';
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  return [`| ${headers.join(' | ')} |`, `| ${rule.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function truncationNote(shown: number, total: number, what: string, where: string): string {
  return `_Showing ${shown} of ${total} ${what}; the rest are in ${where}._`;
}

export interface ChartSeries {
  kind: 'bar' | 'line';
  values: number[];
}

/**
 * A Mermaid xychart-beta block. The x axis is categorical, so every series must have one value
 * per category. Only numbers and our own fixed labels go in: nothing user-written.
 */
export function mermaidXyChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  series: ChartSeries[];
}): string[] {
  const all = opts.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const top = all.length > 0 ? Math.max(...all) : 1;
  const yMax = niceCeiling(top * 1.1);
  const num = (v: number) => (Number.isFinite(v) ? String(Math.round(v * 10) / 10) : '0');
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${opts.title}"`,
    `  x-axis "${opts.xLabel}" [${opts.x.map((v) => `"${num(v)}"`).join(', ')}]`,
    `  y-axis "${opts.yLabel}" 0 --> ${yMax}`,
    ...opts.series.map((s) => `  ${s.kind} [${s.values.map(num).join(', ')}]`),
    '```',
  ];
}

function niceCeiling(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (step * magnitude >= value) return Math.round(step * magnitude * 1000) / 1000;
  }
  return 10 * magnitude;
}
