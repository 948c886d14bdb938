import type { HandlerRegistry } from '../handlers/registry.js';
import { ProcessGovernor } from './governor.js';
import { governedSpecs } from './spec.js';
import type { Governor, GovernorOptions } from './types.js';

export type { GovernedState, GovernedStatus, Governor, GovernorOptions } from './types.js';
export { governedSpecs, DEFAULTS as GOVERNOR_DEFAULTS, type ProcessSpec } from './spec.js';
export { describeExit } from './supervisor.js';

/** Start supervising the registry's worker handlers that have a `run` section. */
export async function startGovernor(registry: HandlerRegistry, options: GovernorOptions): Promise<Governor> {
  const governor = new ProcessGovernor(governedSpecs(registry), options);
  governor.start();
  return governor;
}
