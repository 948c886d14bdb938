/** One system measured in a process of its own (forked by run.ts): argv SYSTEM SETTINGS_JSON. */
import { measure, type Settings, type System } from './measure.js';

export type SystemName = 'graphile-worker' | 'graphile-worker-batched' | 'pg-boss' | 'pg-boss-batched' | 'schedulezero' | 'schedulezero-remote';

const [name, settingsText] = process.argv.slice(2) as [SystemName, string];
const s = JSON.parse(settingsText) as Settings & { pgBossBatch: number };

// Loaded on demand: each process holds only the system it measures.
const systems: Record<SystemName, () => Promise<System>> = {
  'graphile-worker': async () => (await import('./graphile.js')).graphileWorker(s),
  'graphile-worker-batched': async () => (await import('./graphile.js')).graphileWorker(s, true),
  'pg-boss': async () => (await import('./pgboss.js')).pgBoss(s, 1),
  'pg-boss-batched': async () => (await import('./pgboss.js')).pgBoss(s, s.pgBossBatch),
  schedulezero: async () => (await import('./schedulezero.js')).scheduleZeroInProcess(s),
  'schedulezero-remote': async () => (await import('./schedulezero.js')).scheduleZeroRemote(s),
};

process.send?.(await measure(await systems[name](), s));
process.exit(0);
