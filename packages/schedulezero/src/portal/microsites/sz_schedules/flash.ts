/**
 * Messages after an action travel as `?flash=<key>` on the redirect. Only these keys mean
 * anything and each maps to a fixed text, so a crafted link cannot put words on the page.
 */
export const FLASH = {
  created: { text: 'Schedule created.', tone: 'ok' },
  updated: { text: 'Changes saved.', tone: 'ok' },
  paused: { text: 'Schedule paused. It will not fire until you resume it.', tone: 'info' },
  resumed: { text: 'Schedule resumed.', tone: 'ok' },
  run: { text: 'Run queued.', tone: 'ok' },
  deleted: { text: 'Schedule deleted. Its run history is kept.', tone: 'info' },
  retried: { text: 'A new run was queued.', tone: 'ok' },
  cancelled: { text: 'Run cancelled.', tone: 'info' },
} as const satisfies Record<string, { text: string; tone: 'ok' | 'info' | 'error' }>;

export type FlashKey = keyof typeof FLASH;

export function flashOf(value: unknown): (typeof FLASH)[FlashKey] | null {
  return typeof value === 'string' && Object.hasOwn(FLASH, value) ? FLASH[value as FlashKey] : null;
}
