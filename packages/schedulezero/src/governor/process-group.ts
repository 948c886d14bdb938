/**
 * Supervised processes run in their own process group (spawned detached), so that a signal
 * reaches everything they started: a shell and its program, a worker and its helpers. Signalling
 * the group, not just the pid, is what leaves no orphans behind.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    // Windows has no process groups; there the process itself is the best we can do.
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ESRCH: nothing left in the group. EPERM: the group now holds someone else's processes
    // (it cannot be ours any more); either way there is nothing of ours to signal.
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw err;
  }
}
