import type { SafeHtml } from '../../../html.js';
import type { DashSource } from '../source.js';

export type PanelId = 'tiles' | 'running' | 'next' | 'failures' | 'handlers' | 'outcomes' | 'outcomes-hours' | 'lateness' | 'lateness-hours' | 'cards';

/**
 * One live region of the dashboard. The page renders it inside its slot, and the live stream
 * sends the same render as the server-sent event `event`, whose data replaces the slot's content.
 */
export interface Panel {
  id: PanelId;
  /** The server-sent event that carries the panel (the slot's sse-swap). */
  event: string;
  /** Class of the slot element. */
  className: string;
  /**
   * The id of the heading inside the panel: the slot is then a <section> labelled by it. Without
   * one the slot is a <div> inside a section the page draws (so that, say, an open <details>
   * around it stays open when its content is replaced).
   */
  headingId?: string;
  /** The live stream renders the panel at most this often. */
  everyMs: number;
  render(source: DashSource): Promise<SafeHtml>;
}
