import { html, type SafeHtml } from '../../html.js';
import type { RunTimelineBucket } from '../../../store/store.js';
import { count, duration } from '../../format.js';
import { hourLabel } from './format.js';

/**
 * Small inline SVG charts over hour buckets (no script, no library): stacked outcome bars and a
 * lateness line. The SVG is one image to assistive technology (role="img" with <title> and
 * <desc>); each bucket carries its own <title> as a hover tooltip.
 */

const SLOT = 10;
const BAR = 8;
const HEIGHT = 64;
const TOP = 4;

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function range(start: number, bucketMs: number): string {
  return `${hourLabel(start)}–${hourLabel(start + bucketMs)} UTC`;
}

export interface ChartLabels {
  /** Unique id prefix for the title and description. */
  id: string;
  title: string;
  description: string;
}

function frame(buckets: readonly RunTimelineBucket[], labels: ChartLabels, body: SafeHtml): SafeHtml {
  const width = buckets.length * SLOT;
  return html`<svg class="sz-spark" viewBox="0 0 ${width} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-labelledby="${labels.id}-title ${labels.id}-desc"><title id="${labels.id}-title">${labels.title}</title><desc id="${labels.id}-desc">${labels.description}</desc>${body}</svg>`;
}

function bucketMs(buckets: readonly RunTimelineBucket[]): number {
  return buckets.length > 1 ? buckets[1]!.start - buckets[0]!.start : 3_600_000;
}

/** Finished runs per bucket: succeeded at the bottom, failed (failed, timed out, lost) on top. */
export function outcomeBars(buckets: readonly RunTimelineBucket[], labels: ChartLabels): SafeHtml {
  const step = bucketMs(buckets);
  const max = Math.max(0, ...buckets.map((b) => b.succeeded + b.failed));
  const scale = max > 0 ? (HEIGHT - TOP) / max : 0;
  const bars = buckets.map((b, i) => {
    const x = i * SLOT + (SLOT - BAR) / 2;
    const finished = b.succeeded + b.failed;
    const tip = html`<title>${range(b.start, step)}: ${count(b.succeeded)} succeeded, ${count(b.failed)} failed</title>`;
    if (finished === 0) return html`<g>${tip}<rect class="sz-spark-empty" x="${n(x)}" y="${HEIGHT - 1}" width="${BAR}" height="1"/></g>`;
    // A single failure among thousands of successes must still show.
    const total = Math.max(2, finished * scale);
    const failed = b.failed > 0 ? Math.min(total, Math.max(2, b.failed * scale)) : 0;
    const ok = total - failed;
    return html`<g>${tip}<rect x="${n(x)}" y="${TOP}" width="${BAR}" height="${HEIGHT - TOP}" fill="transparent"/>${failed > 0 ? html`<rect class="sz-spark-fail" x="${n(x)}" y="${n(HEIGHT - total)}" width="${BAR}" height="${n(failed)}"/>` : ''}${ok > 0 ? html`<rect class="sz-spark-ok" x="${n(x)}" y="${n(HEIGHT - ok)}" width="${BAR}" height="${n(ok)}"/>` : ''}</g>`;
  });
  return frame(buckets, labels, html`${bars}`);
}

/** Mean start lateness per bucket as a line over an area; hours without started runs leave a gap. */
export function latenessLine(buckets: readonly RunTimelineBucket[], labels: ChartLabels): SafeHtml {
  const step = bucketMs(buckets);
  const max = Math.max(0, ...buckets.map((b) => b.lateness_ms_avg ?? 0));
  const y = (v: number) => (max > 0 ? HEIGHT - 1 - (v / max) * (HEIGHT - TOP - 1) : HEIGHT - 1);

  // Runs of consecutive buckets with a value; a lone bucket is drawn as a short flat line.
  const segments: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  buckets.forEach((b, i) => {
    if (b.lateness_ms_avg === null) {
      if (current.length > 0) segments.push(current);
      current = [];
      return;
    }
    current.push({ x: i * SLOT + SLOT / 2, y: y(b.lateness_ms_avg) });
  });
  if (current.length > 0) segments.push(current);

  const paths = segments.map((points) => {
    const line = points.length === 1 ? [{ x: points[0]!.x - BAR / 2, y: points[0]!.y }, { x: points[0]!.x + BAR / 2, y: points[0]!.y }] : points;
    const d = line.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)} ${n(p.y)}`).join(' ');
    const area = `M${n(line[0]!.x)} ${HEIGHT} ${line.map((p) => `L${n(p.x)} ${n(p.y)}`).join(' ')} L${n(line[line.length - 1]!.x)} ${HEIGHT} Z`;
    return html`<path class="sz-spark-area" d="${area}"/><path class="sz-spark-line" d="${d}"/>`;
  });
  const tips = buckets.map((b, i) =>
    b.lateness_ms_avg === null
      ? ''
      : html`<rect x="${i * SLOT}" y="0" width="${SLOT}" height="${HEIGHT}" fill="transparent"><title>${range(b.start, step)}: ${duration(b.lateness_ms_avg)} late on average, ${duration(b.lateness_ms_max ?? b.lateness_ms_avg)} at worst</title></rect>`,
  );
  return frame(buckets, labels, html`${paths}${tips}`);
}
