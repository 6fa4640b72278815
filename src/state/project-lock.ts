/**
 * One writer per project across tabs, through the Web Locks API: the tab
 * that holds the lock `clip-it-studio:project:<id>` may write the project,
 * any other tab shows a notice and writes nothing.
 */

export function projectLockName(projectId: string): string {
  return `clip-it-studio:project:${projectId}`;
}

export type LockOutcome = 'held' | 'busy' | 'unsupported';

/**
 * How long a tab waits for the lock before it reports the project as open
 * elsewhere, in milliseconds. A reload needs the wait because the new page
 * may run before the browser releases the old page's lock.
 */
const LOCK_WAIT_MS = 2000;

/**
 * Requests the project's lock and keeps it until the page closes. With
 * `steal`, the lock is taken from the tab that holds it, whose `onLost`
 * then runs. Resolves once the outcome is known.
 */
export function acquireProjectLock(projectId: string, options: { steal: boolean; onLost(): void }): Promise<LockOutcome> {
  if (!navigator.locks) {
    // NOTE: without Web Locks (very old browsers) two tabs can write the same project.
    return Promise.resolve('unsupported');
  }

  return new Promise<LockOutcome>((resolve) => {
    let granted = false;
    const request: LockOptions = options.steal ? { steal: true } : { signal: AbortSignal.timeout(LOCK_WAIT_MS) };
    navigator.locks
      .request(projectLockName(projectId), request, async () => {
        granted = true;
        resolve('held');
        // Held for the life of the page. The browser releases it when the tab closes.
        await new Promise<never>(() => undefined);
      })
      .catch((error: unknown) => {
        if (!granted) {
          // A timeout means another tab holds the lock. Any other failure is logged and treated the same, so this tab never writes unlocked.
          if ((error as { name?: string }).name !== 'TimeoutError') console.warn(`[projects] lock request for project ${projectId} failed:`, error);
          resolve('busy');
          return;
        }
        // Another tab stole the lock: the held request rejects with an AbortError.
        if ((error as { name?: string }).name === 'AbortError') options.onLost();
        else console.warn(`[projects] lock of project ${projectId} ended with an error:`, error);
      });
  });
}

/** Returns whether any tab of this origin holds the project's lock now. */
export async function isProjectLocked(projectId: string): Promise<boolean> {
  if (!navigator.locks) return false;
  const snapshot = await navigator.locks.query();
  return (snapshot.held ?? []).some((lock) => lock.name === projectLockName(projectId));
}
