/** Cause of a failed storage operation, in terms the UI can act on. */
export type StorageErrorCode = 'quota-exceeded' | 'unavailable' | 'not-found' | 'read-only' | 'failed';

/** The one error type storage code throws; the UI turns it into a message. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Wraps a browser storage failure, recognising a full disk (`QuotaExceededError`). */
export function toStorageError(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const name = (error as { name?: string } | null)?.name;
  const detail = error instanceof Error ? error.message : String(error);

  if (name === 'QuotaExceededError') {
    return new StorageError(
      'quota-exceeded',
      `Browser storage is full. ${action} failed. Free space by deleting projects or runs you no longer need, or the saved copies of the images (Images panel), or by freeing disk space; then try again. Nothing loaded was lost.`,
      error,
    );
  }
  if (name === 'NotFoundError') return new StorageError('not-found', `${action} failed: ${detail}`, error);
  return new StorageError('failed', `${action} failed: ${detail}`, error);
}
