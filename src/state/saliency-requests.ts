import type { SaliencyMap } from '../saliency-protocol';
import { getTrainingWorker } from './workers';

/** Maps already requested, so toggling an overlay or reopening a gallery sends one worker request per tile. */
const requests = new Map<string, Promise<SaliencyMap>>();

/** Requests the Grad-CAM map of one image for a run's stored model, for its predicted class. */
export function requestGradCam(runId: string, file: Blob, path: string): Promise<SaliencyMap> {
  const key = `${runId}\n${path}`;
  let request = requests.get(key);
  if (!request) {
    request = getTrainingWorker().saliency(runId, { kind: 'image', file, path });
    // A failed request is forgotten, so a later toggle can try again (e.g. after the weights were saved).
    request.catch(() => requests.delete(key));
    requests.set(key, request);
  }
  return request;
}

/** Requests the attention rollout of the loaded CLIP's vision tower (named `clipName`) on one image. */
export function requestAttentionRollout(clipName: string, file: Blob, path: string): Promise<SaliencyMap> {
  const key = `clip:${clipName}\n${path}`;
  let request = requests.get(key);
  if (!request) {
    request = getTrainingWorker().clipAttentionRollout(file, path);
    request.catch(() => requests.delete(key));
    requests.set(key, request);
  }
  return request;
}
