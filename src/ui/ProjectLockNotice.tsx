import { useEffect } from 'react';

import { openProjectInThisTab } from '../state/project-session';
import { useProjectsStore } from '../state/projects-store';
import './projects.css';

/**
 * Renders, in place of the studio, the notice that another tab has this
 * project open for writing, with buttons to take it over or open another one.
 */
export function ProjectLockNotice({ lost }: { lost: boolean }) {
  const { projects, currentId, load } = useProjectsStore();
  const current = projects.find((p) => p.id === currentId);
  const others = projects.filter((p) => p.id !== currentId);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="panel project-lock-notice" role="alert" data-testid="project-lock-notice">
      <h2>“{current?.name ?? currentId}” is open in another tab</h2>
      <p>
        {lost
          ? 'Another tab took this project over, so this tab stopped writing to it. A run that was training here stopped too, and the other tab can resume it from its last checkpoint.'
          : 'Only one tab at a time can work on a project, so two tabs never overwrite each other’s data. This tab has not changed anything.'}
      </p>
      <p>
        <button type="button" onClick={() => openProjectInThisTab(currentId, { takeOver: true })} data-testid="take-over-project">
          Take over here
        </button>{' '}
        <span className="hint">The other tab stops writing and shows this notice.</span>
      </p>
      {others.length > 0 && (
        <>
          <p>Or open another project in this tab:</p>
          <ul>
            {others.map((project) => (
              <li key={project.id}>
                <button type="button" className="link" onClick={() => openProjectInThisTab(project.id)} data-testid="open-other-project">
                  {project.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
