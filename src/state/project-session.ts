/**
 * Project selection of this tab. The choice is kept per tab in
 * sessionStorage (it survives a reload of that tab only) and the last
 * opened project in localStorage (for new tabs).
 */
import { DEFAULT_PROJECT_ID, isValidProjectId } from '../storage/project-scope';

const TAB_PROJECT_KEY = 'clip-it-studio.project';
const LAST_PROJECT_KEY = 'clip-it-studio.last-project';
const TAKEOVER_KEY = 'clip-it-studio.take-over';

export function chosenProjectId(): string {
  const candidates = [sessionStorage.getItem(TAB_PROJECT_KEY), localStorage.getItem(LAST_PROJECT_KEY)];
  return candidates.find((id): id is string => id !== null && isValidProjectId(id)) ?? DEFAULT_PROJECT_ID;
}

export function rememberProject(id: string): void {
  sessionStorage.setItem(TAB_PROJECT_KEY, id);
  localStorage.setItem(LAST_PROJECT_KEY, id);
}

/** Opens another project in this tab: the page reloads, so every store starts from that project's storage. */
export function openProjectInThisTab(id: string, options: { takeOver?: boolean } = {}): void {
  rememberProject(id);
  if (options.takeOver) sessionStorage.setItem(TAKEOVER_KEY, id);
  else sessionStorage.removeItem(TAKEOVER_KEY);
  location.reload();
}

/** Returns true once after "Take over" was pressed for this project, then clears the flag. */
export function consumeTakeOver(id: string): boolean {
  const requested = sessionStorage.getItem(TAKEOVER_KEY) === id;
  sessionStorage.removeItem(TAKEOVER_KEY);
  return requested;
}
