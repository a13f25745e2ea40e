// The CSV tokenizer behind the band-table importer: RFC 4180 text split into rows of cells, each
// with the 1-based line:column where it starts, and malformed quoting reported as a UserError.

import { UserError } from '../errors.js';

/** Undoes the writer's guard against CSV injection: a leading apostrophe before = + - @ tab CR. */
function restoreFormula(text: string): string {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

export interface CsvCell {
  text: string;
  line: number;
  column: number;
}

export interface CsvRow {
  cells: CsvCell[];
  line: number;
  /** Column just past the last character of the row, for "missing field" errors. */
  endColumn: number;
}

/** Splits RFC 4180 text into rows of cells with the 1-based line:column where each cell starts. */
export function splitCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: CsvCell[] = [];
  let line = 1;
  let column = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const endRow = () => {
    const blank = cells.length === 1 && cells[0]!.text === '';
    if (!blank) rows.push({ cells, line: rowLine, endColumn: column });
    cells = [];
  };

  while (i <= text.length) {
    // Start of a cell.
    const cellLine = line;
    const cellColumn = column;
    if (cells.length === 0) rowLine = line;
    let value = '';
    if (text[i] === '"') {
      i++;
      column++;
      for (;;) {
        if (i >= text.length) {
          throw new UserError("unterminated quoted field: expected a closing '\"'", {
            file,
            line: cellLine,
            column: cellColumn,
          });
        }
        const ch = text[i]!;
        if (ch === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            column += 2;
            continue;
          }
          i++;
          column++;
          break;
        }
        value += ch;
        i++;
        if (ch === '\n') {
          line++;
          column = 1;
        } else {
          column++;
        }
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new UserError(`expected ',' or end of line after a closing quote, got '${next}'`, { file, line, column });
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        if (text[i] === '"') {
          throw new UserError("unexpected '\"' inside an unquoted field (quote the whole field)", {
            file,
            line,
            column,
          });
        }
        value += text[i];
        i++;
        column++;
      }
    }
    cells.push({ text: restoreFormula(value), line: cellLine, column: cellColumn });
    const sep = text[i];
    if (sep === ',') {
      i++;
      column++;
      continue;
    }
    if (sep === undefined) {
      endRow();
      break;
    }
    // CR, LF or CRLF ends the row.
    endRow();
    i += sep === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
    column = 1;
    if (i >= text.length) break;
  }
  return rows;
}
