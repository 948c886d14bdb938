import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  absolute,
  ago,
  count,
  countdown,
  duration,
  empty,
  format,
  iso,
  jobName,
  knownZone,
  percent,
  plural,
  statusBadge,
  statusLabel,
  time,
  wallClock,
} from '../../src/portal/format.js';
import { format as published } from '../../src/portal/public.js';
import type { RunningServer } from '../../src/server/server.js';
import { startTestServer, tempDir } from '../helpers.js';
import { portalClient } from './portal-client.js';

/** Monday 2 June 2025, 07:00:00 UTC (09:00 in Berlin, summer time). */
const JUNE = Date.UTC(2025, 5, 2, 7, 0, 0);
/** Monday 6 January 2025, 07:00:09 UTC (08:00 in Berlin, winter time). */
const JANUARY = Date.UTC(2025, 0, 6, 7, 0, 9);

describe('format: durations', () => {
  it('reads milliseconds, seconds with one decimal, then minutes, hours and days', () => {
    expect(duration(0)).toBe('0 ms');
    expect(duration(0.4)).toBe('0 ms');
    expect(duration(850)).toBe('850 ms');
    expect(duration(999)).toBe('999 ms');
    expect(duration(999.6)).toBe('1 s'); // never "1000 ms"
    expect(duration(1000)).toBe('1 s');
    expect(duration(2_400)).toBe('2.4 s');
    expect(duration(12_340)).toBe('12.3 s');
    expect(duration(59_900)).toBe('59.9 s');
    expect(duration(59_960)).toBe('1m 00s'); // never "60.0 s"
    expect(duration(60_000)).toBe('1m 00s');
    expect(duration(250_000)).toBe('4m 10s');
    expect(duration(3_599_000)).toBe('59m 59s');
    expect(duration(3_600_000)).toBe('1h 00m');
    expect(duration(2 * 3_600_000 + 5 * 60_000 + 59_000)).toBe('2h 05m');
    expect(duration(47 * 3_600_000)).toBe('47h 00m');
    expect(duration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
  });

  it('shows a dash for nothing and 0 ms for a negative span (clock skew)', () => {
    expect(duration(null)).toBe('—');
    expect(duration(undefined)).toBe('—');
    expect(duration(Number.NaN)).toBe('—');
    expect(duration(Number.POSITIVE_INFINITY)).toBe('—');
    expect(duration(-250)).toBe('0 ms');
  });
});

describe('format: rates, counts and words', () => {
  it('never rounds a failure (or a success) away', () => {
    expect(percent(1)).toBe('100%');
    expect(percent(0)).toBe('0%');
    expect(percent(0.5)).toBe('50%');
    expect(percent(2 / 3)).toBe('66.7%');
    expect(percent(0.975)).toBe('97.5%');
    expect(percent(0.9999)).toBe('99.9%');
    expect(percent(0.99999999)).toBe('99.9%');
    expect(percent(0.0001)).toBe('0.1%');
    expect(percent(1.2)).toBe('100%');
    expect(percent(-0.1)).toBe('0%');
    expect(percent(null)).toBe('—');
    expect(percent(undefined)).toBe('—');
    expect(percent(Number.NaN)).toBe('—');
  });

  it('counts with thousands separators and picks the plural', () => {
    expect(count(0)).toBe('0');
    expect(count(999)).toBe('999');
    expect(count(1_234_567)).toBe('1,234,567');
    expect(count(null)).toBe('—');
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(0, 'run')).toBe('0 runs');
    expect(plural(1200, 'run')).toBe('1,200 runs');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
    expect(jobName({ handler: 'billing', method: 'charge' })).toBe('billing.charge');
  });
});

describe('format: times', () => {
  it('writes an exact time in UTC, or in an IANA zone with its abbreviation', () => {
    expect(iso(JUNE)).toBe('2025-06-02T07:00:00.000Z');
    expect(absolute(JUNE)).toBe('Mon 2025-06-02 07:00:00 UTC');
    expect(absolute(JUNE, 'UTC')).toBe('Mon 2025-06-02 07:00:00 UTC');
    expect(absolute(JUNE, 'Europe/Berlin')).toBe('Mon 2025-06-02 09:00:00 CEST');
    expect(absolute(JANUARY, 'Europe/Berlin')).toBe('Mon 2025-01-06 08:00:09 CET');
    expect(absolute(JUNE, 'Asia/Kolkata')).toBe('Mon 2025-06-02 12:30:00 GMT+5:30');
    // The day changes with the zone.
    expect(absolute(Date.UTC(2025, 5, 2, 23, 30), 'Asia/Tokyo')).toMatch(/^Tue 2025-06-03 08:30:00 /);
  });

  it('reads the wall clock of a zone, field by field', () => {
    expect(wallClock(Date.UTC(2025, 0, 6, 23, 5, 9), 'Europe/Berlin')).toEqual({ weekday: 'Tue', year: '2025', month: '01', day: '07', hour: '00', minute: '05', second: '09', zone: 'CET' });
    expect(knownZone('Europe/Berlin')).toBe(true);
    expect(knownZone('europe/berlin')).toBe(true);
    expect(knownZone('Nowhere/Land')).toBe(false);
    expect(knownZone('')).toBe(false);
    expect(wallClock(JUNE, 'Nowhere/Land').zone).toBe('UTC');
  });

  it('falls back to UTC, and says so, for a zone Intl does not know', () => {
    expect(absolute(JUNE, 'Nowhere/Land')).toBe('Mon 2025-06-02 07:00:00 UTC');
    expect(absolute(JUNE, '<script>')).toBe('Mon 2025-06-02 07:00:00 UTC');
    expect(ago(JUNE, 'Nowhere/Land').value).toBe('<time data-ago datetime="2025-06-02T07:00:00.000Z" title="Mon 2025-06-02 07:00:00 UTC">Mon 2025-06-02 07:00 UTC</time>');
  });

  it('renders <time data-ago> with the time to the minute as its text and the exact time on hover', () => {
    expect(ago(JANUARY).value).toBe('<time data-ago datetime="2025-01-06T07:00:09.000Z" title="Mon 2025-01-06 07:00:09 UTC">Mon 2025-01-06 07:00 UTC</time>');
    // In another zone the hover names UTC as well.
    expect(ago(JUNE, 'Europe/Berlin').value).toBe(
      '<time data-ago datetime="2025-06-02T07:00:00.000Z" title="Mon 2025-06-02 09:00:00 CEST · Mon 2025-06-02 07:00:00 UTC">Mon 2025-06-02 09:00 CEST</time>',
    );
    expect(ago(null).value).toBe('<span class="sz-muted">never</span>');
    expect(ago(undefined).value).toBe('<span class="sz-muted">never</span>');
  });

  it('renders <time data-countdown> the same way, and a muted dash for no time', () => {
    expect(countdown(JUNE).value).toBe('<time class="sz-countdown" data-countdown datetime="2025-06-02T07:00:00.000Z" title="Mon 2025-06-02 07:00:00 UTC">Mon 2025-06-02 07:00 UTC</time>');
    expect(countdown(JUNE, 'Europe/Berlin').value).toContain('>Mon 2025-06-02 09:00 CEST</time>');
    expect(countdown(null).value).toBe('<span class="sz-muted">—</span>');
  });

  it('renders a plain <time> with the exact time, UTC on hover only for other zones', () => {
    expect(time(JUNE).value).toBe('<time datetime="2025-06-02T07:00:00.000Z">Mon 2025-06-02 07:00:00 UTC</time>');
    expect(time(JUNE, 'Europe/Berlin').value).toBe('<time datetime="2025-06-02T07:00:00.000Z" title="Mon 2025-06-02 07:00:00 UTC">Mon 2025-06-02 09:00:00 CEST</time>');
  });

  it('renders the same bytes for the same input, whatever the clock says (the live dashboard relies on it)', () => {
    const render = () => [ago(JUNE).value, countdown(JUNE).value, time(JUNE).value, duration(5000), absolute(JUNE)];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(JUNE - 3_600_000);
      const before = render();
      vi.setSystemTime(JUNE + 86_400_000);
      expect(render()).toEqual(before);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('format: badges and empty states', () => {
  it('labels every run status for people', () => {
    expect(statusBadge('timed_out').value).toBe('<span class="sz-badge sz-status-timed_out">Timed out</span>');
    expect(statusBadge('succeeded').value).toBe('<span class="sz-badge sz-status-succeeded">Succeeded</span>');
    expect(statusLabel('cancelled')).toBe('Cancelled');
    // A status a newer server might add still reads as words.
    expect(statusLabel('waiting_for_lock')).toBe('Waiting for lock');
  });

  it('escapes whatever it is given', () => {
    expect(statusBadge('"><script>x</script>').value).toBe('<span class="sz-badge sz-status-&quot;&gt;&lt;script&gt;x&lt;/script&gt;">&quot;&gt;&lt;script&gt;x&lt;/script&gt;</span>');
    expect(empty('<b>No runs</b>', 'Press <Run now> & wait').value).toBe('<div class="sz-empty"><strong>&lt;b&gt;No runs&lt;/b&gt;</strong>Press &lt;Run now&gt; &amp; wait</div>');
    expect(empty('No runs yet.').value).toBe('<div class="sz-empty"><strong>No runs yet.</strong></div>');
    expect(jobName({ handler: '<h>', method: 'm' })).toBe('<h>.m'); // text: escaped where it is rendered
  });
});

describe('format: ctx.format for custom microsites', () => {
  let server: RunningServer;
  let folder: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    folder = tempDir('sz-format-');
    mkdirSync(join(folder.path, 'fmt'));
    writeFileSync(
      join(folder.path, 'fmt', 'index.js'),
      `export default {
  id: 'fmt',
  routes(app, ctx) {
    app.get('/', async (request, reply) => {
      const f = ctx.format;
      return ctx.fragment(reply, ctx.html\`<p id="d">\${f.duration(Number(request.query.ms))}</p><p id="r">\${f.percent(0.9999)}</p>\${f.ago(${JUNE}, request.query.zone)}\${f.statusBadge(request.query.status ?? 'failed')}\${f.empty(request.query.title ?? 'Nothing yet')}\`);
    });
  },
};
`,
    );
    writeFileSync(join(folder.path, 'portal_config.yaml'), 'microsites:\n  - id: fmt\n    source: ./fmt\n    path: /fmt\n');
    server = await startTestServer({ portal_config: join(folder.path, 'portal_config.yaml') });
  });
  afterAll(async () => {
    await server.close();
    folder.cleanup();
  });

  it('is the published format module', () => {
    expect(published).toBe(format);
    expect(Object.isFrozen(format)).toBe(true);
  });

  it('formats and escapes inside a plain JavaScript microsite', async () => {
    const res = await portalClient(server.url).get('/fmt/?ms=250000&zone=Europe%2FBerlin&status=%3Cimg%20src%3Dx%3E&title=%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p id="d">4m 10s</p><p id="r">99.9%</p>');
    expect(res.text).toContain('title="Mon 2025-06-02 09:00:00 CEST · Mon 2025-06-02 07:00:00 UTC">Mon 2025-06-02 09:00 CEST</time>');
    expect(res.text).toContain('<span class="sz-badge sz-status-&lt;img src=x&gt;">&lt;img src=x&gt;</span>');
    expect(res.text).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(res.text).not.toMatch(/<script>|<img/);
  });
});
