// The committed schema/pgscale.schema.json must equal configJsonSchema(). After changing the
// config schema, regenerate it with:  UPDATE_SCHEMA=1 npx vitest run test/config
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseDuration } from '../../../src/config/index.js';

const schemaFile = fileURLToPath(new URL('../../../schema/pgscale.schema.json', import.meta.url));
const generated = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;

type JsonSchema = {
  properties: Record<
    string,
    JsonSchema & { default?: unknown; anyOf?: JsonSchema[]; pattern?: string; enum?: string[] }
  >;
  required?: string[];
  additionalProperties?: boolean;
  anyOf?: JsonSchema[];
  pattern?: string;
};

describe('JSON Schema of the config file', () => {
  if (process.env.UPDATE_SCHEMA === '1') {
    mkdirSync(dirname(schemaFile), { recursive: true });
    writeFileSync(schemaFile, generated);
  }

  it('the committed schema file is up to date', () => {
    expect(existsSync(schemaFile)).toBe(true);
    expect(readFileSync(schemaFile, 'utf8')).toBe(generated);
  });

  it('describes the file format: closed mappings, required keys, defaults, enums', () => {
    const schema = configJsonSchema() as JsonSchema & { $schema: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(Object.keys(schema.properties)).toEqual(['progressive', 'database', 'workload', 'scale', 'slo', 'analysis']);
    expect(schema.required).toEqual(['progressive']);
    expect(schema.additionalProperties).toBe(false);
    const progressive = schema.properties.progressive as JsonSchema;
    expect(progressive.required).toEqual(['min_workers', 'max_workers']);
    expect(progressive.additionalProperties).toBe(false);
    expect(progressive.properties.min_workers).toMatchObject({ type: 'integer', minimum: 1, maximum: 100000 });
    expect(progressive.properties.strategy).toMatchObject({
      default: 'linear',
      enum: ['linear', 'exponential', 'fibonacci'],
    });
    expect(progressive.properties.warmup_time?.default).toBe('10s');
    expect(progressive.properties.cooldown_time?.default).toBe('5s');
  });

  it('the duration pattern agrees with parseDuration', () => {
    const progressive = (configJsonSchema() as JsonSchema).properties.progressive as JsonSchema;
    const pattern = progressive.properties.band_duration?.anyOf?.find((s) => s.pattern)?.pattern;
    expect(pattern).toBeDefined();
    const re = new RegExp(pattern as string);
    for (const good of ['30s', '1m30s', '2m', '500ms', '1h', '1.5s', '45']) {
      expect(re.test(good)).toBe(true);
      expect(() => parseDuration(good)).not.toThrow();
    }
    for (const badText of ['-1s', '30 seconds', '1d', '']) {
      expect(re.test(badText)).toBe(false);
      expect(() => parseDuration(badText)).toThrow();
    }
  });
});
