import type { MicrositeContext } from '../../../plugin.js';
import { cardSites, cardsPanel } from './cards.js';
import { latenessHoursPanel, latenessPanel, outcomesHoursPanel, outcomesPanel } from './charts.js';
import { failuresPanel } from './failures.js';
import { handlersPanel } from './handlers.js';
import { nextDuePanel } from './next-due.js';
import type { Panel, PanelId } from './panel.js';
import { runningPanel } from './running.js';
import { tilesPanel } from './tiles.js';

export type { Panel, PanelId };

const CORE_PANELS: readonly Panel[] = [
  tilesPanel,
  runningPanel,
  nextDuePanel,
  failuresPanel,
  handlersPanel,
  outcomesPanel,
  outcomesHoursPanel,
  latenessPanel,
  latenessHoursPanel,
];

/** The panels of this portal: the core ones, and the cards section when another microsite has cards. */
export function dashboardPanels(ctx: MicrositeContext): Panel[] {
  return cardSites(ctx).length > 0 ? [...CORE_PANELS, cardsPanel] : [...CORE_PANELS];
}

/** Panels drawn from the day's timeline: redrawn together, so the tiles agree with the charts. */
export const TIMELINE_PANELS: ReadonlySet<PanelId> = new Set(['outcomes', 'outcomes-hours', 'lateness', 'lateness-hours']);
