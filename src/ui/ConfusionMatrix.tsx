/** Confusion matrix with rows = true class and columns = predicted class, shaded by row share. */
export function ConfusionMatrix({ matrix, classNames }: { matrix: number[][]; classNames: string[] }) {
  return (
    <table className="confusion-matrix" data-testid="confusion-matrix" aria-label="Confusion matrix, rows true class, columns predicted class">
      <thead>
        <tr>
          <th className="corner">true \ predicted</th>
          {classNames.map((name) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, trueClass) => {
          const total = row.reduce((a, b) => a + b, 0);
          return (
            <tr key={classNames[trueClass]}>
              <th scope="row">{classNames[trueClass]}</th>
              {row.map((count, predicted) => {
                const share = total > 0 ? count / total : 0;
                const diagonal = trueClass === predicted;
                const colour = diagonal ? `rgba(43, 122, 75, ${0.15 + 0.85 * share})` : `rgba(217, 83, 79, ${share > 0 ? 0.15 + 0.85 * share : 0})`;
                return (
                  <td key={predicted} style={{ background: colour, color: share > 0.6 ? 'white' : undefined }} title={`${count} of ${total} (${(share * 100).toFixed(1)}%)`}>
                    {count}
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
