// Report views of the results document: CSV, JSON, Markdown (run, comparison, A/B), terminal text and export files.

export { CSV_COLUMNS, CSV_HEADER_PREFIX, csvColumnsMarkdown, csvField, toCsv } from './csv.js';
export type { CsvColumn } from './csv.js';
export { EXPORT_FILES, writeExports } from './exports.js';
export { MARKDOWN_MAX_BYTES, renderRunMarkdown } from './markdown.js';
export { markdownTable, mermaidXyChart } from './markdown-blocks.js';
export type { ChartSeries } from './markdown-blocks.js';
export { escapeHtml, escapeMarkdown, sanitizeTerminal } from './escape.js';
export { renderTerminalReport, sparkline } from './terminal.js';
export { bandFigureNotes, renderChart, renderComparisonMarkdown, type SummaryInput } from './comparison.js';
export { renderAbMarkdown, renderAbText, type AbSummaryInput } from './ab.js';
export { degradedBandText, failureText, healthFailure, healthHeadline, healthLines } from './health.js';
export type { TerminalOptions } from './terminal.js';
export { curvePoints, uslAt } from './curve.js';
export type { CurvePoint } from './curve.js';
export * from './format.js';
