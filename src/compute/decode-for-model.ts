import { resizeRgbSquare } from '../core/data/resize-rgb';
import { decodeImageFile, type DecodeResult } from '../core/ingest/image-decode';
import type { ImportReason } from '../core/ingest/import-report';
import { browserImageDecoder } from '../platform/browser-image-decoder';

export type ModelDecodeResult =
  | { ok: true; rgb: Uint8Array; width: number; height: number; warnings: string[] }
  | { ok: false; reason: ImportReason; detail: string };

/** Decodes one file in a worker, checked like an import, and resizes it to the model input size. */
export async function decodeForModel(file: Blob, path: string, size: number): Promise<ModelDecodeResult> {
  const decoded = await decodeFile(file, path);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, detail: decoded.detail };

  const { image } = decoded;
  return {
    ok: true,
    rgb: resizeRgbSquare(image.data, image.width, image.height, size),
    width: image.width,
    height: image.height,
    warnings: decoded.warnings,
  };
}

export async function decodeFile(file: Blob, path: string): Promise<DecodeResult> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return decodeImageFile(bytes, path, browserImageDecoder);
}
