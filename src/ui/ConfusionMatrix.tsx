export interface ConfusionCell {
  trueClass: number;
  predictedClass: number;
}

/**
 * Confusion matrix with rows = true class and columns = predicted class, shaded by row share.
 * With `onSelectCell`, every cell is a button that opens the gallery of its tiles.
 */
export function ConfusionMatrix({
  matrix,
  classNames,
  selected,
  onSelectCell,
}: {
  matrix: number[][];
  classNames: string[];
  selected?: ConfusionCell | null;
  onSelectCell?: (cell: ConfusionCell) => void;
}) {
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
                const title = `${count} of ${total} (${(share * 100).toFixed(1)}%)`;
                const isSelected = selected?.trueClass === trueClass && selected?.predictedClass === predicted;
                return (
                  <td key={predicted} style={{ background: colour, color: share > 0.6 ? 'white' : undefined }} title={title} className={isSelected ? 'selected' : undefined}>
                    {onSelectCell ? (
                      <button
                        type="button"
                        className="cell-button"
                        data-testid={`confusion-cell-${trueClass}-${predicted}`}
                        aria-pressed={isSelected}
                        aria-label={`${count} tiles of true class ${classNames[trueClass]} predicted as ${classNames[predicted]}: show them`}
                        onClick={() => onSelectCell({ trueClass, predictedClass: predicted })}
                      >
                        {count}
                      </button>
                    ) : (
                      count
                    )}
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
