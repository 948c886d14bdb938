import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashToken } from '../../src/api/auth.js';
import { ConfigError, DEFAULT_CONFIG, loadConfig, sqliteFilename } from '../../src/server/config.js';
import { tempDir } from '../helpers.js';

describe('configuration', () => {
  it('defaults to 127.0.0.1:8888 with SQLite in ./data', () => {
    const dir = tempDir();
    try {
      const config = loadConfig({}, {}, dir.path);
      expect(config).toMatchObject({ host: '127.0.0.1', port: 8888, database_url: 'sqlite:./data/schedulezero.db' });
      expect(sqliteFilename(config.database_url, dir.path)).toBe(join(dir.path, 'data/schedulezero.db'));
    } finally {
      dir.cleanup();
    }
  });

  it('layers file < environment < flags', () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'schedulezero.yaml'), 'host: 127.0.0.2\nport: 9000\nlog_level: warn\nretention:\n  days: 7\n');
      const fromFile = loadConfig({}, {}, dir.path);
      expect(fromFile).toMatchObject({ host: '127.0.0.2', port: 9000, log_level: 'warn', retention: { days: 7, runs_per_schedule: 1000 } });
      const fromEnv = loadConfig({}, { SCHEDULEZERO_PORT: '9100', SCHEDULEZERO_DATABASE_URL: 'sqlite::memory:', SCHEDULEZERO_API_TOKENS: 'a, b' }, dir.path);
      expect(fromEnv).toMatchObject({ port: 9100, host: '127.0.0.2', database_url: 'sqlite::memory:' });
      expect(fromEnv.api_token_hashes).toEqual([hashToken('a'), hashToken('b')]);
      const fromFlags = loadConfig({ port: 9200, host: '::1' }, { SCHEDULEZERO_PORT: '9100' }, dir.path);
      expect(fromFlags).toMatchObject({ port: 9200, host: '::1' });
    } finally {
      dir.cleanup();
    }
  });

  it('turns the portal on by default and takes its config from file, environment or flag', () => {
    const dir = tempDir();
    try {
      expect(loadConfig({}, {}, dir.path)).toMatchObject({ portal: true, portal_config: null });
      writeFileSync(join(dir.path, 'schedulezero.yaml'), 'portal_config: ./from-file.yaml\n');
      expect(loadConfig({}, {}, dir.path).portal_config).toBe('./from-file.yaml');
      expect(loadConfig({}, { SCHEDULEZERO_PORTAL_CONFIG: 'env.yaml' }, dir.path).portal_config).toBe('env.yaml');
      expect(loadConfig({ portalConfig: 'flag.yaml' }, { SCHEDULEZERO_PORTAL_CONFIG: 'env.yaml' }, dir.path).portal_config).toBe('flag.yaml');
      expect(loadConfig({}, { SCHEDULEZERO_PORTAL: 'false' }, dir.path).portal).toBe(false);
      expect(loadConfig({ portal: false }, {}, dir.path).portal).toBe(false);
    } finally {
      dir.cleanup();
    }
  });

  it('names the file, line, column and key of a bad setting', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'bad.yaml');
      writeFileSync(file, 'host: 127.0.0.1\nport: "eighty"\n');
      expect(() => loadConfig({ config: file }, {}, dir.path)).toThrow(`${file}:2:7: port: must be integer`);
      writeFileSync(file, 'host: 127.0.0.1\nretention:\n  days: 3\n  forever: true\n');
      expect(() => loadConfig({ config: file }, {}, dir.path)).toThrow(`${file}:4:3: retention.forever: unknown key`);
      writeFileSync(file, 'host: [unclosed\n');
      expect(() => loadConfig({ config: file }, {}, dir.path)).toThrow(/bad\.yaml:\d+:\d+: invalid YAML/);
      expect(() => loadConfig({ config: join(dir.path, 'missing.yaml') }, {}, dir.path)).toThrow(ConfigError);
      expect(() => loadConfig({}, { SCHEDULEZERO_PORT: 'abc' }, dir.path)).toThrow(/SCHEDULEZERO_PORT/);
    } finally {
      dir.cleanup();
    }
  });

  it('parses sqlite URLs', () => {
    expect(sqliteFilename('sqlite::memory:')).toBe(':memory:');
    expect(sqliteFilename('sqlite:///var/lib/sz.db')).toBe('/var/lib/sz.db');
    expect(sqliteFilename('sqlite:rel/x.db', '/srv')).toBe('/srv/rel/x.db');
    expect(DEFAULT_CONFIG.port).toBe(8888);
  });
});
