import { useEffect, type ReactNode } from 'react';

import { startProjectSession } from '../state/project-startup';
import { useProjectsStore } from '../state/projects-store';
import { ProjectLockNotice } from './ProjectLockNotice';

/**
 * Renders the studio only once this tab holds its project's lock, so a tab
 * that does not hold it never restores or writes anything.
 */
export function ProjectGate({ children }: { children: ReactNode }) {
  const lock = useProjectsStore((s) => s.lock);

  useEffect(() => {
    void startProjectSession();
  }, []);

  if (lock === 'pending') return <p className="hint project-opening">Opening the project…</p>;
  if (lock === 'busy' || lock === 'lost') return <ProjectLockNotice lost={lock === 'lost'} />;
  return children;
}
