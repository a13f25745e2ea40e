import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { renderRunMarkdown, renderTerminalReport, toCsv } from '../../../src/report/index.js';
import { toJson } from '../../../src/results/write.js';
import { parseResultsJson } from '../../../src/results/read.js';
import { parseBandCsv } from '../../../src/results/import-csv.js';
import { makeDocument } from '../../support/report-factory.js';

/** Either a value or a one-line UserError: never anything else. */
function onlyUserErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    expect(error.message).not.toContain('\n');
  }
}

const validJson = toJson(makeDocument());
const validCsv = toCsv(makeDocument());

describe('readers never throw anything but a UserError', () => {
  it('parseResultsJson on arbitrary text and on damaged documents', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => onlyUserErrors(() => parseResultsJson(text, 'f.json'))),
      { numRuns: 300, seed: 1 },
    );
    fc.assert(
      fc.property(fc.nat(validJson.length), fc.nat(60), fc.string({ maxLength: 8 }), (at, cut, insert) =>
        onlyUserErrors(() => parseResultsJson(validJson.slice(0, at) + insert + validJson.slice(at + cut), 'f.json')),
      ),
      { numRuns: 300, seed: 2 },
    );
  });

  it('parseBandCsv on arbitrary text and on damaged tables', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => onlyUserErrors(() => parseBandCsv(text, 'f.csv'))),
      { numRuns: 300, seed: 3 },
    );
    fc.assert(
      fc.property(
        fc.nat(validCsv.length),
        fc.nat(20),
        fc.constantFrom('"', ',', '\n', '-', 'x', '', '""'),
        (at, cut, insert) =>
          onlyUserErrors(() => parseBandCsv(validCsv.slice(0, at) + insert + validCsv.slice(at + cut), 'f.csv')),
      ),
      { numRuns: 300, seed: 4 },
    );
  });

  it('whatever a CSV parses into renders without undefined, NaN or null', () => {
    fc.assert(
      fc.property(fc.nat(validCsv.length), fc.nat(20), (at, cut) => {
        let doc;
        try {
          doc = parseBandCsv(validCsv.slice(0, at) + validCsv.slice(at + cut), 'f.csv');
        } catch {
          return;
        }
        const md = renderRunMarkdown(doc);
        const text = renderTerminalReport(doc);
        expect(md).not.toMatch(/\b(undefined|NaN|null|Infinity)\b/);
        expect(text).not.toMatch(/\b(undefined|NaN|null|Infinity)\b/);
        expect(() => toJson(doc)).not.toThrow();
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});
