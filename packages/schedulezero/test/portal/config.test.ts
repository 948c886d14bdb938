import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPortalConfig, loadPortalConfig, readPortalConfig } from '../../src/portal/config/load.js';
import { portalConfigJsonSchema } from '../../src/portal/config/schema.js';
import { ConfigError } from '../../src/server/config-error.js';
import { tempDir } from '../helpers.js';

const dirs: { cleanup(): void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

function write(text: string, name = 'portal_config.yaml'): string {
  const dir = tempDir('sz-portal-config-');
  dirs.push(dir);
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(file: string): string {
  try {
    readPortalConfig(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('portal_config.yaml', () => {
  it('defaults to the vanilla portal: dash, schedules, handlers, docs', () => {
    const dir = tempDir();
    dirs.push(dir);
    const { config, warnings } = loadPortalConfig({ cwd: dir.path, env: {} });
    expect(config.file).toBeNull();
    expect(warnings).toEqual([]);
    expect(config.microsites.map((m) => [m.id, m.path, m.type, m.enabled])).toEqual([
      ['sz_dash', '/dash', 'htmx', true],
      ['sz_schedules', '/schedules', 'htmx', true],
      ['sz_handlers', '/handlers', 'htmx', true],
      ['sz_docs', '/docs', 'htmx', true],
    ]);
    expect(config.portal.name).toBe('ScheduleZero');
  });

  it('is found by flag, then SCHEDULEZERO_PORTAL_CONFIG, then ./portal_config.yaml', () => {
    const file = write('portal: {name: Found}\n');
    const dir = file.slice(0, file.lastIndexOf('/'));
    expect(findPortalConfig({ cwd: dir, env: {} })).toBe(file);
    expect(findPortalConfig({ cwd: '/', env: { SCHEDULEZERO_PORTAL_CONFIG: file } })).toBe(file);
    expect(findPortalConfig({ flag: 'other.yaml', cwd: dir, env: { SCHEDULEZERO_PORTAL_CONFIG: file } })).toBe(join(dir, 'other.yaml'));
    expect(loadPortalConfig({ cwd: dir, env: {} }).config.portal.name).toBe('Found');
  });

  it('reads the platform design example: portal, branding, core and custom microsites, docs, tenancy, billing', () => {
    const file = write(`
portal:
  name: "LogStream Analytics"
  version: "2.1.0"
  type: custom
  base_platform: "schedulezero"
  base_version: "1.5.0"
branding:
  logo: "https://cdn.example.test/logo.png"
  primary_color: "#2E7D32"
  company_name: "LogStream Inc."
microsites:
  - sz_dash
  - id: "sz_schedules"
    name: "Jobs"
    microsite_type: "htmx"
    source: "schedulezero-core"
    enabled: true
    nav_order: 5
  - id: status
    name: Status page
    microsite_type: external
    path: https://status.example.test/
  - id: sz_handlers
    enabled: false
documentation:
  strategy: "separate"
  sites:
    - id: "handler_docs"
      name: "Handler Development"
      path: "/docs/handlers"
      source: "schedulezero-handlers-python/docs"
      priority: 2
multi_tenant:
  enabled: true
  tenant_isolation: "database"
billing:
  enabled: true
  provider: "stripe"
  usage_metrics: ["schedules_executed", "api_calls"]
`);
    const { config, warnings } = readPortalConfig(file);
    expect(config.portal).toMatchObject({ name: 'LogStream Analytics', version: '2.1.0', type: 'custom', base_version: '1.5.0' });
    expect(config.branding).toMatchObject({ primary_color: '#2E7D32', company_name: 'LogStream Inc.', logo: 'https://cdn.example.test/logo.png' });
    // nav_order 5 puts Jobs first; the others keep their list positions (10, 30, 40).
    expect(config.microsites.map((m) => m.id)).toEqual(['sz_schedules', 'sz_dash', 'status', 'sz_handlers']);
    expect(config.microsites[0]).toMatchObject({ name: 'Jobs', path: '/schedules', source: { kind: 'core' } });
    expect(config.microsites.find((m) => m.id === 'status')).toMatchObject({ type: 'external', path: 'https://status.example.test/', open_in: 'new_tab' });
    expect(config.microsites.find((m) => m.id === 'sz_handlers')!.enabled).toBe(false);
    expect(config.documentation.strategy).toBe('modular');
    expect(config.multi_tenant).toEqual({ enabled: true, tenant_isolation: 'database' });
    expect(config.billing.usage_metrics).toEqual(['schedules_executed', 'api_calls']);
    // Tenancy and billing are read now and acted on later: said so, with the place.
    expect(warnings.some((w) => /:\d+:\d+: multi_tenant.enabled: multi-tenancy is not available/.test(w))).toBe(true);
  });

  it('reports a bad value with file, line, column, key and what was expected', () => {
    const file = write('portal:\n  name: ok\nmicrosites:\n  - sz_dash\n  - id: logs\n    microsite_type: react\n    source: ./x\n');
    expect(errorOf(file)).toBe(`${file}:6:21: microsites[1].microsite_type: must be one of htmx, mkdocs, external, openapi (got "react")`);
  });

  it('reports a bad colour, a wrong type and a missing id at their places', () => {
    expect(errorOf(write('branding:\n  primary_color: green\n'))).toMatch(/:2:18: branding\.primary_color: must match pattern .*Hex colour.*\(got "green"\)$/);
    expect(errorOf(write('microsites:\n  - id: sz_dash\n    enabled: "yes"\n'))).toMatch(/:3:14: microsites\[0\]\.enabled: must be boolean \(got "yes"\)$/);
    expect(errorOf(write('microsites:\n  - name: Lost\n'))).toMatch(/:2:5: microsites\[0\]\.id: is required$/);
    expect(errorOf(write('microsites: sz_dash\n'))).toMatch(/:1:13: microsites: must be array/);
    expect(errorOf(write('- a\n- b\n'))).toMatch(/:1:1: \(top level\): must be a mapping/);
  });

  it('reports broken YAML with its position', () => {
    expect(errorOf(write('portal:\n  name: x\n   bad: y\nmicrosites: []\n'))).toMatch(/portal_config\.yaml:2:9: invalid YAML: Nested mappings/);
  });

  it('warns about unknown keys with their location and goes on', () => {
    const file = write('portal:\n  name: X\n  colour: red\nmicrosites:\n  - id: sz_dash\n    icn: "x"\nextras: 1\n');
    const { config, warnings } = readPortalConfig(file);
    expect(config.portal.name).toBe('X');
    expect(warnings).toEqual([
      `${file}:3:3: portal.colour: unknown key, ignored`,
      `${file}:6:5: microsites[0].icn: unknown key, ignored`,
      `${file}:7:1: extras: unknown key, ignored`,
    ]);
  });

  it('refuses two microsites on one path, duplicate ids, reserved paths and unknown built-ins', () => {
    expect(errorOf(write('microsites:\n  - sz_dash\n  - id: sz_docs\n    path: /dash\n'))).toMatch(/:3:9: microsites "sz_dash" and "sz_docs" are both mounted at \/dash$/);
    expect(errorOf(write('microsites:\n  - sz_dash\n  - sz_dash\n'))).toMatch(/:3:5: microsites\[1\]: duplicate microsite id "sz_dash"/);
    expect(errorOf(write('microsites:\n  - id: sz_dash\n    path: /api/dash\n'))).toMatch(/:3:11: microsites\[0\]\.path: "\/api\/dash" is reserved/);
    expect(errorOf(write('microsites:\n  - log_search\n'))).toMatch(/:2:5: microsites\[0\]: "log_search" is not a built-in microsite/);
    expect(errorOf(write('microsites:\n  - id: ext\n    microsite_type: external\n    path: /relative\n'))).toMatch(/:4:11: microsites\[0\]\.path: an external microsite needs path: an absolute http\(s\) URL/);
    expect(errorOf(write('microsites:\n  - id: a\n    source: ./nowhere\n'))).toMatch(/:3:13: microsites\[0\]\.source: .*nowhere does not exist/);
    expect(errorOf(write('microsites:\n  - id: sz_dash\n    path: "/da sh"\n'))).toMatch(/is not a clean URL path/);
  });

  it('allows the same path twice when one of them is disabled', () => {
    const file = write('microsites:\n  - sz_dash\n  - id: sz_docs\n    path: /dash\n    enabled: false\n');
    expect(readPortalConfig(file).config.microsites).toHaveLength(2);
  });

  it('resolves source and branding files relative to the config file', () => {
    const file = write('branding:\n  logo: img/logo.svg\nmicrosites:\n  - id: logs\n    source: ./microsites/logs\n');
    const dir = file.slice(0, file.lastIndexOf('/'));
    mkdirSync(join(dir, 'img'));
    writeFileSync(join(dir, 'img', 'logo.svg'), '<svg/>');
    mkdirSync(join(dir, 'microsites', 'logs'), { recursive: true });
    const { config } = readPortalConfig(file);
    expect(config.branding.logo).toBe(join(dir, 'img', 'logo.svg'));
    expect(config.microsites[0]!.source).toEqual({ kind: 'path', path: join(dir, 'microsites', 'logs') });
    expect(errorOf(write('branding:\n  favicon: missing.ico\n'))).toMatch(/:2:12: branding\.favicon: .*missing\.ico is not a file/);
  });

  it('publishes a JSON Schema that matches the one the loader validates with', () => {
    const schema = portalConfigJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const published = JSON.parse(readFileSync(new URL('../../../../docs/reference/portal_config.schema.json', import.meta.url), 'utf8'));
    // docs/reference/portal_config.schema.json is generated: `schedulezero portal schema > docs/reference/portal_config.schema.json`.
    expect(published).toEqual(schema);
  });
});

describe('portal_config.example.yaml', () => {
  it('is valid and mounts the example microsite', () => {
    const file = new URL('../../../../portal_config.example.yaml', import.meta.url).pathname;
    const { config, warnings } = readPortalConfig(file);
    expect(warnings).toEqual([]);
    expect(config.microsites.find((m) => m.id === 'log_dashboard')!.source).toMatchObject({ kind: 'path' });
    expect(config.microsites.find((m) => m.id === 'api_docs')!.type).toBe('openapi');
  });
});
