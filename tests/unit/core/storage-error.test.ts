import { describe, expect, it } from 'vitest';

import { StorageError, toStorageError } from '../../../src/storage/storage-error';

describe('toStorageError', () => {
  it('full disk names what to delete', () => {
    const error = toStorageError(new DOMException('The quota has been exceeded.', 'QuotaExceededError'), 'Saving the checkpoint of step 4');

    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe('quota-exceeded');
    expect(error.message).toMatch(/^Browser storage is full\. Saving the checkpoint of step 4 failed\./);
    expect(error.message).toContain('deleting projects or runs you no longer need');
    expect(error.message).toContain('the saved copies of the images (Images panel)');
    expect(error.message).toContain('Nothing loaded was lost.');
  });

  it('other failures keep their detail', () => {
    const error = toStorageError(new DOMException('The file is locked.', 'NoModificationAllowedError'), 'Caching embeddings');

    expect(error.code).toBe('failed');
    expect(error.message).toBe('Caching embeddings failed: The file is locked.');
  });
});
