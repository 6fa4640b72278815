/**
 * The import worker: checks and decodes dropped files off the main thread and
 * renders thumbnails, so importing thousands of tiles never freezes the page.
 */
import * as Comlink from 'comlink';

import { decodeFile } from '../src/compute/decode-for-model';
import { makeThumbnail } from '../src/compute/thumbnail';
import type { ImageInput, ImportBatchResult, ImportProgress, ImportWorkerApi } from '../src/worker-protocol';

let cancelled = false;

const api: ImportWorkerApi = {
  async importImages(images: ImageInput[], onProgress?: (progress: ImportProgress) => void): Promise<ImportBatchResult> {
    cancelled = false;
    const result: ImportBatchResult = { images: [], problems: [], warnings: [] };
    let lastReport = 0;

    for (let i = 0; i < images.length; i++) {
      if (cancelled) break;
      const { path, file } = images[i];

      const decoded = await decodeFile(file, path);
      if (decoded.ok) {
        const thumbnail = await makeThumbnail(decoded.image);
        result.images.push({ path, width: decoded.image.width, height: decoded.image.height, thumbnail });
        for (const message of decoded.warnings) result.warnings.push({ path, message });
      } else {
        result.problems.push({ path, reason: decoded.reason, detail: decoded.detail });
      }

      const now = performance.now();
      if (onProgress && (now - lastReport > 100 || i === images.length - 1)) {
        lastReport = now;
        onProgress({ done: i + 1, total: images.length });
      }
    }
    return result;
  },

  cancel() {
    cancelled = true;
  },
};

Comlink.expose(api);
